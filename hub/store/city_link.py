"""What the city link reads and records in the site's database: the taps and the audited
changes after a cursor, in the order they were stored, and the cursors themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.store import cards
from hub.timefmt import to_db

FEEDS = ("taps", "changes")


def cursor(db: Database, feed: str) -> int:
    row = db.execute("SELECT last_id FROM city_link_cursors WHERE feed = ?", [feed]).fetchone()
    return row[0] if row else 0


def advance(db: Database, feed: str, last_id: int, now: datetime) -> None:
    """Record that the city acknowledged `feed` up to `last_id` (never moves back)."""
    with db.atomic():
        db.execute(
            """INSERT INTO city_link_cursors (feed, last_id, sent_at) VALUES (?, ?, ?)
               ON CONFLICT (feed) DO UPDATE SET last_id = max(last_id, excluded.last_id),
                                                sent_at = excluded.sent_at""",
            [feed, last_id, to_db(now)],
        )


def taps_after(db: Database, last_id: int, limit: int) -> list[dict[str, Any]]:
    """Stored taps after rowid `last_id`, oldest first, with the child their card stood for
    then (None for a card nobody held) and the reader's direction then (`in`, `out` or
    `toggle`, as `day_inputs.day_taps` reads it: the city's day needs it)."""
    instant = cards.TAP_INSTANT
    return list(
        db.query(
            f"""SELECT t.rowid AS id, t.reader_id, t.seq, t.at, t.received_at, t.time_quality,
                      (SELECT k.child_id FROM cards k
                        WHERE k.uid = t.uid AND k.valid_from <= {instant}
                          AND (k.revoked_at IS NULL OR k.revoked_at > {instant})
                        LIMIT 1) AS child_id,
                      (SELECT m.mode FROM reader_modes m
                        WHERE m.reader_id = t.reader_id AND m.valid_from <= {instant}
                        ORDER BY m.valid_from DESC LIMIT 1) AS mode
               FROM taps t WHERE t.rowid > ? ORDER BY t.rowid LIMIT ?""",
            [last_id, limit],
        )
    )


def changes_after(db: Database, last_id: int, up_to: int, actions: tuple[str, ...]) -> list[dict[str, Any]]:
    """Audit entries with ids in (`last_id`, `up_to`] of the given actions, oldest first (the
    entries of other actions are passed over: the cursor moves past them to `up_to`)."""
    marks = ", ".join("?" * len(actions))
    return list(
        db.query(
            f"""SELECT id, at, action, entity, entity_id FROM audit_log
                WHERE id > ? AND id <= ? AND action IN ({marks}) ORDER BY id""",
            [last_id, up_to, *actions],
        )
    )


def last_change_id(db: Database, after: int, limit: int) -> int:
    """The id `limit` entries after `after` (or the newest): one batch of the change feed.
    Rows are only added, each by the one writer SQLite allows at a time, so no entry with a
    smaller id can appear later."""
    row = db.execute(
        "SELECT max(id) FROM (SELECT id FROM audit_log WHERE id > ? ORDER BY id LIMIT ?)", [after, limit]
    ).fetchone()
    return row[0] or after


def billed_at(db: Database, recorded_at: str) -> list[dict[str, Any]]:
    """The statements a month's closing recorded (each child's, and re-billed earlier months)."""
    return list(
        db.query(
            "SELECT year, month, child_id, version, billed FROM billed_months WHERE recorded_at = ? "
            "ORDER BY year, month, child_id",
            [recorded_at],
        )
    )


CORRECTION_COLUMNS = (
    "id", "child_id", "day", "kind", "at", "revoked_at", "created_at", "target_reader", "target_seq",
    "target_correction",
)  # fmt: skip
"""What the city hears of a correction: what the rules read, never its reason or author."""


def correction(db: Database, correction_id: int) -> dict[str, Any] | None:
    row = db.execute(
        f"SELECT {', '.join(CORRECTION_COLUMNS)} FROM corrections WHERE id = ?", [correction_id]
    ).fetchone()
    return dict(zip(CORRECTION_COLUMNS, row, strict=True)) if row else None


def child(db: Database, child_id: int) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT id, group_id, birth_date, active_from, active_to FROM children WHERE id = ?", [child_id]
    ).fetchone()
    keys = ("id", "group_id", "birth_date", "active_from", "active_to")
    return dict(zip(keys, row, strict=True)) if row else None


def group(db: Database, group_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT id, name FROM groups WHERE id = ?", [group_id]).fetchone()
    return {"id": row[0], "name": row[1]} if row else None
