"""`ewidencjoner backup run|list|verify|record-copy` and `ewidencjoner restore`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.backup_support import data_dir_with_attachments, pad_with_taps
from web.cli import cli


def invoke(database: Path | None, *args: str, code: int = 0) -> str:
    prefix = ["--database", str(database)] if database else []
    result = CliRunner().invoke(cli, [*prefix, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_run_list_verify_record_copy_and_restore(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    disk = tmp_path / "disk"
    disk.mkdir()
    first = json.loads(invoke(database, "backup", "run", "--to", str(disk), "--json", "--author", "admin"))
    second = json.loads(invoke(database, "backup", "run", "--to", str(disk), "--keep", "1", "--json"))
    assert first["verified"] and second["removed"] == [first["backup_id"]]
    assert "whole and sound" in invoke(database, "backup", "verify", str(second["backup_id"]))
    assert "whole and sound" in invoke(None, "backup", "verify", second["path"])
    invoke(database, "backup", "record-copy", "--for", "Kuratorium", "--location", "pendrive",
           "--from-backup", str(second["backup_id"]))  # fmt: skip
    listed = json.loads(invoke(database, "backup", "list", "--json"))
    assert [row["kind"] for row in listed] == ["copy", "backup", "backup"]
    assert listed[2]["removed_by"].startswith("cli:") and listed[2]["made_by"] == "admin"
    assert "Kuratorium" in invoke(database, "backup", "list")
    new = str(tmp_path / "new")
    restored = json.loads(invoke(None, "restore", second["path"], "--data-dir", new, "--json"))
    assert restored["attachments"] == 2 and Path(restored["database"]).exists()


def test_refusals_end_with_their_sentence(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    output = invoke(database, "backup", "run", "--to", str(tmp_path / "unmounted"), code=1)
    assert "does not exist (is the disk mounted?)" in output
    assert "no backup directory" in invoke(database, "backup", "run", code=2)
    assert "no backup number 7" in invoke(database, "backup", "verify", "7", code=1)
    output = invoke(None, "restore", str(tmp_path), "--data-dir", str(tmp_path / "new"), code=1)
    assert "no backup" in output and not (tmp_path / "new").exists()
    output = invoke(None, "restore", str(tmp_path), "--data-dir", str(tmp_path), code=1)
    assert "is not empty" in output


def test_a_damaged_backup_fails_verify(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    (tmp_path / "disk").mkdir()
    made = json.loads(invoke(database, "backup", "run", "--to", str(tmp_path / "disk"), "--json"))
    (Path(made["path"]) / "attachments" / "ab" / "ab12cd").unlink()
    assert "missing attachments/ab/ab12cd" in invoke(database, "backup", "verify", "1", code=1)
    assert json.loads(invoke(database, "backup", "list", "--json"))[0]["verified"] == 0
    by_path = json.loads(invoke(None, "backup", "verify", made["path"], "--json", code=1).split("Error")[0])
    assert by_path["problems"] == ["backup.file_missing"]  # a copy checked without the register


def test_a_disk_that_fills_up_leaves_no_half_backup(tmp_path: Path) -> None:
    """The backup command in a process that may write files of at most 64 KiB (as a full disk
    refuses the next write): a clear refusal, no `.partial` left behind, nothing registered."""
    db, database = data_dir_with_attachments(tmp_path)
    pad_with_taps(db.conn, "r1", 5_000, first=2)
    db.close()
    disk = tmp_path / "disk"
    disk.mkdir()
    limit = "import resource, sys\nresource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
    run = (
        "from web.cli import main; sys.argv = ['ewidencjoner', 'backup', 'run', '--to', sys.argv[1]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", limit + run, str(disk)],
        env=dict(os.environ, EWIDENCJONER_DATABASE=str(database), LANG="C.UTF-8"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "The backup could not be written to" in result.stderr and "Traceback" not in result.stderr
    assert list(disk.iterdir()) == []
    assert json.loads(invoke(database, "backup", "list", "--json")) == []
