"""The register of copies (table `backups`) and the SQL a backup needs: a consistent
snapshot of the live database and SQLite's own check of a copy.

The snapshot is `VACUUM INTO`: one read transaction, which in WAL mode never blocks a
writer, so ingest keeps committing taps while the copy is written; the copy is the
database as it was when the read began, compacted. SQLite's backup API was measured beside
it (bench/README.md, "backup.py"): copied in steps it starts again whenever another
connection commits, so under ingest at 100 taps/s a stepwise copy of a large database never
ends; copied in one step it holds the same snapshot as `VACUUM INTO` and writes the free
pages too.

Every change to the register is audited in the same transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from hub.store import audit
from hub.store.db import inserted_id
from hub.store.migrations import applied_steps
from hub.timefmt import to_db

BACKUP = "backup"
"""A copy the hub made (`backup run`, the page's button, the schedule)."""
COPY = "copy"
"""An extra copy handed to someone, recorded by hand (003 rozdz. XII.2)."""
SCHEDULE = "schedule"
"""Who made a backup that the schedule made."""


def snapshot(db: Database, target: Path) -> None:
    """Write a consistent copy of `db` to `target` (which must not exist) while others write."""
    db.execute("VACUUM INTO ?", [str(target)])


def schema_steps_of(path: Path) -> list[str]:
    """The schema steps the database file at `path` has had, read from the file itself."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    with contextlib.closing(conn):
        return applied_steps(Database(conn))


def integrity_problems(path: Path) -> list[str]:
    """SQLite's `integrity_check` of the database file at `path`, opened read only: [] when
    it is sound, else what SQLite found (a file that is no database at all included)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def record_backup(
    db: Database,
    *,
    created_at: datetime,
    made_by: str,
    purpose: str,
    location: str,
    size_bytes: int,
    sha256: str,
    verified: bool,
) -> int:
    """Enter a backup the hub made into the register; return its number."""
    row = {
        "kind": BACKUP,
        "created_at": to_db(created_at),
        "made_by": made_by,
        "purpose": purpose,
        "location": location,
        "size_bytes": size_bytes,
        "sha256": sha256,
        "verified": int(verified),
        "verified_at": to_db(created_at),
    }
    with db.atomic():
        backup_id = inserted_id(db.table("backups").insert(row))
        audit.record(
            db, actor=made_by, action="backup.create", entity="backup", entity_id=backup_id, after=row
        )
    return backup_id


def record_copy(
    db: Database,
    *,
    created_at: datetime,
    made_by: str,
    purpose: str,
    location: str,
    source_backup_id: int | None,
    size_bytes: int | None,
    sha256: str | None,
) -> int:
    """Enter an extra copy handed to someone (`purpose` says to whom and why); return its number."""
    row = {
        "kind": COPY,
        "created_at": to_db(created_at),
        "made_by": made_by,
        "purpose": purpose,
        "location": location,
        "source_backup_id": source_backup_id,
        "size_bytes": size_bytes,
        "sha256": sha256,
    }
    with db.atomic():
        copy_id = inserted_id(db.table("backups").insert(row))
        audit.record(db, actor=made_by, action="backup.copy", entity="backup", entity_id=copy_id, after=row)
    return copy_id


def record_verification(db: Database, backup_id: int, *, verified: bool, when: datetime, actor: str) -> None:
    with db.atomic():
        before = entry(db, backup_id)
        after = {"verified": int(verified), "verified_at": to_db(when)}
        db.table("backups").update(backup_id, after)
        audit.record(db, actor=actor, action="backup.verify", entity="backup", entity_id=backup_id,
                     before=before, after={**(before or {}), **after})  # fmt: skip


def record_removal(db: Database, backup_id: int, *, when: datetime, actor: str) -> None:
    """Mark a backup removed from its directory (past the kept count); its row stays."""
    with db.atomic():
        before = entry(db, backup_id)
        after = {"removed_at": to_db(when), "removed_by": actor}
        db.table("backups").update(backup_id, after)
        audit.record(db, actor=actor, action="backup.remove", entity="backup", entity_id=backup_id,
                     before=before, after={**(before or {}), **after})  # fmt: skip


def entry(db: Database, backup_id: int) -> dict[str, Any] | None:
    rows = list(db.table("backups").rows_where("id = ?", [backup_id]))
    return rows[0] if rows else None


def entries(db: Database, *, limit: int = 500) -> list[dict[str, Any]]:
    """The register, newest first: backups and extra copies."""
    return list(db.table("backups").rows_where(order_by="created_at DESC, id DESC", limit=limit))


def kept_backups(db: Database, location_prefix: str) -> list[dict[str, Any]]:
    """Backups made into the directory `location_prefix` and not removed, oldest first."""
    return [
        row
        for row in db.table("backups").rows_where(
            "kind = ? AND removed_at IS NULL", [BACKUP], order_by="created_at, id"
        )
        if str(Path(row["location"]).parent) == location_prefix
    ]
