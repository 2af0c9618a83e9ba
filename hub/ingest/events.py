"""In-process fan-out of what just happened (a tap stored, a reader's status), for live pages.

Ingest runs in its own threads; the web server runs an asyncio loop. `EventBus.publish` may
be called from any thread and hands each event to every subscriber's queue on that
subscriber's own loop. A subscriber that falls too far behind loses its oldest events, never
the hub's data: live pages reload from the database when they reconnect.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

Event = dict[str, Any]
QUEUE_LIMIT = 1000


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]] = []

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_put_dropping_oldest, queue, event)
            except RuntimeError:  # that subscriber's loop has closed
                continue

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """Receive events on the current loop for as long as the block runs."""
        entry = (asyncio.get_running_loop(), asyncio.Queue[Event](maxsize=QUEUE_LIMIT))
        with self._lock:
            self._subscribers.append(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers.remove(entry)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)


def _put_dropping_oldest(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)
