"""`ewidencjoner staff-absences …`: list, add, end early, cancel, each with --json; refusals exit 1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from hub.accounts.accounts import add_user
from hub.store import audit
from hub.store.db import open_database
from web.cli import cli


def run(database: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    assert result.exit_code == code, result.output
    return result.output


def test_add_end_cancel_and_list(tmp_path: Path) -> None:
    database = tmp_path / "staff.db"
    db = open_database(database)
    add_user(db, email="anna@p11.pl", name="Anna Lis", role="teacher", author="test")
    added = json.loads(
        run(database, "staff-absences", "add", "anna@p11.pl", "--from", "2026-11-16", "--to", "2026-11-20",
            "--kind", "sick", "--note", "L4", "--author", "sekretariat", "--json")
    )  # fmt: skip
    assert (added["name"], added["last_day"], added["entered_by"]) == (
        "Anna Lis",
        "2026-11-20",
        "sekretariat",
    )
    ended = run(
        database, "staff-absences", "end", str(added["id"]), "--last", "2026-11-17", "--reason", "wróciła"
    )
    assert "2026-11-16..2026-11-17" in ended and "planned until 2026-11-20" in ended
    listed = json.loads(
        run(database, "staff-absences", "list", "--all", "--account", "anna@p11.pl", "--json")
    )
    assert [row["id"] for row in listed] == [added["id"]]
    run(database, "staff-absences", "cancel", str(added["id"]), "--reason", "pomyłka")
    assert "[cancelled: pomyłka]" in run(database, "staff-absences", "list", "--all")
    actions = sorted(entry["action"] for entry in audit.entries(db, entity="staff_absence"))
    assert actions == ["staff_absence.add", "staff_absence.cancel", "staff_absence.end"]


def test_refusals_exit_1_with_the_reason_and_store_nothing(tmp_path: Path) -> None:
    database = tmp_path / "staff.db"
    db = open_database(database)
    add_user(
        db, email="k@kuratorium.pl", name="K", role="inspector", expires_on=date(2030, 6, 30), author="test"
    )
    out = run(database, "staff-absences", "add", "k@kuratorium.pl", "--from", "2026-11-16", code=1)
    assert "no member of staff" in out
    out = run(database, "staff-absences", "add", "nikt@p11.pl", "--from", "2026-11-16", code=1)
    assert "no account for nikt@p11.pl" in out
    out = run(database, "staff-absences", "cancel", "5", "--reason", "x", code=1)
    assert "no staff absence 5" in out
    assert db["staff_absences"].count == 0
