"""Helpers shared by the fee tests: a child's day from local "HH:MM" times in one line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub.rules.attendance import Correction, DayResult, Tap, compute_day
from hub.rules.fees import Child, FeeSettings, FixedWindow, HourlyRate, MealPrice, StayRules

WARSAW = ZoneInfo("Europe/Warsaw")
CHILD_ID = 7
MONDAY = date(2026, 11, 23)
ANIA = Child(CHILD_ID, "Ania Kowalska", "Motylki", birth_date=date(2022, 5, 5), card_number="12")


def local(hhmm: str, day: date = MONDAY, fold: int = 0) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes, fold=fold), tzinfo=WARSAW)


def evening(day: date) -> datetime:
    """A moment after closing time: open visits are missing departures by then."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC) + timedelta(hours=12)


def taps(times: Sequence[str | tuple[str, str]], day: date = MONDAY, child: int = CHILD_ID) -> list[Tap]:
    """Toggle taps at local "HH:MM" times; ("HH:MM", mode) for an `in`/`out` reader."""
    found = []
    for seq, item in enumerate(times, start=1):
        hhmm, mode = (item, "toggle") if isinstance(item, str) else item
        found.append(Tap("door", seq, child, local(hhmm, day), "clock", mode))  # type: ignore[arg-type]
    return found


def day(
    *times: str | tuple[str, str],
    on: date = MONDAY,
    now: datetime | None = None,
    corrections: Sequence[Correction] = (),
    child: int = CHILD_ID,
) -> DayResult:
    """The DayResult of toggle taps at the given times (an odd count leaves a visit open)."""
    return compute_day(child, on, taps(times, on, child), corrections, now=now or evening(on))


def correction(cid: str, kind: str, hhmm: str | None = None, on: date = MONDAY) -> Correction:
    return Correction(
        id=cid,
        child_id=CHILD_ID,
        day=on,
        kind=kind,  # type: ignore[arg-type]
        reason="zapomniany odczyt",
        author="p.nowak",
        created_at=evening(on),
        at=None if hhmm is None else local(hhmm, on),
    )


def settings(rate: str = "1.44", rate_from: date = date(2024, 9, 1), **rules: object) -> FeeSettings:
    """One rate and one version of the stay rules (defaults: window 08:00–13:00, per full hour)."""
    return FeeSettings(
        rates=(HourlyRate(rate_from, Decimal(rate)),),
        rules=(StayRules(**rules),),  # type: ignore[arg-type]
    )


WINDOW_8_13 = FixedWindow(time(8), time(13))

SEPT_2025 = date(2025, 9, 1)
MENU = (
    MealPrice(SEPT_2025, "śniadanie", Decimal("4.00")),
    MealPrice(SEPT_2025, "obiad", Decimal("5.00")),
    MealPrice(SEPT_2025, "podwieczorek", Decimal("3.50")),
)
"""12,50 zł a day from 1 IX 2025."""


def at(day: date, hhmm: str) -> datetime:
    """A local moment on any day (for absence reports and closing times)."""
    return local(hhmm, day)
