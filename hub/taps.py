"""Storing taps exactly once and reading them back.

A tap's identity is `(reader_id, seq)`: the reader never reuses a `seq`, so inserting the
same tap twice is a no-op by construction, whatever the broker redelivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.timefmt import to_db
from hub.wire import BadMessage, TapMessage, ticks_diff

TIME_QUALITIES = ("clock", "derived", "unknown")
"""clock: the reader's own clock (`t`); derived: the hub's receipt minus the reader's
ticks since the tap (same boot); unknown: an earlier boot with no clock, to be confirmed."""


@dataclass(frozen=True)
class TapTime:
    at: datetime | None
    quality: str


def derive_time(tap: TapMessage, received: datetime) -> TapTime:
    """The tap's wall time, as DESIGN.md's wire contract defines it."""
    if tap.t is not None:
        return TapTime(datetime.fromtimestamp(tap.t, UTC), "clock")
    if tap.now is None:
        return TapTime(None, "unknown")
    age_ms = ticks_diff(tap.now, tap.ms)
    if age_ms < 0:
        raise BadMessage("bad_field", f"now ({tap.now}) is before ms ({tap.ms}) in ticks")
    return TapTime(received - timedelta(milliseconds=age_ms), "derived")


def insert_tap(db: Database, reader_id: str, tap: TapMessage, received: datetime) -> TapTime | None:
    """Store a tap unless it is already stored; the caller holds the transaction.

    Returns the new tap's time, or None when the tap was stored before (a redelivery).
    """
    when = derive_time(tap, received)
    cursor = db.execute(
        """INSERT OR IGNORE INTO taps
           (reader_id, seq, uid, boot, ms, now, device_t, received_at, at, time_quality)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            reader_id,
            tap.seq,
            tap.uid,
            tap.boot,
            tap.ms,
            tap.now,
            tap.t,
            to_db(received),
            to_db(when.at) if when.at else None,
            when.quality,
        ],
    )
    return when if cursor.rowcount == 1 else None


def list_taps(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Taps whose time falls in [start, end); unknown-time taps by when they were received."""
    return list(
        db.query(
            """SELECT * FROM taps
               WHERE (at >= :start AND at < :end)
                  OR (at IS NULL AND received_at >= :start AND received_at < :end)
               ORDER BY coalesce(at, received_at), reader_id, seq""",
            {"start": start, "end": end},
        )
    )


def count_taps(db: Database) -> int:
    return db.execute("SELECT count(*) FROM taps").fetchone()[0]
