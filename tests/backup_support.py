"""A hub's data directory with something in it, for the backup and restore tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.store import readers
from hub.store.db import SiteDatabase, open_database

ATTACHMENT_FILES = {"ab/ab12cd": b"%PDF-1.7 plan pracy", "cd/cd34ef": "zdjęcie".encode() * 1000}


def data_dir_with_attachments(root: Path, attachments: bool = True) -> tuple[SiteDatabase, Path]:
    """A data directory `root/data`: a database with a reader and a tap, and attachment files."""
    database = root / "data" / "ewidencjoner.db"
    db = open_database(database)
    readers.add_reader(db, "r1", "Wejście")
    db.execute(
        "INSERT INTO taps (reader_id, seq, uid, boot, ms, received_at, time_quality)"
        " VALUES ('r1', 1, '04A2B3C4D5E680', 1, 1, '2026-12-01T07:00:00.000Z', 'unknown')"
    )
    db.conn.commit()
    if attachments:
        for name, content in ATTACHMENT_FILES.items():
            path = database.parent / "attachments" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return db, database


def pad_with_taps(conn: sqlite3.Connection, reader_id: str, count: int, first: int = 1) -> None:
    """`count` earlier taps of `reader_id`, seq `first` on (one statement), so a backup takes a while."""
    conn.execute(
        "INSERT INTO taps (reader_id, seq, uid, boot, ms, now, device_t, received_at, at, time_quality)"
        " WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " SELECT ?, i, printf('04%012X', i % 5000), 1, i, i, 1795420800 + i,"
        " strftime('%Y-%m-%dT%H:%M:%fZ', 1795420800 + i / 10, 'unixepoch'),"
        " strftime('%Y-%m-%dT%H:%M:%fZ', 1795420800 + i / 10, 'unixepoch'), 'clock' FROM n",
        [first, first + count - 1, reader_id],
    )
    conn.commit()
