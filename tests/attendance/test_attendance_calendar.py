"""Local days, DST and days off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.rules.attendance import (
    day_bounds,
    day_length_minutes,
    day_off_reason,
    elapsed,
    is_day_off,
    local_day,
    local_instant,
    minutes_between,
    public_holidays,
    working_days,
)

WARSAW = ZoneInfo("Europe/Warsaw")


def test_ordinary_day_bounds_in_utc() -> None:
    start, end = day_bounds(date(2026, 11, 23))
    assert start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    summer = day_bounds(date(2026, 7, 1))
    assert summer == (datetime(2026, 6, 30, 22, tzinfo=UTC), datetime(2026, 7, 1, 22, tzinfo=UTC))


@pytest.mark.parametrize(
    ("day", "minutes"),
    [
        (date(2026, 3, 28), 1440),
        (date(2026, 3, 29), 1380),
        (date(2026, 3, 30), 1440),
        (date(2026, 10, 25), 1500),
        (date(2025, 3, 30), 1380),
        (date(2025, 10, 26), 1500),
    ],
)
def test_day_lengths_around_dst(day: date, minutes: int) -> None:
    assert day_length_minutes(day) == minutes
    start, end = day_bounds(day)
    assert (end - start) == timedelta(minutes=minutes)


def test_dst_day_bounds() -> None:
    assert day_bounds(date(2026, 3, 29)) == (
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 22, tzinfo=UTC),
    )
    assert day_bounds(date(2026, 10, 25)) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
    )


def test_wall_times_in_the_gap_and_the_overlap() -> None:
    # 02:30 does not exist on 29 March: read with the offset before the change (CET).
    assert local_instant(date(2026, 3, 29), time(2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on 25 October: fold picks the occurrence.
    first = local_instant(date(2026, 10, 25), time(2, 30))
    second = local_instant(date(2026, 10, 25), time(2, 30, fold=1))
    assert minutes_between(first, second) == 60


def test_durations_use_real_time_not_the_wall_clock() -> None:
    a = datetime(2026, 3, 29, 1, 0, tzinfo=WARSAW)
    b = datetime(2026, 3, 29, 4, 0, tzinfo=WARSAW)
    assert b - a == timedelta(hours=3)  # Python's same-tzinfo subtraction: wall clock, wrong
    assert minutes_between(a, b) == 120
    assert elapsed(b, a) == timedelta(hours=-2)
    with pytest.raises(ValueError, match="before start"):
        minutes_between(b, a)
    assert minutes_between(a, a + timedelta(seconds=119)) == 1
    with pytest.raises(ValueError, match="aware"):
        minutes_between(datetime(2026, 1, 1), b)


def test_local_day() -> None:
    assert local_day(datetime(2026, 11, 23, 22, 59, tzinfo=UTC)) == date(2026, 11, 23)
    assert local_day(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == date(2026, 11, 24)
    assert local_day(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)


def test_days_off() -> None:
    assert day_off_reason(date(2026, 11, 11)) == "Narodowe Święto Niepodległości"
    assert is_day_off(date(2026, 12, 24))  # Wigilia, a public holiday since 2025
    assert day_off_reason(date(2026, 11, 21)) == "sobota"
    assert day_off_reason(date(2026, 11, 22)) == "niedziela"
    assert day_off_reason(date(2026, 11, 23)) is None
    assert day_off_reason(date(2026, 11, 23), [date(2026, 11, 23)]) == "zamknięte"
    assert day_off_reason(date(2026, 6, 4)) == "Dzień Bożego Ciała"
    assert date(2026, 4, 6) in public_holidays(2026)  # Easter Monday


def test_working_days_of_november_2026() -> None:
    days = working_days(2026, 11)
    assert len(days) == 20  # 21 weekdays minus 11 November
    assert days[0] == date(2026, 11, 2) and days[-1] == date(2026, 11, 30)
    assert date(2026, 11, 11) not in days
    closed = working_days(2026, 11, closed_days={date(2026, 11, 10), date(2026, 11, 14)})
    assert len(closed) == 19


def test_working_days_of_december_2026() -> None:
    days = working_days(2026, 12)
    # 23 weekdays; 24, 25 (Thu, Fri) are holidays, 26 is a Saturday anyway.
    assert len(days) == 21
    assert days[-1] == date(2026, 12, 31)
