"""The panel's connections to the city's PostgreSQL: one per thread, opened at its first use.

Routes are plain `def`s that FastAPI runs in its thread pool, so each thread keeps its own
autocommit connection (the panel only reads, but for its sessions and login attempts); a
connection found broken (the database restarted) is opened again at the next use.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg


class PanelDatabase:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._local = threading.local()
        self._opened: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def conn(self) -> psycopg.Connection[Any]:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(self.dsn, autocommit=True)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
