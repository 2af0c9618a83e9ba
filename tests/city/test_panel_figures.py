"""The panel's kept figures (web/city/figures.py): computed once however many pages ask at
once, served stale while one thread computes them again, and bounded in number."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import wait_until
from web.city import figures as figures_module
from web.city.figures import Figures

START = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_pages_asking_at_once_wait_for_one_computation() -> None:
    figures, calls, release = Figures(Clock()), [], threading.Event()

    def compute() -> int:
        calls.append(1)
        release.wait(10)
        return 42

    with ThreadPoolExecutor(8) as pool:
        asked = [pool.submit(figures.get, "month", compute, 60) for _ in range(8)]
        wait_until(lambda: calls == [1])
        release.set()
        assert [future.result(10).value for future in asked] == [42] * 8
    assert calls == [1]
    figures.close()


def test_a_stale_figure_is_served_while_it_is_computed_again() -> None:
    clock = Clock()
    figures, release, version = Figures(clock), threading.Event(), iter([1, 2])

    def compute() -> int:
        value = next(version)
        if value == 2:
            release.wait(10)
        return value

    assert figures.get("today", compute, 30).value == 1
    clock.now = START + timedelta(seconds=31)
    assert figures.get("today", compute, 30).value == 1  # at once, not waiting for the refresh
    release.set()
    wait_until(lambda: figures.get("today", compute, 30).value == 2)
    assert figures.get("today", compute, 30).computed_at == clock.now
    figures.close()


def test_the_least_recently_used_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures_module, "KEPT", 2)
    figures = Figures(Clock())
    for key in ("a", "b", "a", "c"):
        figures.get(key, lambda key=key: key, 60)
    assert figures.get("a", lambda: "never", 60).value == "a"  # used again: kept
    assert figures.get("b", lambda: "again", 60).value == "again"  # dropped
    figures.close()
