"""Storing taps exactly once and reading them back.

A tap's identity is `(reader_id, seq)`: the reader never reuses a `seq`, so inserting the
same tap twice is a no-op by construction, whatever the broker redelivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlite_utils import Database

from hub.timefmt import to_db
from hub.wire import BadMessage, TapMessage, ticks_diff

QUERY_CHUNK = 400
"""Keys per look-up: two parameters each, well under SQLite's limit of 32,766."""

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


class TapRow(NamedTuple):
    """A tap as stored: one row of the `taps` table, its instants already in stored form."""

    reader_id: str
    seq: int
    uid: str
    boot: int
    ms: int
    now: int | None
    device_t: int | None
    received_at: str
    at: str | None
    time_quality: str


def tap_row(reader_id: str, tap: TapMessage, received: datetime, when: TapTime | None = None) -> TapRow:
    """The row for a tap received at `received`; `when` if its time is already derived."""
    when = when or derive_time(tap, received)
    at = to_db(when.at) if when.at else None
    return TapRow(
        reader_id, tap.seq, tap.uid, tap.boot, tap.ms, tap.now, tap.t, to_db(received), at, when.quality
    )


def insert_new(db: Database, rows: list[TapRow]) -> list[bool]:
    """Store the taps not stored yet; returns, row by row, whether it was new."""
    return [holder is None for holder in insert_or_find(db, rows)]


def insert_or_find(db: Database, rows: list[TapRow]) -> list[TapRow | None]:
    """Store the taps not stored yet, in one statement; the caller holds the transaction.

    Returns, row by row, None when it was new, or the row that already holds its
    `(reader_id, seq)`: stored before, or earlier in the same list. The caller tells a
    redelivery (`same_tap`) from a conflict.
    """
    holders = _already_stored(db, [(row.reader_id, row.seq) for row in rows])
    found: list[TapRow | None] = []
    fresh_rows = []
    for row in rows:
        key = (row.reader_id, row.seq)
        holder = holders.get(key)
        found.append(holder)
        if holder is None:
            holders[key] = row
            fresh_rows.append(row)
    db.conn.executemany(
        f"INSERT INTO taps ({', '.join(TapRow._fields)}) VALUES ({', '.join('?' * len(TapRow._fields))})",
        fresh_rows,
    )
    return found


def same_tap(one: TapRow, other: TapRow) -> bool:
    """Is `other` a redelivery of `one`? What the reader recorded at the tap must match;
    `now` (ticks when sent) and the receipt time differ from one sending to the next."""
    return (one.uid, one.boot, one.ms, one.device_t) == (other.uid, other.boot, other.ms, other.device_t)


def _already_stored(db: Database, keys: list[tuple[str, int]]) -> dict[tuple[str, int], TapRow]:
    """The stored taps holding these keys. A join on the keys, not `(reader_id, seq) IN
    (VALUES …)`: SQLite answers the row-value IN by scanning the stored taps (31 ms a batch
    with 200,000 taps), the join by one primary-key look-up per key."""
    found: dict[tuple[str, int], TapRow] = {}
    columns = ", ".join(f"t.{name}" for name in TapRow._fields)
    for start in range(0, len(keys), QUERY_CHUNK):
        chunk = keys[start : start + QUERY_CHUNK]
        values = ",".join("(?, ?)" for _ in chunk)
        params = [part for key in chunk for part in key]
        rows = db.conn.execute(
            f"SELECT {columns} FROM (VALUES {values}) AS k "
            "JOIN taps AS t ON t.reader_id = k.column1 AND t.seq = k.column2",
            params,
        )
        for row in map(TapRow._make, rows):
            found[(row.reader_id, row.seq)] = row
    return found


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
