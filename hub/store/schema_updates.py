"""The tables of firmware updates as the migrations built them.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m016_firmware_updates(db: Database) -> None:
    """Each reader's update key (the HMAC key its releases are signed with, also in its
    `config.json`), and one row per reader for its latest update: the release, the wave it
    belongs to (1: the reader that goes first; 2: the rest, after the first is healthy), its
    state and when it changed."""
    db.execute(
        "CREATE TABLE reader_update_keys ("
        " reader_id TEXT PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,"
        " key_hex TEXT NOT NULL,"
        " issued_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE reader_updates ("
        " reader_id TEXT PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,"
        " version TEXT NOT NULL,"
        " release_dir TEXT NOT NULL,"
        " wave INTEGER NOT NULL,"
        " state TEXT NOT NULL,"
        " detail TEXT NOT NULL DEFAULT '',"
        " requested_by TEXT NOT NULL,"
        " requested_at TEXT NOT NULL,"
        " changed_at TEXT NOT NULL)"
    )
