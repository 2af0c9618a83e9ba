"""Local days, instants and days off, in the kindergarten's time zone.

Instants are aware datetimes, compared and subtracted in UTC. Never subtract two
datetimes that share a ZoneInfo directly: Python then subtracts wall-clock times and a
stay across a DST change comes out an hour wrong. `elapsed` and `minutes_between` do it
right.

A local day is [00:00 that day, 00:00 the next day) on the wall clock: 24 hours, except the
last Sunday of March (23 h in Poland) and the last Sunday of October (25 h).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hub.rules.attendance.model import DEFAULT_TIME_ZONE, require_aware
from hub.rules.attendance.statutory_holidays import polish_public_holidays

WARSAW = ZoneInfo(DEFAULT_TIME_ZONE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)


def local_instant(day: date, wall: time, tz: ZoneInfo = WARSAW) -> datetime:
    """The UTC instant of wall-clock `wall` on local `day`.

    A wall time that occurs twice (the October change) means its first occurrence unless
    `wall.fold` is 1; one that does not exist (the March gap) is read with the offset in
    force before the change, as zoneinfo does (02:30 on 29 March 2026 → 01:30 UTC).
    """
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo = WARSAW) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of local `day`."""
    return local_instant(day, time(0), tz), local_instant(day + timedelta(days=1), time(0), tz)


def local_day(at: datetime, tz: ZoneInfo = WARSAW) -> date:
    """The local day an instant belongs to."""
    return require_aware(at, "at").astimezone(tz).date()


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time from `start` to `end` (negative if `end` is earlier), DST-proof."""
    return require_aware(end, "end") - require_aware(start, "start")


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes of real time from `start` to `end`, rounded down; `end` >= `start`."""
    span = elapsed(start, end)
    if span < timedelta(0):
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return int(span.total_seconds() // 60)


def clock_minute(at: datetime) -> int:
    """The clock minute an instant is printed as, counted in whole minutes since the epoch:
    07:42:59 is 07:42. Every offset of the kindergarten's zone is whole minutes, so the
    minute in UTC is the local clock's."""
    return (require_aware(at, "at") - _EPOCH) // _MINUTE


def instant_of(minute: int) -> datetime:
    """The UTC instant a clock minute (`clock_minute`) starts."""
    return _EPOCH + minute * _MINUTE


def stay_minutes(start: datetime, end: datetime) -> int:
    """The minutes of a stay from `start` to `end` as printed and billed: from the clock
    minute of one to the clock minute of the other. Taps at 07:42:10 and 15:31:05 are
    "07:42–15:31", 7 h 49 min (469), though 7 h 48 min 55 s of real time passed: a parent
    who subtracts the printed times gets the same figure. Real time, so a stay across a DST
    change is right; `end` >= `start`."""
    if elapsed(start, end) < timedelta(0):
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return clock_minute(end) - clock_minute(start)


def day_length_minutes(day: date, tz: ZoneInfo = WARSAW) -> int:
    """1440 on an ordinary day, 1380 / 1500 on the spring / autumn DST change days."""
    start, end = day_bounds(day, tz)
    return minutes_between(start, end)


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> Mapping[date, str]:
    return polish_public_holidays(year)


def public_holidays(year: int) -> Mapping[date, str]:
    """Polish public holidays of `year` (`statutory_holidays.py`), with Polish names."""
    return dict(_holidays_of(year))


def day_off_reason(day: date, closed_days: Iterable[date] = ()) -> str | None:
    """Why `day` is a day off, or None for a working day.

    The kindergarten's own closed days come first, then public holidays (by name), then
    weekends: "zamknięte", "Narodowe Święto Niepodległości", "sobota", "niedziela".
    """
    if day in frozenset(closed_days):
        return "zamknięte"
    holiday = _holidays_of(day.year).get(day)
    if holiday is not None:
        return holiday
    if day.weekday() == 5:
        return "sobota"
    if day.weekday() == 6:
        return "niedziela"
    return None


def is_day_off(day: date, closed_days: Iterable[date] = ()) -> bool:
    """A weekend, a Polish public holiday or one of the kindergarten's own closed days."""
    return day_off_reason(day, closed_days) is not None


def working_days(year: int, month: int, closed_days: Iterable[date] = ()) -> list[date]:
    """The days of the month that are not days off, in order."""
    closed = frozenset(closed_days)
    day = date(year, month, 1)
    found: list[date] = []
    while day.month == month:
        if not is_day_off(day, closed):
            found.append(day)
        day += timedelta(days=1)
    return found
