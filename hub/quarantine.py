"""Messages that broke the wire contract: kept raw with the reason, counted, never dropped.

The same bad message arriving again (a retained status, a reader retrying) raises the count
of its open entry instead of adding a row, so a misbehaving reader cannot flood the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.timefmt import to_db


def quarantine(
    db: Database,
    *,
    topic: str,
    payload: bytes,
    reason: str,
    detail: str,
    received: datetime,
    reader_id: str | None = None,
) -> int:
    """Keep a rejected message; the caller holds the transaction. Returns the entry's id."""
    at = to_db(received)
    existing = db.execute(
        "SELECT id FROM quarantine WHERE resolved_at IS NULL AND topic = ? AND payload = ? AND reason = ?",
        [topic, payload, reason],
    ).fetchone()
    if existing:
        db.execute(
            "UPDATE quarantine SET count = count + 1, last_received_at = ? WHERE id = ?",
            [at, existing[0]],
        )
        return existing[0]
    table = db["quarantine"]
    table.insert(
        {
            "first_received_at": at,
            "last_received_at": at,
            "count": 1,
            "topic": topic,
            "reader_id": reader_id,
            "payload": payload,
            "reason": reason,
            "detail": detail,
        }
    )
    assert table.last_pk is not None
    return int(table.last_pk)


def list_quarantine(db: Database, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    where = None if include_resolved else "resolved_at IS NULL"
    rows = db["quarantine"].rows_where(where, order_by="id")
    return [_public(row) for row in rows]


def count_by_reason(db: Database) -> dict[str, int]:
    rows = db.execute(
        "SELECT reason, sum(count) FROM quarantine WHERE resolved_at IS NULL GROUP BY reason ORDER BY reason"
    )
    return {reason: total for reason, total in rows}


def open_entries_for_reader(db: Database, reader_id: str, reason: str) -> list[dict[str, Any]]:
    return list(
        db["quarantine"].rows_where(
            "resolved_at IS NULL AND reader_id = ? AND reason = ?", [reader_id, reason], order_by="id"
        )
    )


def resolve(db: Database, entry_id: int, when: datetime) -> None:
    db["quarantine"].update(entry_id, {"resolved_at": to_db(when)})


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """The payload as text for people and JSON; bytes that are not UTF-8 shown escaped."""
    result = dict(row)
    result["payload"] = bytes(row["payload"]).decode("utf-8", errors="backslashreplace")
    return result
