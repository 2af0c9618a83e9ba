"""Attendance statistics (`hub.rules.statistics`): worked examples from days the rules compute,
and the property that every open day is present or absent, the rate within 0–100 %."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hub.reports.model import Minutes, Percent
from hub.reports.render import polish_number
from hub.rules.attendance import Settings, compute_day
from hub.rules.statistics import (
    CountedDay,
    Tally,
    counted_day,
    open_days_between,
    tally,
    tally_by,
)
from tests.attendance.attendance_support import CHILD, tap

LATER = datetime(2026, 9, 1, tzinfo=UTC)
"""When the examples are asked: every day of them is over."""


def month_of(
    first: date,
    last: date,
    stays: dict[date, tuple[str, ...]],
    *,
    closed: frozenset[date] = frozenset(),
    reported: frozenset[date] = frozenset(),
    now: datetime = LATER,
) -> list[CountedDay]:
    """The child's days `first`..`last` as the rules compute them: toggle taps at the times in
    `stays` (none: nothing recorded), counted with the reported absences."""
    settings = Settings(closed_days=closed)
    found = []
    day = first
    while day <= last:
        taps = [tap(n, hhmm, day=day) for n, hhmm in enumerate(stays.get(day, ()), 1)]
        result = compute_day(CHILD, day, taps, now=now, settings=settings)
        found.append(counted_day(result, day in reported))
        day += timedelta(days=1)
    return found


def every_working_day(first: date, last: date, times: tuple[str, ...], *, but: set[date]) -> dict:
    return {
        first + timedelta(days=n): times
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() < 5 and first + timedelta(days=n) not in but
    }


def test_a_child_enrolled_on_the_15th_counts_its_days_from_the_15th() -> None:
    # September 2025: enrolled Monday the 15th; the kindergarten closed on Friday the 26th;
    # absent on the 22nd and 23rd, reported ahead; one stay 8:00–16:00, the others 7:30–15:45.
    first, last, closed = date(2025, 9, 15), date(2025, 9, 30), date(2025, 9, 26)
    absent = {date(2025, 9, 22), date(2025, 9, 23)}
    stays = every_working_day(first, last, ("07:30", "15:45"), but={*absent, closed})
    stays[date(2025, 9, 29)] = ("08:00", "16:00")
    result = tally(month_of(first, last, stays, closed=frozenset({closed}), reported=frozenset(absent)))
    assert result == Tally(
        open_days=11, present=9, absent_reported=2, absent_unreported=0, pending=0, days_off=1,
        stay_days=9, stay_minutes=8 * 495 + 480,
    )  # fmt: skip
    assert result.rate == Decimal("81.8")  # 9 ÷ 11 = 81.818…
    assert result.average_stay == 493  # 4,440 ÷ 9 = 493.3 minutes
    assert polish_number(Percent(result.rate)) == "81,8\u00a0%"
    assert polish_number(Minutes(result.average_stay)) == "8 h 13 min"


def test_a_holiday_and_a_closed_day_are_days_off_not_absences() -> None:
    # November 2025: 20 weekdays; Tuesday the 11th is Independence Day, Monday the 10th the
    # kindergarten's own closed day; absent without a report on Monday the 3rd.
    first, last = date(2025, 11, 1), date(2025, 11, 30)
    holiday, closed, absent = date(2025, 11, 11), date(2025, 11, 10), date(2025, 11, 3)
    stays = every_working_day(first, last, ("08:00", "16:00"), but={holiday, closed, absent})
    result = tally(month_of(first, last, stays, closed=frozenset({closed})))
    assert (result.open_days, result.present, result.absent_unreported, result.days_off) == (18, 17, 1, 2)
    assert result.rate == Decimal("94.4")  # 17 ÷ 18 = 94.44…
    assert result.average_stay == 480
    assert open_days_between(first, last, {closed}) == 18


def test_a_week_of_reported_absence() -> None:
    first, last = date(2025, 11, 1), date(2025, 11, 30)
    week = {date(2025, 11, 17) + timedelta(days=n) for n in range(5)}
    stays = every_working_day(first, last, ("07:30", "15:45"), but={*week, date(2025, 11, 11)})
    result = tally(month_of(first, last, stays, reported=frozenset(week)))
    assert (result.open_days, result.present, result.absent_reported, result.absent_unreported) == (
        19,
        14,
        5,
        0,
    )
    assert result.rate == Decimal("73.7")  # 14 ÷ 19 = 73.68…


def test_the_average_of_7_30_to_15_45_and_8_00_to_16_00() -> None:
    # 495 and 480 minutes: 487.5, rounded half up to 488 minutes, printed "8 h 08 min".
    monday, tuesday = date(2025, 11, 24), date(2025, 11, 25)
    stays = {monday: ("07:30", "15:45"), tuesday: ("08:00", "16:00")}
    result = tally(month_of(monday, tuesday, stays))
    assert (result.stay_days, result.stay_minutes, result.average_stay) == (2, 975, 488)
    assert polish_number(Minutes(488)) == "8 h 08 min"


def test_what_is_neither_present_nor_absent() -> None:
    saturday, monday, tuesday = date(2025, 11, 22), date(2025, 11, 24), date(2025, 11, 25)
    days = month_of(saturday, tuesday, {saturday: ("09:00", "10:00"), monday: ("07:30",)})
    result = tally(days)
    # The Saturday's stay is not counted (flagged for the teacher); Monday without a departure
    # is present but not in the average; Tuesday had nothing recorded: absent, not reported.
    assert (result.open_days, result.present, result.absent_unreported, result.stay_days) == (2, 1, 1, 0)
    assert result.average_stay is None
    # Asked on Tuesday at noon, before closing, Tuesday is still to resolve.
    noon = datetime(2025, 11, 25, 11, tzinfo=UTC)
    today = tally(month_of(monday, tuesday, {monday: ("07:30", "15:00")}, now=noon))
    assert (today.open_days, today.present, today.pending) == (1, 1, 1)


def test_no_open_days_has_no_rate() -> None:
    assert Tally().rate is None
    assert Tally(days_off=3).average_stay is None


def test_tallies_add_up_per_child_and_month() -> None:
    days = [
        CountedDay(1, date(2025, 9, 30), None, "present", 400),
        CountedDay(2, date(2025, 9, 30), None, "absent", None, True),
        CountedDay(1, date(2025, 10, 1), None, "absent", None),
    ]
    by_child = tally_by(days, lambda day: day.child_id)
    assert by_child[1] == Tally(open_days=2, present=1, absent_unreported=1, stay_days=1, stay_minutes=400)
    assert by_child[1] + by_child[2] == tally(days)
    assert set(tally_by(days, lambda day: (day.day.year, day.day.month))) == {(2025, 9), (2025, 10)}


counted_days = st.builds(
    CountedDay,
    child_id=st.integers(1, 3),
    day=st.dates(date(2025, 9, 1), date(2026, 8, 31)),
    day_off=st.sampled_from([None, None, None, "zamknięte", "Boże Narodzenie", "sobota"]),
    status=st.sampled_from(["present", "absent", "no_data"]),
    stay_minutes=st.one_of(st.none(), st.integers(0, 1440)),
    reported_absent=st.booleans(),
)


@given(st.lists(counted_days, max_size=60))
def test_every_open_day_is_present_or_absent_and_the_rate_is_a_share(days: list[CountedDay]) -> None:
    whole = tally(days)
    open_enrolled = sum(1 for day in days if day.day_off is None and day.status != "no_data")
    assert whole.present + whole.absent_reported + whole.absent_unreported == whole.open_days == open_enrolled
    for part in (whole, *tally_by(days, lambda day: day.child_id).values()):
        assert part.rate is None or Decimal(0) <= part.rate <= Decimal(100)
        assert part.average_stay is None or 0 <= part.average_stay <= 1440
    assert sum(tally_by(days, lambda day: day.day.month).values(), Tally()) == whole
