"""`ewidencjoner erase child|guardian|account ID`: a person past retention erased and the
erasure audited; one whose records are still kept refused with the first possible day."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from hub.rules.retention import erasable_from
from hub.store import audit, registry
from hub.store.db import open_database
from web.cli import cli


def run(database: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    assert result.exit_code == code, result.output
    return result.output


def test_a_child_past_retention_is_erased_and_one_still_kept_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "erase.db"
    db = open_database(database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    gone = registry.add_child(
        db, first_name="Ola", last_name="Dawna", group=group, active_from="2018-09-01",
        active_to="2019-08-31", author="test",
    )["id"]  # fmt: skip
    left = date.today() - timedelta(days=1)
    recent = registry.add_child(
        db, first_name="Iga", last_name="Niedawna", group=group, active_from="2020-09-01", active_to=left,
        author="test",
    )["id"]  # fmt: skip
    registry.add_guardian(db, name="Anna Dawna", children=[gone], author="test")
    db.close()

    erased = json.loads(run(database, "erase", "child", str(gone), "--author", "admin@p.pl", "--json"))
    assert erased["person"] == "child" and erased["rows"]["child_guardians"] == 1
    refused = run(database, "erase", "child", str(recent), code=1)
    assert erasable_from(left).isoformat() in refused
    assert "uczęszcza" not in refused  # English without a Polish locale
    assert "already" in run(database, "erase", "child", str(gone), code=1)

    db = open_database(database)
    [entry] = [row for row in audit.entries(db, entity="child") if row["action"] == "child.erase"]
    assert entry["actor"] == "admin@p.pl" and "Dawna" not in json.dumps(entry, ensure_ascii=False)
    assert registry.get_child(db, recent)["last_name"] == "Niedawna"
    db.close()
