"""Reads worth reusing until the database changes: the presence board that fifty staff
screens fetch after every tap is computed once per change, not fifty times.

A result is keyed by what it was asked for and stamped with the database's state: SQLite's
`data_version` (moves when another connection commits: ingest, the CLI) and the
connection's own `total_changes` (moves when this process writes: a correction from a
form), plus the local minute, since some answers depend on the clock (who is still in at
closing time). A new stamp drops every older result. Both counters belong to one connection
and each thread has its own (`hub.store.db.SiteDatabase`), so the stamp names the connection too:
two connections' counters say nothing about each other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from sqlite_utils import Database

T = TypeVar("T")
Stamp = tuple[sqlite3.Connection, int, int, str]


class FreshCache:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._lock = threading.Lock()
        self._stamp: Stamp | None = None
        self._results: dict[Hashable, Any] = {}

    def stamp(self) -> Stamp:
        # The connection itself, not its id(): the stamp keeps it alive, so no later
        # connection can take its address and match a stamp it did not make.
        conn = self._db.conn
        data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        return conn, data_version, conn.total_changes, self._now().strftime("%Y-%m-%d %H:%M")

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result for `key` computed at the current stamp, computing it if there is none."""
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._results = stamp, {}
            elif key in self._results:
                return self._results[key]
        result = compute()
        with self._lock:
            if self._stamp == stamp:
                self._results[key] = result
        return result
