"""`ewidencjoner purge`: the dry run and the purge from the command line, and the settings
that refuse a journal term shorter than JRWA B5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.config import ConfigError, Settings
from hub.store import audit
from hub.store.db import open_database
from web.cli import cli


def run(database: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_dry_run_then_a_purge_recorded_as_its_author(tmp_path: Path) -> None:
    database = tmp_path / "purge.db"
    open_database(database).close()
    planned = json.loads(run(database, "purge", "--dry-run", "--json"))
    assert planned["dry_run"] is True
    assert {kind["kind"] for kind in planned["kinds"]} >= {"taps", "sessions", "personal_data_reads"}
    with open_database(database) as db:
        assert not audit.entries(db, entity="retention")
    text = run(database, "purge", "--author", "admin@p.pl")
    assert "taps: removed 0 (kept from " in text and "quarantine: removed 0" in text
    with open_database(database) as db:
        [entry] = audit.entries(db, entity="retention")
    assert entry["actor"] == "admin@p.pl" and entry["action"] == "retention.purge"


@pytest.mark.parametrize(
    "setting",
    [
        {"journal_retention_years": 4},
        {"journal_retention_years": 51},
        {"session_retention_days": 0},
        {"security_log_retention_days": 4000},
        {"data_read_retention_days": -1},
    ],
)
def test_a_term_out_of_range_is_refused(setting: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match=next(iter(setting))):
        Settings(**setting)
