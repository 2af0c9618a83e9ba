"""What every computation of a child's day starts from: the day's frame (bounds, opening
hours, day off), computed once per day and settings, and the inputs checked (each tap and
correction the child's and the day's, one record per identity)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple, TypeVar

from hub.rules.attendance.calendar import day_bounds, day_off_reason, local_instant
from hub.rules.attendance.model import ChildId, Correction, Settings, Tap

_K = TypeVar("_K")
_V = TypeVar("_V")


def distinct(items: Iterable[_V], key: Callable[[_V], _K]) -> dict[_K, _V]:
    """Items by identity, duplicates dropped; one identity with two different contents is
    a caller's bug and is refused (whichever came first, so the answer is order-free)."""
    found: dict[_K, _V] = {}
    for item in items:
        ident = key(item)
        seen = found.get(ident)
        if seen is not None and seen != item:
            raise ValueError(f"two different records share the identity {ident}: {seen!r} / {item!r}")
        found[ident] = item
    return found


class DayFrame(NamedTuple):
    """What a day looks like whoever the child: its bounds, opening hours and day off."""

    start: datetime
    end: datetime
    opening_at: datetime
    closing_at: datetime
    day_off: str | None


@lru_cache(maxsize=1024)
def day_frame(day: date, settings: Settings) -> DayFrame:
    """Computed once per day and settings, not once per child (a city has 60,000 a day)."""
    tz = settings.tz
    start, end = day_bounds(day, tz)
    return DayFrame(
        start,
        end,
        local_instant(day, settings.opening, tz),
        local_instant(day, settings.closing, tz),
        day_off_reason(day, settings.closed_days),
    )


def check_inputs(
    child_id: ChildId,
    day: date,
    start: datetime,
    end: datetime,
    taps: Sequence[Tap],
    corrections: Iterable[Correction],
) -> None:
    unknown = {t.id for t in taps if not t.timed}
    for tap in taps:
        if tap.child_id != child_id:
            raise ValueError(f"tap {tap.id} is of child {tap.child_id}, not {child_id}")
        if tap.timed and tap.at is not None and not start <= tap.at < end:
            raise ValueError(f"tap {tap.id} at {tap.at.isoformat()} is not on {day}")
    for c in corrections:
        resolves_unknown_tap = c.kind in ("add_arrival", "add_departure", "cancel") and (c.target in unknown)
        if c.child_id != child_id or (c.day != day and not resolves_unknown_tap):
            raise ValueError(
                f"correction {c.id} is for child {c.child_id} on {c.day}, not {child_id} on {day}"
            )
