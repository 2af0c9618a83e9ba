"""Opening the SQLite database and upgrading its schema.

The database runs in WAL mode so the web UI reads while ingest writes, with
`synchronous=FULL` so a committed tap survives a power cut (research/numbers.md §5: about
0.35 ms a commit, which ingest amortises by committing taps in batches).

Migrations are numbered and applied in order at every start; each runs in its own
transaction and is recorded in `schema_migrations`, so a database made by an older version
upgrades itself and a newer one is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now

Migration = Callable[[Database], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer ewidencjoner than this one."""


def _m001_readers_and_taps(db: Database) -> None:
    db["readers"].create(
        {"id": str, "name": str, "mode": str, "created_at": str},
        pk="id",
        not_null={"name", "mode", "created_at"},
        defaults={"mode": "toggle"},
    )
    db["taps"].create(
        {
            "reader_id": str,
            "seq": int,
            "uid": str,
            "boot": int,
            "ms": int,
            "now": int,
            "device_t": int,
            "received_at": str,
            "at": str,
            "time_quality": str,
        },
        pk=("reader_id", "seq"),
        not_null={"reader_id", "seq", "uid", "boot", "ms", "received_at", "time_quality"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db["taps"].create_index(["at"])
    db["taps"].create_index(["uid", "at"])


def _m002_quarantine_and_reader_health(db: Database) -> None:
    db["quarantine"].create(
        {
            "id": int,
            "first_received_at": str,
            "last_received_at": str,
            "count": int,
            "topic": str,
            "reader_id": str,
            "payload": bytes,
            "reason": str,
            "detail": str,
            "resolved_at": str,
        },
        pk="id",
        not_null={"first_received_at", "last_received_at", "count", "topic", "payload", "reason"},
    )
    db["quarantine"].create_index(["resolved_at", "reason"])
    for column, kind in [
        ("online", int),
        ("fw", str),
        ("boot", int),
        ("queue", int),
        ("rssi", int),
        ("heap", int),
        ("up", int),
        ("resets", int),
        ("last_seen", str),
        ("last_status", str),
    ]:
        db["readers"].add_column(column, kind)
    db["reader_events"].create(
        {
            "id": int,
            "reader_id": str,
            "at": str,
            "online": int,
            "fw": str,
            "boot": int,
            "queue": int,
            "rssi": int,
            "heap": int,
            "up": int,
            "resets": int,
        },
        pk="id",
        not_null={"reader_id", "at", "online"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db["reader_events"].create_index(["reader_id", "at"])


MIGRATIONS: list[Migration] = [
    _m001_readers_and_taps,
    _m002_quarantine_and_reader_health,
]


def connect(path: Path | str) -> Database:
    """Open (creating if needed) the database at `path`, without touching its schema."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = FULL")
    return db


def schema_version(db: Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: Database, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet; return the new version."""
    if "schema_migrations" not in db.table_names():
        db["schema_migrations"].create({"version": int, "name": str, "applied_at": str}, pk="version")
    current = schema_version(db)
    if current > len(migrations):
        raise SchemaTooNew(
            f"the database is at schema version {current}, this ewidencjoner knows "
            f"only up to {len(migrations)}: upgrade ewidencjoner"
        )
    for version, migration in enumerate(migrations, start=1):
        if version <= current:
            continue
        with db.atomic():
            migration(db)
            db["schema_migrations"].insert(
                {"version": version, "name": migration.__name__.lstrip("_"), "applied_at": to_db(utc_now())}
            )
    return schema_version(db)


def open_database(path: Path | str) -> Database:
    """Open the database and bring its schema up to date."""
    db = connect(path)
    migrate(db)
    return db
