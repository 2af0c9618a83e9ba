"""What the end-of-year routine reads and records: the yearly archives (table
`year_end_archives`: written, then verified), and each other step's evidence where it is
already kept — a school year's messages closed (`message_years`), the yearly backup (the
register of copies, by its purpose), the latest purge (its `retention.purge` audit entry).

Every change to the archives' table is audited in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.store import audit
from hub.store.backups import BACKUP
from hub.store.db import inserted_id
from hub.timefmt import to_db


def record_archive(
    db: Database,
    *,
    school_year: int,
    written_at: datetime,
    written_by: str,
    location: str,
    files: int,
    size_bytes: int,
    sha256: str | None,
) -> int:
    """Enter an archive the hub wrote; return its number."""
    row = {
        "school_year": school_year,
        "written_at": to_db(written_at),
        "written_by": written_by,
        "location": location,
        "files": files,
        "size_bytes": size_bytes,
        "sha256": sha256,
    }
    with db.atomic():
        archive_id = inserted_id(db.table("year_end_archives").insert(row))
        audit.record(db, actor=written_by, action="year_end.archive", entity="year_end_archive",
                     entity_id=archive_id, after=row, now=written_at)  # fmt: skip
    return archive_id


def record_verification(
    db: Database, archive_id: int, *, problems: list[str], when: datetime, actor: str
) -> None:
    """The archive's latest verification: passed when `problems` is empty."""
    with db.atomic():
        before = next(iter(db.table("year_end_archives").rows_where("id = ?", [archive_id])), None)
        after = {
            "verified": int(not problems),
            "verified_at": to_db(when),
            "verified_by": actor,
            "problems": json.dumps(problems, ensure_ascii=False) if problems else None,
        }
        db.table("year_end_archives").update(archive_id, after)
        audit.record(db, actor=actor, action="year_end.verify", entity="year_end_archive",
                     entity_id=archive_id, before=before, after={**(before or {}), **after},
                     now=when)  # fmt: skip


def archive(db: Database, archive_id: int) -> dict[str, Any] | None:
    rows = list(db.table("year_end_archives").rows_where("id = ?", [archive_id]))
    return _with_problems(rows[0]) if rows else None


def latest_archive(db: Database, school_year: int) -> dict[str, Any] | None:
    """The school year's newest archive, with its problems as a list."""
    rows = list(
        db.table("year_end_archives").rows_where(
            "school_year = ?", [school_year], order_by="written_at DESC, id DESC", limit=1
        )
    )
    return _with_problems(rows[0]) if rows else None


def messages_closed(db: Database, school_year_name: str) -> dict[str, Any] | None:
    """When and by whom a school year's messages were closed (None: not closed), with how
    many messages the year holds now."""
    row = db.execute(
        """SELECT y.closed_at, y.closed_by, y.removed_at,
                  (SELECT count(*) FROM messages m WHERE m.school_year = y.school_year) AS messages
           FROM message_years y WHERE y.school_year = ?""",
        [school_year_name],
    ).fetchone()
    return dict(zip(("closed_at", "closed_by", "removed_at", "messages"), row, strict=True)) if row else None


def open_messages(db: Database, school_year_name: str) -> int:
    return db.execute("SELECT count(*) FROM messages WHERE school_year = ?", [school_year_name]).fetchone()[0]


def latest_backup_for(db: Database, purpose: str) -> dict[str, Any] | None:
    """The newest backup in the register made with `purpose` and not removed since."""
    rows = list(
        db.table("backups").rows_where(
            "kind = ? AND purpose = ? AND removed_at IS NULL",
            [BACKUP, purpose],
            order_by="created_at DESC, id DESC",
            limit=1,
        )
    )
    return rows[0] if rows else None


def latest_purge(db: Database) -> dict[str, Any] | None:
    """The newest purge's audit entry: when, by whom, and per kind what it removed."""
    row = db.execute(
        """SELECT at, actor, after FROM audit_log WHERE entity = 'retention' AND action = 'retention.purge'
           ORDER BY at DESC, id DESC LIMIT 1"""
    ).fetchone()
    if row is None:
        return None
    return {"at": row[0], "actor": row[1], "removed": json.loads(row[2]) if row[2] else {}}


def _with_problems(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "problems": json.loads(row["problems"]) if row["problems"] else []}
