"""Backups: a whole, verified copy with its manifest, entered in the register and audited; the
kept count; verification of a damaged copy; extra copies recorded for whom."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from hub.refusal import Refusal
from hub.services import backups
from hub.store import audit
from hub.store import backups as register
from hub.store.migrations import applied_steps
from hub.timefmt import utc_now
from tests.backup_support import ATTACHMENT_FILES, data_dir_with_attachments


def make(db, database: Path, backup_dir: Path, when=None, **kwargs) -> backups.Made:
    options = {"site": "p11", "made_by": "dyrektor@p11.pl", "purpose": "kopia bezpieczeństwa"} | kwargs
    return backups.make_backup(db, database=database, backup_dir=backup_dir, now=when or utc_now(), **options)


def test_a_backup_is_whole_verified_registered_and_audited(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    made = make(db, database, tmp_path / "disk")
    assert made.verified and made.path.parent == (tmp_path / "disk").resolve()
    assert not [p for p in (tmp_path / "disk").iterdir() if p.name.startswith(".")]  # no partial left
    manifest_bytes = (made.path / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    assert made.sha256 == hashlib.sha256(manifest_bytes).hexdigest()
    assert manifest["migrations"] == applied_steps(db) and manifest["site"] == "p11"
    files = {f["path"]: f for f in manifest["files"]}
    assert set(files) == {"ewidencjoner.db", *(f"attachments/{name}" for name in ATTACHMENT_FILES)}
    for name, content in ATTACHMENT_FILES.items():
        assert (made.path / "attachments" / name).read_bytes() == content
        assert files[f"attachments/{name}"]["sha256"] == hashlib.sha256(content).hexdigest()
    sums = (made.path / "SHA256SUMS").read_text().splitlines()
    assert sorted(sums) == sorted(f"{f['sha256']}  {f['path']}" for f in manifest["files"])
    assert oct(os.stat(made.path / "ewidencjoner.db").st_mode & 0o777) == "0o600"
    row = register.entry(db, made.backup_id)
    assert row["kind"] == "backup" and row["made_by"] == "dyrektor@p11.pl" and row["verified"] == 1
    assert row["sha256"] == made.sha256 and row["location"] == str(made.path)
    assert [e["action"] for e in audit.entries(db, entity="backup")] == ["backup.create"]


def test_no_attachments_directory_is_no_error(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path, attachments=False)
    (tmp_path / "disk").mkdir()
    made = make(db, database, tmp_path / "disk")
    manifest = json.loads((made.path / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["ewidencjoner.db"] and made.verified


def test_a_missing_backup_directory_is_refused_not_created(tmp_path: Path) -> None:
    """An external disk that is not mounted: writing to its mount point would fill the hub's disk."""
    db, database = data_dir_with_attachments(tmp_path)
    with pytest.raises(Refusal) as refused:
        make(db, database, tmp_path / "not-mounted")
    assert refused.value.code == "backup.dir_missing" and not (tmp_path / "not-mounted").exists()
    assert register.entries(db) == []


def test_a_backup_needs_a_purpose(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    with pytest.raises(Refusal) as refused:
        make(db, database, tmp_path / "disk", purpose="  ")
    assert refused.value.code == "field.required" and list((tmp_path / "disk").iterdir()) == []
    with pytest.raises(Refusal) as refused:
        make(db, database, tmp_path / "disk", purpose="x" * 201)
    assert refused.value.code == "field.too_long"


def test_the_oldest_past_the_kept_count_are_removed_and_recorded(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    disk = tmp_path / "disk"
    disk.mkdir()
    (disk / "someone-elses-file").write_text("not ours")
    start = utc_now()
    made = [make(db, database, disk, when=start + timedelta(hours=hour)) for hour in range(3)]
    removed = backups.remove_beyond(db, disk, 2, actor="schedule", now=utc_now())
    assert removed == [made[0].backup_id] and not made[0].path.exists()
    assert made[1].path.exists() and made[2].path.exists() and (disk / "someone-elses-file").exists()
    row = register.entry(db, made[0].backup_id)
    assert row["removed_at"] and row["removed_by"] == "schedule"
    assert "backup.remove" in [e["action"] for e in audit.entries(db, entity="backup")]
    assert backups.remove_beyond(db, disk, 2, actor="schedule", now=utc_now()) == []


def test_verify_finds_a_flipped_byte_and_records_it(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    made = make(db, database, tmp_path / "disk")
    assert backups.verify_entry(db, made.backup_id, actor="admin", now=utc_now()) == []
    attachment = made.path / "attachments" / "ab" / "ab12cd"
    content = bytearray(attachment.read_bytes())
    content[3] ^= 0x01
    attachment.write_bytes(bytes(content))
    found = backups.verify_entry(db, made.backup_id, actor="admin", now=utc_now())
    assert [p.code for p in found] == ["backup.file_corrupt"]
    assert register.entry(db, made.backup_id)["verified"] == 0
    with pytest.raises(Refusal) as refused:
        backups.verify_entry(db, 999, actor="admin", now=utc_now())
    assert refused.value.code == "backup.not_in_register"


def test_a_changed_manifest_fails_against_the_register(tmp_path: Path) -> None:
    """Whoever rewrites a file and its manifest line still cannot match the register's hash."""
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    made = make(db, database, tmp_path / "disk")
    attachment = made.path / "attachments" / "ab" / "ab12cd"
    attachment.write_bytes(b"%PDF-1.7 plan pracx")
    manifest = json.loads((made.path / "manifest.json").read_text())
    for file in manifest["files"]:
        if file["path"] == "attachments/ab/ab12cd":
            file["sha256"] = hashlib.sha256(attachment.read_bytes()).hexdigest()
    (made.path / "manifest.json").write_text(json.dumps(manifest))
    found = backups.verify_entry(db, made.backup_id, actor="admin", now=utc_now())
    assert [p.code for p in found] == ["backup.file_corrupt"]


def test_an_extra_copy_is_recorded_for_whom(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    made = make(db, database, tmp_path / "disk")
    copy_id = backups.record_copy(
        db,
        made_by="admin@p11.pl",
        recipient="Kuratorium, kontrola",
        location="pendrive nr 3",
        source_backup_id=made.backup_id,
        now=utc_now(),
    )
    row = register.entry(db, copy_id)
    assert (row["kind"], row["purpose"], row["sha256"]) == ("copy", "Kuratorium, kontrola", made.sha256)
    assert "backup.copy" in [e["action"] for e in audit.entries(db, entity="backup")]
    for recipient, location, source, code in [
        (" ", "pendrive", None, "field.required"),
        ("Kuratorium", "", None, "field.required"),
        ("Kuratorium", "p" * 201, None, "field.too_long"),
        ("Kuratorium", "pendrive", 999, "backup.not_in_register"),
        ("Kuratorium", "pendrive", copy_id, "backup.not_in_register"),
    ]:
        with pytest.raises(Refusal) as refused:
            backups.record_copy(db, made_by="a", recipient=recipient, location=location,
                                source_backup_id=source, now=utc_now())  # fmt: skip
        assert refused.value.code == code
