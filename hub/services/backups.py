"""Backups that are proven: a consistent copy of the live database and the attachments, in a
directory of its own with a manifest of SHA-256s, verified after it is written, entered in
the register of copies, and the oldest removed past the kept count.

A backup is a directory `ewidencjoner-<site>-<UTC time>/` in the backup directory:

    manifest.json   schema steps, hub version, when, site, every file with its size and SHA-256
    SHA256SUMS      the same hashes for `sha256sum -c` (checkable without the hub)
    <database>      the database as one consistent snapshot (`store.backups.snapshot`)
    attachments/    every attachment file, copied into each backup

It is written under a hidden `.…partial` name and renamed when complete, so a directory
with the backup's name is always a whole backup. The backup's own SHA-256 (in the register)
is the manifest's, which holds every file's. The database is copied first, then the
attachments: attachment files are named by their content and written before a row refers
to them, so every file the snapshot names is already there; a later file is only extra.
Each backup carries its own attachments, so a backup directory can be moved, handed over or
removed alone.

The backup directory must exist: on an external disk that is not mounted, creating it would
fill the hub's own disk instead, silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Label, Refusal
from hub.store import backups as register
from hub.store.migrations import applied_steps
from hub.store.registry import required_text
from hub.timefmt import to_db

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
ATTACHMENTS = "attachments"
FORMAT = 1
PURPOSE = Label(N_("For whom or what"))
RECIPIENT = Label(N_("For whom"))
LOCATION = Label(N_("Where it is"))
ROUTINE_PURPOSE = "kopia bezpieczeństwa"
"""The purpose recorded for a backup made with no other purpose given (the schedule's)."""
CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupFile:
    path: str
    """Relative to the backup's directory, with `/`."""
    size: int
    sha256: str


@dataclass(frozen=True)
class Made:
    """A backup written, verified and entered in the register."""

    backup_id: int
    path: Path
    sha256: str
    size_bytes: int
    verified: bool


def hub_version() -> str:
    try:
        return version("ewidencjoner")
    except PackageNotFoundError:
        return "unknown"


def make_backup(
    db: Database,
    *,
    database: Path,
    backup_dir: Path,
    site: str,
    made_by: str,
    purpose: str,
    now: datetime,
) -> Made:
    """Back up the database at `database` (open as `db`) and its attachments into `backup_dir`."""
    purpose = required_text(purpose, PURPOSE)
    if not backup_dir.is_dir():
        raise Refusal(
            "backup.dir_missing",
            N_("The backup directory %(path)s does not exist (is the disk mounted?)."),
            path=str(backup_dir),
        )
    backup_dir = backup_dir.resolve()
    name = f"ewidencjoner-{site}-{now:%Y%m%dT%H%M%SZ}"
    final = _free_name(backup_dir, name)
    staging = backup_dir / f".{final.name}.partial"
    try:
        staging.mkdir(mode=0o700)
    except OSError as exc:  # read only, gone, or another backup of the same second
        raise _not_written(backup_dir, exc) from exc
    try:
        register.snapshot(db, staging / database.name)
        files = [_file_of(staging, database.name)]
        files += _copy_attachments(database.parent / ATTACHMENTS, staging)
        manifest = {
            "format": FORMAT,
            "hub_version": hub_version(),
            "created_at": to_db(now),
            "site": site,
            "database": database.name,
            "migrations": applied_steps(db),
            "files": [file.__dict__ for file in files],
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        _write_synced(staging / MANIFEST, manifest_bytes)
        _write_synced(staging / CHECKSUMS, "".join(f"{f.sha256}  {f.path}\n" for f in files).encode())
        _sync_tree(staging)
        staging.rename(final)
        _sync_path(backup_dir)
    except (OSError, sqlite3.Error) as exc:  # the disk full, gone, read only
        shutil.rmtree(staging, ignore_errors=True)
        raise _not_written(backup_dir, exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    verified = not problems_of(final)
    sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    size = sum(file.size for file in files) + len(manifest_bytes)
    backup_id = register.record_backup(
        db,
        created_at=now,
        made_by=made_by,
        purpose=purpose,
        location=str(final),
        size_bytes=size,
        sha256=sha256,
        verified=verified,
    )
    return Made(backup_id, final, sha256, size, verified)


def record_copy(
    db: Database,
    *,
    made_by: str,
    recipient: str,
    location: str,
    source_backup_id: int | None,
    now: datetime,
) -> int:
    """Record an extra copy of the journal handed to `recipient` (003 rozdz. XII.2: when it was
    made and for whom); a copy of a registered backup carries that backup's size and hash."""
    recipient, location = required_text(recipient, RECIPIENT), required_text(location, LOCATION)
    source = None
    if source_backup_id is not None:
        source = register.entry(db, source_backup_id)
        if source is None or source["kind"] != register.BACKUP:
            raise not_in_register(source_backup_id)
    return register.record_copy(
        db,
        created_at=now,
        made_by=made_by,
        purpose=recipient,
        location=location,
        source_backup_id=source_backup_id,
        size_bytes=source["size_bytes"] if source else None,
        sha256=source["sha256"] if source else None,
    )


def remove_beyond(db: Database, backup_dir: Path, keep: int, *, actor: str, now: datetime) -> list[int]:
    """Remove the oldest backups in `backup_dir` past the newest `keep`, recording each removal.

    Only directories the register holds as backups made there are removed: nothing else in
    the directory (another program's files, a copy put there by hand) is ever touched."""
    kept = register.kept_backups(db, str(backup_dir.resolve()))
    removed = []
    for row in kept[: max(0, len(kept) - keep)]:
        shutil.rmtree(row["location"], ignore_errors=True)
        register.record_removal(db, row["id"], when=now, actor=actor)
        removed.append(row["id"])
    return removed


def verify_entry(db: Database, backup_id: int, *, actor: str, now: datetime) -> list[Refusal]:
    """Check a registered backup again (hashes, SQLite's integrity check); record the result."""
    row = register.entry(db, backup_id)
    if row is None or row["kind"] != register.BACKUP:
        raise not_in_register(backup_id)
    found = problems_of(Path(row["location"]))
    manifest = Path(row["location"]) / MANIFEST
    if not found and row["sha256"] and _sha256(manifest) != row["sha256"]:
        found = [_corrupt(MANIFEST)]
    register.record_verification(db, backup_id, verified=not found, when=now, actor=actor)
    return found


def problems_of(backup: Path) -> list[Refusal]:
    """What is wrong with the backup at `backup` ([] when it is whole and sound)."""
    try:
        manifest = read_manifest(backup)
    except Refusal as refusal:
        return [refusal]
    found = [problem for file in manifest_files(manifest) if (problem := file_problem(backup, file))]
    if not found:
        found += [
            Refusal(
                "backup.integrity_failed",
                N_("SQLite finds the backup's database damaged: %(problem)s"),
                problem=problem,
            )
            for problem in register.integrity_problems(backup / manifest["database"])[:1]
        ]
    return found


def read_manifest(backup: Path) -> dict[str, Any]:
    """The backup's manifest, checked for its shape; a refusal when it is missing or malformed."""
    unreadable = Refusal(
        "backup.manifest_unreadable",
        N_("%(path)s is no backup: its manifest.json is missing or unreadable."),
        path=str(backup),
    )
    try:
        manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
        files = manifest_files(manifest)
        database = manifest["database"]
        steps = manifest["migrations"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise unreadable from exc
    if (
        not isinstance(steps, list)
        or not all(isinstance(step, str) for step in steps)
        or database not in {file.path for file in files}
    ):
        raise unreadable
    return manifest


def manifest_files(manifest: dict[str, Any]) -> list[BackupFile]:
    """The manifest's files; a path that could leave the backup's directory is refused."""
    files = [BackupFile(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
    for file in files:
        parts = PurePosixPath(file.path).parts
        if not parts or PurePosixPath(file.path).is_absolute() or ".." in parts or "\\" in file.path:
            raise ValueError(f"a file outside the backup: {file.path!r}")
    return files


def file_problem(backup: Path, file: BackupFile) -> Refusal | None:
    path = backup / file.path
    if not path.is_file():
        return Refusal("backup.file_missing", N_("The backup is missing %(file)s."), file=file.path)
    size = path.stat().st_size
    if size != file.size:
        return Refusal(
            "backup.file_truncated",
            N_("%(file)s in the backup has %(size)s bytes where its manifest says %(expected)s."),
            file=file.path,
            size=size,
            expected=file.size,
        )
    if _sha256(path) != file.sha256:
        return _corrupt(file.path)
    return None


def _not_written(backup_dir: Path, exc: Exception) -> Refusal:
    return Refusal(
        "backup.write_failed",
        N_("The backup could not be written to %(path)s: %(reason)s"),
        path=str(backup_dir),
        reason=str(exc),
    )


def not_in_register(backup_id: int | str) -> Refusal:
    return Refusal(
        "backup.not_in_register", N_("There is no backup number %(id)s in the register."), id=backup_id
    )


def _corrupt(name: str) -> Refusal:
    return Refusal(
        "backup.file_corrupt",
        N_("%(file)s in the backup does not match its SHA-256: the copy is damaged."),
        file=name,
    )


def copy_hashed(source: Path, target: Path) -> str:
    """Copy `source` to `target` (owner-only, synced) and return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with (
        source.open("rb") as src,
        open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst,
    ):
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _copy_attachments(source: Path, staging: Path) -> list[BackupFile]:
    if not source.is_dir():
        return []
    files = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = PurePosixPath(ATTACHMENTS, *path.relative_to(source).parts)
        target = staging / relative
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        sha256 = copy_hashed(path, target)
        files.append(BackupFile(str(relative), target.stat().st_size, sha256))
    return files


def _file_of(staging: Path, name: str) -> BackupFile:
    path = staging / name
    os.chmod(path, 0o600)
    return BackupFile(name, path.stat().st_size, _sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _free_name(backup_dir: Path, name: str) -> Path:
    """`name`, or `name-2`, `-3`… when two backups are made within one second."""
    candidate, number = backup_dir / name, 1
    while candidate.exists() or (backup_dir / f".{candidate.name}.partial").exists():
        number += 1
        candidate = backup_dir / f"{name}-{number}"
    return candidate


def _write_synced(path: Path, data: bytes) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_tree(root: Path) -> None:
    """fsync the snapshot (SQLite does not sync a `VACUUM INTO` file) and every directory;
    the other files were synced as they were written."""
    for path in [root, *root.rglob("*")]:
        if path.is_dir() or path.parent == root:
            _sync_path(path)


def _sync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
