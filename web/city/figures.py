"""`Figures`: the panel's aggregates kept a short while, refreshed behind the pages.

A month's attendance for a city of 60,000 children reads over a million children's days:
seconds on a loaded machine, and twenty officers opening it at once would run it twenty
times. So each figure (a query and its arguments) is computed once, kept, and served to
every page; once older than its `max_age` the next page still gets the kept figure while
one thread computes it again (stale while revalidate), so no officer waits for a refresh.
Only the very first page to ask for a figure waits, and pages asking for it meanwhile wait
for that one computation rather than starting their own. Pages show when their figures
were computed (`Figure.computed_at`).

The figures change only as the sites' events arrive, which a governing body reads as they
stand a minute ago; "present now" is kept the shortest (`TODAY_MAX_AGE`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")
TODAY_MAX_AGE = 30.0
"""Seconds: children enrolled and present now."""
MONTH_MAX_AGE = 120.0
"""Seconds: a month's attendance and fees."""
KEPT = 512
"""Figures kept at most (the least recently used go first): months × kindergartens asked for."""


@dataclass(frozen=True)
class Figure(Generic[T]):
    value: T
    computed_at: datetime


class Figures:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._kept: OrderedDict[Hashable, Figure[Any]] = OrderedDict()
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()
        self._first: dict[Hashable, threading.Lock] = {}
        self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="panel-figures")

    def get(self, key: Hashable, compute: Callable[[], T], max_age: float) -> Figure[T]:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                age = (self._clock() - kept.computed_at).total_seconds()
                if (age > max_age or age < 0) and key not in self._refreshing:
                    self._refreshing.add(key)
                    self._refresher.submit(self._refresh, key, compute)
                return kept
            first = self._first.setdefault(key, threading.Lock())
        with first:  # one computation for everyone asking before it is kept
            with self._lock:
                kept = self._kept.get(key)
            if kept is None:
                kept = self._store(key, compute)
            with self._lock:
                self._first.pop(key, None)
            return kept

    def close(self) -> None:
        self._refresher.shutdown(wait=False, cancel_futures=True)

    def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> None:
        try:
            self._store(key, compute)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _store(self, key: Hashable, compute: Callable[[], T]) -> Figure[T]:
        computed_at = self._clock()
        figure = Figure(compute(), computed_at)
        with self._lock:
            self._kept[key] = figure
            self._kept.move_to_end(key)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return figure
