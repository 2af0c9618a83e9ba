"""How the hub writes instants: UTC, ISO 8601, millisecond precision, sortable as text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

REPORT_LANGUAGE = "pl"
"""Reports are printed and filed in Polish, whatever language the person asking reads."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """`2026-11-23T06:42:01.123Z`: the one format every stored instant uses."""
    if moment.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def from_db(text: str) -> datetime:
    """The stored instant back, in UTC (Python 3.11 reads the `Z` itself)."""
    return datetime.fromisoformat(text)


def local_day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[str, str]:
    """The stored-instant range [start, end) covering local days `first`..`last` inclusive."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return to_db(start), to_db(end)


def local_clock(moment: datetime, tz: ZoneInfo) -> str:
    """`07:42`: the wall-clock time a child and a teacher read."""
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


def local_day_and_clock(moment: datetime, tz: ZoneInfo) -> str:
    """`05.12.2026, 10:14`: a local date and time as a Polish receipt writes them."""
    local = moment.astimezone(tz)
    return f"{local:%d.%m.%Y}, {local_clock(local, tz)}"


def month_title(year: int, month: int, locale: str = REPORT_LANGUAGE) -> str:
    """`grudzień 2026`: a month as a report's heading names it (CLDR's stand-alone form)."""
    return format_date(date(year, month, 1), format="LLLL y", locale=locale)
