"""`ewidencjoner year-end`: the status of each step as text and JSON, the routine run to the
end onto a disk, run again reporting every step done without doing any again, and a run
refused (a year not ended, the disk missing, the backup directory) with its reason, exit
code 1 and nothing done."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from hub.config import Settings
from hub.services import backups, year_end
from hub.store import backups as register
from hub.store import messages
from hub.store.db import open_database
from hub.timefmt import utc_now
from tests.backup_support import data_dir_with_attachments
from web.cli import cli

YEAR = "2025"


def invoke(database: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database", str(database), *args], catch_exceptions=False)


def test_status_run_and_run_again(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    disk = tmp_path / "dysk"
    disk.mkdir()
    before = invoke(database, "year-end", "status", YEAR)
    assert before.exit_code == 0, before.output
    assert before.output.splitlines()[:2] == [
        "School year 2025/2026: next: messages",
        "  messages  next     0 messages, not closed",
    ]
    done = invoke(database, "year-end", "run", YEAR, "--to", str(disk), "--author", "admin@p11.example.pl")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert [line.split(":")[0:2] for line in lines[:5]] == [
        [step, " done now"] for step in ("messages", "archive", "verify", "backup", "purge")
    ]
    assert lines[-1] == "The end of 2025/2026 is done."
    archive = disk / "ewidencjoner-przedszkole-archiwum-2025-2026"
    [backup] = [path for path in disk.iterdir() if path.name.startswith("ewidencjoner-przedszkole-2")]
    assert (archive / "manifest.json").is_file() and backups.problems_of(backup) == []
    status = json.loads(invoke(database, "year-end", "status", YEAR, "--json").output)
    assert status["next"] is None and [s["state"] for s in status["steps"]] == ["done"] * 5
    assert status["archive"]["location"] == str(archive) and status["archive"]["verified"] == 1
    assert (
        status["backup"]["location"] == str(backup) and status["backup"]["made_by"] == "admin@p11.example.pl"
    )
    assert status["purge"]["actor"] == "admin@p11.example.pl"
    with open_database(database) as again:
        entries = len(register.entries(again))
    rerun = invoke(database, "year-end", "run", YEAR, "--to", str(disk), "--json")
    assert rerun.exit_code == 0, rerun.output
    assert [(s["step"], s["result"]) for s in json.loads(rerun.output)["steps"]] == [
        (step, "done") for step in ("messages", "archive", "verify", "backup", "purge")
    ]
    with open_database(database) as again:
        assert len(register.entries(again)) == entries
    assert sorted(path.name for path in disk.iterdir()) == sorted([archive.name, backup.name])


def test_a_run_refused_says_why_and_does_nothing(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    (tmp_path / "kopie").mkdir()
    not_ended = invoke(database, "year-end", "run", "2026", "--to", str(tmp_path / "kopie"))
    assert not_ended.exit_code == 1
    assert "The school year 2026/2027 has not ended: its routine starts on 1 September." in not_ended.output
    missing = invoke(database, "year-end", "run", YEAR, "--to", str(tmp_path / "niezamontowany"))
    assert missing.exit_code == 1 and "does not exist (is the disk mounted?)" in missing.output
    same = CliRunner().invoke(
        cli,
        ["--database", str(database), "year-end", "run", YEAR, "--to", str(tmp_path / "kopie")],
        env={"EWIDENCJONER_BACKUP_DIR": str(tmp_path / "kopie")},
    )
    assert same.exit_code == 1 and "cannot go into the backup directory" in same.output
    no_place = invoke(database, "year-end", "run", YEAR)
    assert no_place.exit_code == 1 and "archive_dir or backup_dir" in no_place.output
    with open_database(database) as again:
        assert not messages.is_closed(again, "2025/2026") and register.entries(again) == []
    assert list((tmp_path / "kopie").iterdir()) == []


def test_a_run_stops_at_the_failing_step_and_the_next_run_redoes_it(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    disk = tmp_path / "dysk"
    disk.mkdir()
    now = utc_now()
    settings = Settings(database=database, archive_dir=disk)
    for step in ("messages", "archive"):
        year_end.perform(db, settings, 2025, step, actor="admin@p11.example.pl", now=now)
    db.close()
    archive = disk / "ewidencjoner-przedszkole-archiwum-2025-2026"
    shutil.rmtree(archive)  # the disk changed after the archive was written
    failed = invoke(database, "year-end", "run", YEAR, "--to", str(disk))
    assert failed.exit_code == 1
    first, second = failed.output.splitlines()[:2]
    assert first.startswith("messages: already done: closed ") and second.startswith(
        f"archive: already done: {archive}"
    )
    assert f"Error: verify: The archive {archive} failed its verification:" in failed.output
    assert not [path for path in disk.iterdir()]  # no backup after a failed check
    status = json.loads(invoke(database, "year-end", "status", YEAR, "--json").output)
    assert [s["state"] for s in status["steps"]] == ["done", "done", "failed", "waiting", "waiting"]
    assert status["archive"]["problems"] and status["archive"]["verified"] == 0
    again = invoke(database, "year-end", "run", YEAR, "--to", str(disk))
    assert again.exit_code == 0, again.output
    assert "archive: done now: " in again.output and "verify: done now: " in again.output
    assert (archive / "manifest.json").is_file()
