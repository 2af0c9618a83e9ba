"""The page cache reuses a result until the database changes (from any connection) or the minute turns."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from hub.store import readers
from hub.store.db import connect, open_database
from web.fresh_cache import FreshCache


def test_a_result_is_reused_until_the_database_or_the_minute_changes(tmp_path: Path) -> None:
    open_database(tmp_path / "cache.db").close()
    web = connect(tmp_path / "cache.db")
    ingest = connect(tmp_path / "cache.db")
    clock = [datetime(2026, 11, 23, 8, 0, 5)]
    cache = FreshCache(web, lambda: clock[0])
    computed: list[str] = []

    def board() -> int:
        computed.append("board")
        return len(computed)

    assert cache.get("board", board) == 1
    assert cache.get("board", board) == 1  # nothing changed: reused
    assert cache.get(("group", 2), board) == 2  # another key is its own result
    readers.add_reader(ingest, "wejscie", "Wejście")  # another connection commits
    assert cache.get("board", board) == 3
    readers.add_reader(web, "wyjscie", "Wyjście")  # this connection writes
    assert cache.get("board", board) == 4
    clock[0] = datetime(2026, 11, 23, 8, 0, 59)
    assert cache.get("board", board) == 4  # same minute
    clock[0] = datetime(2026, 11, 23, 8, 1, 0)
    assert cache.get("board", board) == 5  # the minute turned


def test_a_stamp_from_one_threads_connection_never_matches_another_threads(tmp_path: Path) -> None:
    """Each thread has its own connection, whose counters start alike: a result computed on
    one must not be taken as fresh on another after the database changed."""
    open_database(tmp_path / "cache.db").close()
    web = connect(tmp_path / "cache.db")
    cache = FreshCache(web, lambda: datetime(2026, 11, 23, 8, 0, 5))
    computed: list[str] = []

    def board() -> int:
        computed.append("board")
        return len(computed)

    assert cache.get("board", board) == 1
    readers.add_reader(connect(tmp_path / "cache.db"), "wejscie", "Wejście")
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(cache.get("board", board)))
    worker.start()
    worker.join(timeout=10)
    assert results == [2]
