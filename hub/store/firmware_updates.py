"""Firmware updates over the air: each reader's update key and the state of its latest update.

An update is staged: `request` puts the first reader in wave 1 and the rest in wave 2; the
hub's ingest (hub/ingest/updates.py) starts wave 1, and wave 2 only once every reader of
wave 1 runs the new version confirmed healthy. If a reader of wave 1 fails or rolls back,
wave 2 is held: nothing more is sent until a person looks (`readers update` again).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now

FINISHED = ("done", "failed", "rolled-back", "held")
"""States after which the hub sends the reader nothing more for this update."""


def issue_key(db: Database, reader_id: str) -> str:
    """A new update key for the reader (32 random bytes, hex); replaces the old one."""
    key = secrets.token_hex(32)
    db.table("reader_update_keys").insert(
        {"reader_id": reader_id, "key_hex": key, "issued_at": to_db(utc_now())}, replace=True
    )
    return key


def key_of(db: Database, reader_id: str) -> str | None:
    row = db.execute("SELECT key_hex FROM reader_update_keys WHERE reader_id = ?", [reader_id]).fetchone()
    return row[0] if row else None


def request(db: Database, reader_ids: list[str], version: str, release_dir: str, author: str) -> None:
    """Update the readers to `version` (the first one alone, then the rest)."""
    now = to_db(utc_now())
    with db.atomic():
        for index, reader_id in enumerate(reader_ids):
            db.table("reader_updates").insert(
                {
                    "reader_id": reader_id,
                    "version": version,
                    "release_dir": release_dir,
                    "wave": 1 if index == 0 else 2,
                    "state": "queued" if index == 0 else "waiting",
                    "detail": "",
                    "requested_by": author,
                    "requested_at": now,
                    "changed_at": now,
                },
                replace=True,
            )


def set_state(db: Database, reader_id: str, state: str, detail: str = "") -> None:
    db.execute(
        "UPDATE reader_updates SET state = ?, detail = ?, changed_at = ? WHERE reader_id = ?",
        [state, detail[:200], to_db(utc_now()), reader_id],
    )


def advance(db: Database) -> None:
    """Wave 2 starts once all of wave 1 is done; it is held, with the reason, if any reader
    of wave 1 failed or rolled back."""
    rows = list(db["reader_updates"].rows_where(order_by="wave, reader_id"))
    first = [row for row in rows if row["wave"] == 1]
    waiting = [row for row in rows if row["wave"] == 2 and row["state"] == "waiting"]
    if not waiting or not first or not all(row["state"] in FINISHED for row in first):
        return
    bad = [row for row in first if row["state"] != "done"]
    with db.atomic():
        for row in waiting:
            if bad:
                set_state(db, row["reader_id"], "held", f"{bad[0]['reader_id']}: {bad[0]['state']}")
            else:
                set_state(db, row["reader_id"], "queued")


def active(db: Database) -> list[dict[str, Any]]:
    """Updates the hub should be serving now (queued or under way)."""
    return [
        row
        for row in db["reader_updates"].rows_where(order_by="wave, reader_id")
        if row["state"] not in FINISHED and row["state"] != "waiting"
    ]


def by_reader(db: Database) -> dict[str, dict[str, Any]]:
    """The latest update of each reader that had one."""
    return {row["reader_id"]: row for row in db["reader_updates"].rows_where()}
