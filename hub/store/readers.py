"""The register of readers and their health: who may send taps, and how each one is doing."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.store import audit
from hub.timefmt import to_db, utc_now
from hub.wire import READER_ID_PATTERN, StatusMessage

READER_MODES = ("toggle", "in", "out")
DEFAULT_VOLUME = 2
EARLIEST = "1970-01-01T00:00:00.000Z"
"""The first mode of a reader covers every tap it ever sent before a change."""


class ReaderError(ValueError):
    """A reader cannot be registered or changed as asked."""


def add_reader(db: Database, reader_id: str, name: str, mode: str = "toggle") -> dict[str, Any]:
    """Register a reader so the hub accepts its taps."""
    if not READER_ID_PATTERN.match(reader_id):
        raise ReaderError(f"reader id must be 1-32 letters, digits, '-' or '_', got {reader_id!r}")
    if not name.strip():
        raise ReaderError("a reader needs a name people recognise, e.g. 'Wejście główne'")
    if mode not in READER_MODES:
        raise ReaderError(f"mode must be one of {', '.join(READER_MODES)}, got {mode!r}")
    if is_registered(db, reader_id):
        raise ReaderError(f"reader {reader_id!r} is already registered")
    row = {"id": reader_id, "name": name.strip(), "mode": mode, "created_at": to_db(utc_now())}
    with db.atomic():
        db.table("readers").insert(row)
        db.table("reader_modes").insert(
            {"reader_id": reader_id, "valid_from": EARLIEST, "mode": mode, "changed_by": "registration"}
        )
    return get_reader(db, reader_id)


def set_mode(db: Database, reader_id: str, mode: str, author: str) -> dict[str, Any]:
    """Change a reader's mode from now on; taps before now keep the mode they were made in."""
    if mode not in READER_MODES:
        raise ReaderError(f"mode must be one of {', '.join(READER_MODES)}, got {mode!r}")
    if not is_registered(db, reader_id):
        raise ReaderError(f"reader {reader_id!r} is not registered")
    before = {"mode": get_reader(db, reader_id)["mode"]}
    with db.atomic():
        db.table("readers").update(reader_id, {"mode": mode})
        db.table("reader_modes").insert(
            {"reader_id": reader_id, "valid_from": to_db(utc_now()), "mode": mode, "changed_by": author},
            replace=True,
        )
        audit.record(
            db, actor=author, action="reader.mode", entity="reader", entity_id=reader_id,
            before=before, after={"mode": mode},
        )  # fmt: skip
    return get_reader(db, reader_id)


def reader_config(reader: dict[str, Any], debounce_s: int) -> dict[str, Any]:
    """The retained `config` message for a reader (wire contract)."""
    return {"mode": reader["mode"], "debounce_s": debounce_s, "volume": DEFAULT_VOLUME}


def is_registered(db: Database, reader_id: str) -> bool:
    return db.execute("SELECT 1 FROM readers WHERE id = ?", [reader_id]).fetchone() is not None


def registered_ids(db: Database) -> set[str]:
    return {row[0] for row in db.execute("SELECT id FROM readers")}


def get_reader(db: Database, reader_id: str) -> dict[str, Any]:
    return _public(db.table("readers").get(reader_id))


def list_readers(db: Database) -> list[dict[str, Any]]:
    return [_public(row) for row in db["readers"].rows_where(order_by="id")]


def status_history(db: Database, reader_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The reader's latest logged statuses, newest first: its boots, drops and recoveries."""
    rows = db["reader_events"].rows_where(
        "reader_id = ?", [reader_id], order_by="at DESC, id DESC", limit=limit
    )
    return [{**row, "online": bool(row["online"])} for row in rows]


def record_status(
    db: Database, reader_id: str, status: StatusMessage, received: datetime, *, retained: bool
) -> bool:
    """Keep a reader's latest status, and log it unless it is a retained copy already seen.

    The caller holds the transaction. Returns True when the status was new (logged).
    """
    body = json.dumps({k: v for k, v in asdict(status).items() if v is not None}, sort_keys=True)
    previous = db.execute("SELECT last_status FROM readers WHERE id = ?", [reader_id]).fetchone()
    if retained and previous and previous[0] == body:
        return False
    at = to_db(received)
    fields = asdict(status)
    fields["online"] = int(status.online)
    update = {"last_seen": at, "last_status": body, "online": fields["online"]}
    update.update({k: v for k, v in fields.items() if v is not None and k != "online"})
    db.table("readers").update(reader_id, update)
    db.table("reader_events").insert({"reader_id": reader_id, "at": at, **fields})
    return True


def touch(db: Database, reader_id: str, received: datetime) -> None:
    """A tap is proof of life too: move the reader's last-seen time."""
    db.execute("UPDATE readers SET last_seen = ? WHERE id = ?", [to_db(received), reader_id])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    result = dict(row)
    result.pop("last_status", None)
    if result.get("online") is not None:
        result["online"] = bool(result["online"])
    return result
