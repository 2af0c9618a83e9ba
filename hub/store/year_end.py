"""What the end-of-year routine reads and records. Each step's evidence is read where it is
kept: a school year's messages closed (`message_years`), its archive (an extra copy in the
register of copies, as `hub.services.archive` enters it) with its verifications (table
`archive_verifications`, kept here), the yearly backup (the register, by its purpose), the
latest purge (its `retention.purge` audit entry).

Recording a verification is audited in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.store import audit
from hub.store.backups import BACKUP, COPY
from hub.timefmt import to_db


def record_verification(
    db: Database, copy_id: int, *, school_year: int, problems: list[str], when: datetime, actor: str
) -> None:
    """An archive's check (`copy_id`: its entry in the register): passed when `problems` is empty."""
    row = {
        "copy_id": copy_id,
        "verified_at": to_db(when),
        "verified_by": actor,
        "verified": int(not problems),
        "problems": json.dumps(problems, ensure_ascii=False) if problems else None,
    }
    with db.atomic():
        db.table("archive_verifications").insert(row)
        audit.record(db, actor=actor, action="archive.verify", entity="archive", entity_id=school_year,
                     after=row, now=when)  # fmt: skip


def latest_archive(db: Database, purpose: str) -> dict[str, Any] | None:
    """The newest archive entered in the register with `purpose`, with its newest check
    (`verified_at`, `verified_by`, `verified`, `problems` as a list; None when never checked)."""
    row = db.execute(
        """SELECT b.id, b.created_at, b.made_by, b.location, b.size_bytes, b.sha256,
                  v.verified_at, v.verified_by, v.verified, v.problems
           FROM backups b LEFT JOIN archive_verifications v ON v.id = (
               SELECT id FROM archive_verifications WHERE copy_id = b.id
               ORDER BY verified_at DESC, id DESC LIMIT 1)
           WHERE b.kind = ? AND b.purpose = ? ORDER BY b.created_at DESC, b.id DESC LIMIT 1""",
        [COPY, purpose],
    ).fetchone()
    if row is None:
        return None
    names = ("id", "created_at", "made_by", "location", "size_bytes", "sha256", "verified_at", "verified_by",
             "verified", "problems")  # fmt: skip
    found = dict(zip(names, row, strict=True))
    return {**found, "problems": json.loads(found["problems"]) if found["problems"] else []}


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
