"""Restore: a backup comes back whole into a new data directory; a damaged copy, a copy from
a newer schema and a non-empty target are each refused with their code, writing nothing."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.refusal import Refusal
from hub.services import backups
from hub.services.restore import restore
from hub.store.db import open_database
from hub.store.migrations import MIGRATIONS, migrate
from hub.timefmt import utc_now
from tests.backup_support import ATTACHMENT_FILES, data_dir_with_attachments


def backup_of(tmp_path: Path) -> Path:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    made = backups.make_backup(db, database=database, backup_dir=tmp_path / "disk", site="p11",
                               made_by="admin", purpose="test", now=utc_now())  # fmt: skip
    db.close()
    return made.path


def test_a_backup_restores_whole(tmp_path: Path) -> None:
    backup = backup_of(tmp_path)
    restored = restore(backup, tmp_path / "new")
    assert restored.database == tmp_path / "new" / "ewidencjoner.db" and restored.attachments == 2
    db = open_database(restored.database)
    assert db.execute("SELECT reader_id, seq FROM taps").fetchall() == [("r1", 1)]
    for name, content in ATTACHMENT_FILES.items():
        assert (tmp_path / "new" / "attachments" / name).read_bytes() == content
    assert oct(os.stat(restored.database).st_mode & 0o777) == "0o600"
    assert oct(os.stat(tmp_path / "new").st_mode & 0o777) == "0o700"


def test_an_empty_existing_directory_is_a_fine_target(tmp_path: Path) -> None:
    backup = backup_of(tmp_path)
    (tmp_path / "new").mkdir()
    assert restore(backup, tmp_path / "new").attachments == 2


def flip_a_byte(backup: Path) -> None:
    database = backup / "ewidencjoner.db"
    content = bytearray(database.read_bytes())
    content[len(content) // 2] ^= 0x40
    database.write_bytes(bytes(content))


def truncate(backup: Path) -> None:
    database = backup / "ewidencjoner.db"
    database.write_bytes(database.read_bytes()[:4096])


def lose_an_attachment(backup: Path) -> None:
    (backup / "attachments" / "cd" / "cd34ef").unlink()


def lose_the_manifest(backup: Path) -> None:
    (backup / "manifest.json").unlink()


def garble_the_manifest(backup: Path) -> None:
    (backup / "manifest.json").write_text('{"files": "not a list"')


def point_outside(backup: Path) -> None:
    """A manifest that would have restore read (and write) a file outside the backup."""
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"][0]["path"] = "../../secret"
    (backup / "manifest.json").write_text(json.dumps(manifest))


def damage_consistently(backup: Path) -> None:
    """Garbage in the database's pages with the manifest rewritten to match: only SQLite's
    integrity check can tell."""
    database = backup / "ewidencjoner.db"
    content = bytearray(database.read_bytes())
    page = 4096
    for offset in range(2 * page + 8, 2 * page + 200):
        content[offset] = 0xFF
    database.write_bytes(bytes(content))
    manifest = json.loads((backup / "manifest.json").read_text())
    for file in manifest["files"]:
        if file["path"] == "ewidencjoner.db":
            file["sha256"] = hashlib.sha256(bytes(content)).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (flip_a_byte, "backup.file_corrupt"),
        (truncate, "backup.file_truncated"),
        (lose_an_attachment, "backup.file_missing"),
        (lose_the_manifest, "backup.manifest_unreadable"),
        (garble_the_manifest, "backup.manifest_unreadable"),
        (point_outside, "backup.manifest_unreadable"),
        (damage_consistently, "backup.integrity_failed"),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_written(
    tmp_path: Path, damage: Callable[[Path], None], code: str
) -> None:
    backup = backup_of(tmp_path)
    damage(backup)
    with pytest.raises(Refusal) as refused:
        restore(backup, tmp_path / "new")
    assert refused.value.code == code
    assert not (tmp_path / "new").exists() and not (tmp_path / ".new.restoring").exists()


def m999_from_the_future(db: Database) -> None:
    db.execute("CREATE TABLE hologram (id INTEGER PRIMARY KEY)")


def test_a_backup_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    migrate(db, [*MIGRATIONS, m999_from_the_future])
    (tmp_path / "disk").mkdir()
    made = backups.make_backup(db, database=database, backup_dir=tmp_path / "disk", site="p11",
                               made_by="admin", purpose="test", now=utc_now())  # fmt: skip
    with pytest.raises(Refusal) as refused:
        restore(made.path, tmp_path / "new")
    assert refused.value.code == "backup.schema_too_new"
    assert refused.value.params["steps"] == "m999_from_the_future" and not (tmp_path / "new").exists()


def test_a_target_with_anything_in_it_is_refused(tmp_path: Path) -> None:
    backup = backup_of(tmp_path)
    live = tmp_path / "live"
    live.mkdir()
    (live / "ewidencjoner.db").write_bytes(b"the running hub's data")
    for target in (live, live / "ewidencjoner.db"):
        with pytest.raises(Refusal) as refused:
            restore(backup, target)
        assert refused.value.code == "restore.target_not_empty"
    assert (live / "ewidencjoner.db").read_bytes() == b"the running hub's data"


def test_no_backup_there(tmp_path: Path) -> None:
    with pytest.raises(Refusal) as refused:
        restore(tmp_path / "nothing", tmp_path / "new")
    assert refused.value.code == "backup.not_found"
