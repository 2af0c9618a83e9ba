"""Opening the SQLite database and upgrading its schema.

The database runs in WAL mode so the web UI reads while ingest writes, with
`synchronous=FULL` so a committed tap survives a power cut (research/numbers.md §5: about
0.35 ms a commit, which ingest amortises by committing taps in batches).

The schema is upgraded at every start by the numbered migrations of `migrations.py`.

Writers never collide: ingest, the web server's requests and the command line write the same
file at once. Every write transaction begins IMMEDIATE, taking the write lock at its start,
so a writer waits its turn (the busy timeout) instead of failing with "database is locked"
when a transaction that has read tries to write after another one committed (which a
DEFERRED transaction cannot recover from without starting again). And a `SiteDatabase` gives
each thread its own connection: the web server's thread pool never runs two requests'
statements, savepoints or transactions on one connection.

The files hold children's data, guardians' phones and password hashes: the database is
created readable by its owner only, and SQLite gives its `-wal` and `-shm` files the same
mode.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.db import Table

from hub import collation
from hub.store.migrations import migrate

log = logging.getLogger(__name__)
BUSY_TIMEOUT_S = 30
OWNER_ONLY = 0o600
MAX_INTEGER = 2**63 - 1
"""SQLite's largest integer: a larger id is no row's, and binding it raises OverflowError."""


class SiteDatabase(Database):
    """sqlite-utils' `Database` over one SQLite connection per thread, whose write
    transactions all begin IMMEDIATE (`atomic()`, `begin()` and the implicit transaction
    Python's sqlite3 opens before an INSERT, UPDATE or DELETE).

    Code shares one `SiteDatabase` as it would share a `Database`; each thread that uses
    it opens its own connection on first use. Within a thread, coroutines share that
    thread's connection, which is safe as long as no transaction stays open across an
    `await` (nothing in the hub awaits inside `atomic()`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        super().__init__(self._open_connection(), recursive_triggers=False, execute_plugins=False)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        return conn if conn is not None else self._open_connection()

    @conn.setter
    def conn(self, conn: sqlite3.Connection) -> None:
        self._local.conn = conn

    def _open_connection(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() may close other threads' connections
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level="IMMEDIATE", check_same_thread=False
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.create_collation(collation.SQL_NAME, collation.compare)
        with self._lock:
            finished = [entry for entry in self._connections if not entry[0].is_alive()]
            self._connections = [entry for entry in self._connections if entry[0].is_alive()]
            self._connections.append((threading.current_thread(), conn))
        for _thread, old in finished:
            old.close()
        self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._connections = self._connections, []
        for _thread, conn in connections:
            conn.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction that holds the write lock from its start (nested: a savepoint)."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")


def connect(path: Path | str) -> SiteDatabase:
    """Open (creating if needed, readable by its owner only) the database at `path`,
    without touching its schema."""
    if str(path) == ":memory:":
        raise ValueError("the hub needs a database file: ':memory:' would be an empty database per thread")
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path)
    db = SiteDatabase(path)
    db.enable_wal()
    return db


def _owner_only(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite gives the `-wal` and `-shm`
    files the database's mode), and take group and other access away from files that an
    older version created readable by all.

    An existing file is never opened here: POSIX locks belong to the process, and closing
    any descriptor of the file drops every SQLite lock the process holds on it. Another
    process (a CLI command) closing its connection would then take itself for the last one
    and delete the `-wal` and `-shm` the running hub still writes to."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = file.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                os.chmod(file, stat.S_IMODE(mode) & ~(stat.S_IRWXG | stat.S_IRWXO))
        except FileNotFoundError:
            continue
        except PermissionError:
            log.warning("%s is readable by others and not ours to change: chmod 600 it", file)


def stored_integer(text: str) -> int | None:
    """`text` as a whole number SQLite can store (0 to `MAX_INTEGER`, ASCII digits only), else
    None: an id or a sequence number typed into a form or a query.

    `str.isdigit` is no test: `'²'.isdigit()` is true and `int('²')` fails."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_INTEGER)) and int(text) <= MAX_INTEGER:
        return int(text)
    return None


def inserted_id(table: Table) -> int:
    """The integer primary key of the row `table` has just inserted (set by every insert)."""
    assert table.last_pk is not None
    return int(table.last_pk)


def open_database(path: Path | str) -> SiteDatabase:
    """Open the database and bring its schema up to date."""
    db = connect(path)
    migrate(db)
    return db
