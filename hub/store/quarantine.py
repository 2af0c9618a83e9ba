"""Messages that broke the wire contract: kept with the reason, counted, never dropped.

Bounded, because a hostile device on the LAN can send junk as fast as the broker takes it:

- At most `KEPT_PAYLOAD_BYTES` of a payload are kept, beside its full size and SHA-256, so
  an entry still proves what arrived and a 16 MB message costs 1 KiB.
- The same bad message arriving again (a retained status, a reader retrying) raises the
  count of its open entry instead of adding a row.
- Per reader and reason, only the first `MAX_DISTINCT` distinct open messages get an entry
  each; every further one is counted in a single overflow entry for that reader and reason
  (it keeps the latest sample). A device inventing reader ids meets a cap per reason too
  (`MAX_DISTINCT_PER_REASON`). A person needs a few examples to see what a reader does
  wrong, and the count to see how much; 10,000 rows of the same fault help nobody.
- `purge` removes entries resolved, or last seen, more than the retention ago (the setting
  `quarantine_retention_days`; `ewidencjoner quarantine purge`). An open `conflict` entry
  holds a real tap that lost its seq to another one and stays until someone resolves it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.store import audit
from hub.store.db import inserted_id
from hub.timefmt import to_db

KEPT_PAYLOAD_BYTES = 1024
MAX_DISTINCT = 50
"""Distinct open entries kept per reader and reason before the rest is only counted."""
MAX_DISTINCT_PER_REASON = 1000
"""Distinct open entries kept per reason over all readers: a device inventing reader ids
(each unregistered, each with its own 50) cannot get past this many; past it, the rest is
counted in one overflow entry with no reader."""
MAX_DISTINCT_CONFLICTS = 1000
"""More for conflicts: each may hold a real tap. Past this many open ones a reader is under
attack, and the count in the overflow entry says so."""
DEFAULT_RETENTION_DAYS = 90
MAX_PAGE = 200
"""The most entries one page of the list holds (`/api/quarantine`)."""
MAX_TOPIC_CHARS = 256
KEPT_WHILE_OPEN = ("conflict",)
"""Reasons whose open entries no retention removes."""


class QuarantineError(ValueError):
    """An entry cannot be changed as asked."""


def quarantine(
    db: Database,
    *,
    topic: str,
    payload: bytes,
    reason: str,
    detail: str,
    received: datetime,
    reader_id: str | None = None,
    seq: int | None = None,
) -> int:
    """Keep a rejected message; the caller holds the transaction. Returns the entry's id."""
    at = to_db(received)
    topic = topic[:MAX_TOPIC_CHARS]
    digest = hashlib.sha256(payload).hexdigest()
    existing = db.execute(
        """SELECT id FROM quarantine WHERE resolved_at IS NULL AND payload_sha256 = ? AND reason = ?
           AND topic = ? AND overflow = 0""",
        [digest, reason, topic],
    ).fetchone()
    if existing:
        _count_again(db, existing[0], at)
        return existing[0]
    entry = {
        "last_received_at": at,
        "topic": topic,
        "payload": payload[:KEPT_PAYLOAD_BYTES],
        "payload_size": len(payload),
        "payload_sha256": digest,
        "detail": detail[:KEPT_PAYLOAD_BYTES],
        "seq": seq,
    }
    if _distinct(db, reader_id, reason) >= (MAX_DISTINCT_CONFLICTS if reason == "conflict" else MAX_DISTINCT):
        return _count_in_overflow(db, reader_id, reason, entry)
    if reason != "conflict" and _distinct(db, ANY_READER, reason) >= MAX_DISTINCT_PER_REASON:
        return _count_in_overflow(db, None, reason, entry)
    table = db.table("quarantine")
    table.insert({**entry, "first_received_at": at, "count": 1, "reader_id": reader_id, "reason": reason})
    return inserted_id(table)


ANY_READER = object()


def _distinct(db: Database, reader_id: str | object | None, reason: str) -> int:
    """Open entries kept one by one for this reader (or `ANY_READER`) and reason."""
    where = "resolved_at IS NULL AND reason = ? AND overflow = 0"
    params: list[object] = [reason]
    if reader_id is not ANY_READER:
        where += " AND reader_id IS ?"
        params.append(reader_id)
    return db.execute(f"SELECT count(*) FROM quarantine WHERE {where}", params).fetchone()[0]


def _count_again(db: Database, entry_id: int, at: str) -> None:
    db.execute("UPDATE quarantine SET count = count + 1, last_received_at = ? WHERE id = ?", [at, entry_id])


def _count_in_overflow(db: Database, reader_id: str | None, reason: str, latest: dict[str, Any]) -> int:
    """One entry per reader and reason counts every distinct message past `MAX_DISTINCT`;
    it shows the latest one as a sample."""
    found = db.execute(
        """SELECT id FROM quarantine
           WHERE resolved_at IS NULL AND reader_id IS ? AND reason = ? AND overflow = 1""",
        [reader_id, reason],
    ).fetchone()
    sample = {**latest, "detail": f"more distinct messages than are kept; latest: {latest['detail']}"}
    if found:
        columns = ", ".join(f"{key} = ?" for key in sample)
        db.execute(
            f"UPDATE quarantine SET count = count + 1, {columns} WHERE id = ?",
            [*sample.values(), found[0]],
        )
        return found[0]
    table = db.table("quarantine")
    table.insert(
        {**sample, "first_received_at": latest["last_received_at"], "count": 1, "reader_id": reader_id,
         "reason": reason, "overflow": 1}
    )  # fmt: skip
    return inserted_id(table)


def list_quarantine(
    db: Database, *, include_resolved: bool = False, limit: int = MAX_PAGE, after_id: int = 0
) -> list[dict[str, Any]]:
    """A page of entries in id order, from the first id above `after_id` (a cursor: the
    last id of the previous page), at most `limit` (capped at `MAX_PAGE`)."""
    where = "id > ?" if include_resolved else "id > ? AND resolved_at IS NULL"
    rows = db["quarantine"].rows_where(where, [after_id], order_by="id", limit=max(0, min(limit, MAX_PAGE)))
    return [_public(row) for row in rows]


def waiting_readers(db: Database) -> list[dict[str, Any]]:
    """Readers waiting to be registered, newest first: they connect with their own login (the
    broker let them in) but are not in the register, so their messages wait here as
    `unknown_reader` until `readers add` (the reader keeps its taps until the hub acks)."""
    return list(
        db.query(
            """SELECT reader_id, min(first_received_at) AS first_seen,
                      max(last_received_at) AS last_seen, sum(count) AS messages
               FROM quarantine
               WHERE reason = 'unknown_reader' AND resolved_at IS NULL AND reader_id IS NOT NULL
                 AND reader_id NOT IN (SELECT id FROM readers)
               GROUP BY reader_id ORDER BY last_seen DESC"""
        )
    )


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


def conflicts(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Open `conflict` entries first received in [start, end): for the inconsistency log."""
    rows = db["quarantine"].rows_where(
        "resolved_at IS NULL AND reason = 'conflict' AND first_received_at >= ? AND first_received_at < ?",
        [start, end],
        order_by="id",
    )
    return [_public(row) for row in rows]


def resolve(db: Database, entry_id: int, when: datetime, author: str = "hub") -> None:
    """Mark an entry dealt with (audited); purge removes it after the retention."""
    found = db.execute("SELECT reason, resolved_at FROM quarantine WHERE id = ?", [entry_id]).fetchone()
    if found is None:
        raise QuarantineError(f"there is no quarantine entry #{entry_id}")
    if found[1] is not None:
        raise QuarantineError(f"quarantine entry #{entry_id} was resolved at {found[1]}")
    with db.atomic():
        db.table("quarantine").update(entry_id, {"resolved_at": to_db(when)})
        audit.record(
            db, actor=author, action="quarantine.resolve", entity="quarantine", entity_id=entry_id,
            before={"reason": found[0]}, after={"resolved_at": to_db(when)}, now=when,
        )  # fmt: skip


def purge(db: Database, now: datetime, older_than_days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Delete entries resolved, or (if open) last received, more than `older_than_days`
    before `now`; an open conflict is kept until resolved. Returns how many went."""
    if older_than_days < 0:
        raise ValueError(f"older_than_days must be 0 or more, got {older_than_days}")
    cutoff = to_db(now - timedelta(days=older_than_days))
    kept = ", ".join(f"'{reason}'" for reason in KEPT_WHILE_OPEN)
    with db.atomic():
        cursor = db.execute(
            f"""DELETE FROM quarantine
                WHERE (resolved_at IS NOT NULL AND resolved_at < :cutoff)
                   OR (resolved_at IS NULL AND last_received_at < :cutoff AND reason NOT IN ({kept}))""",
            {"cutoff": cutoff},
        )
    return cursor.rowcount


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """The payload as text for people and JSON; bytes that are not UTF-8 shown escaped."""
    result = dict(row)
    result["payload"] = bytes(row["payload"]).decode("utf-8", errors="backslashreplace")
    result["overflow"] = bool(row.get("overflow"))
    return result
