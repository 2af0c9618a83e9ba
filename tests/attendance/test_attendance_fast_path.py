"""The fast path for the common day (timed taps only, no corrections) gives exactly the day
the general path gives, on generated days: bursts, ties, every mode, DST days, a holiday, a
closed day, and `now` before, at and after closing time. So does the fee summary's
`complete_day`, which keeps only the visits, whenever every visit has both ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.rules.attendance import CompleteDay, Settings, Tap, complete_day, compute_day, day_bounds
from hub.rules.attendance.day import general_day
from hub.rules.attendance.frame import distinct
from hub.rules.attendance.timed_day import timed_taps_day

CHILD = 7
DAYS = [date(2026, 3, 2), date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 25), date(2026, 11, 11)]
READERS = ["door", "hall", "gate"]


@st.composite
def rule_settings(draw: st.DrawFn) -> Settings:
    return Settings(
        debounce_s=draw(st.sampled_from([0, 1, 60, 300])),
        opening=draw(st.sampled_from([time(6, 30), time(7, 0)])),
        closing=draw(st.sampled_from([time(16, 0), time(17, 0)])),
        closed_days=draw(st.sampled_from([frozenset(), frozenset({date(2026, 3, 2)})])),
    )


@st.composite
def timed_day(draw: st.DrawFn) -> tuple[date, list[Tap]]:
    """A day and a child's timed taps, clustered around a few moments so that bursts and
    ties (same instant, several readers) happen; duplicates included."""
    day = draw(st.sampled_from(DAYS))
    start, end = day_bounds(day)
    seconds = int((end - start).total_seconds())
    anchors = draw(st.lists(st.integers(0, seconds - 1), min_size=1, max_size=5))
    taps = []
    for seq in range(draw(st.integers(0, 12))):
        offset = min(seconds - 1, draw(st.sampled_from(anchors)) + draw(st.integers(0, 150)))
        tap = Tap(
            reader_id=draw(st.sampled_from(READERS)),
            seq=seq,
            child_id=CHILD,
            at=start + timedelta(seconds=offset),
            time_quality=draw(st.sampled_from(["clock", "derived"])),
            mode=draw(st.sampled_from(["toggle", "toggle", "in", "out"])),
            card_number=draw(st.sampled_from([None, "12"])),
            card_holder=draw(st.sampled_from([None, "mama", "tata"])),
        )
        taps += [tap, tap] if draw(st.booleans()) and draw(st.booleans()) else [tap]
    return day, taps


def moments(day: date, rules: Settings) -> list[datetime]:
    start, end = day_bounds(day, rules.tz)
    closing = datetime.combine(day, rules.closing, tzinfo=rules.tz).astimezone(UTC)
    return [start, closing - timedelta(seconds=1), closing, end + timedelta(days=1)]


@settings(max_examples=400, deadline=None)
@given(timed_day(), rule_settings(), st.integers(0, 3))
def test_the_fast_path_gives_the_general_paths_day(
    case: tuple[date, list[Tap]], rules: Settings, when: int
) -> None:
    day, taps = case
    now = moments(day, rules)[when]
    unique = distinct(taps, lambda t: t.id)
    fast = timed_taps_day(CHILD, day, unique, now, rules)
    assert fast == general_day(CHILD, day, unique, {}, now, rules)
    assert compute_day(CHILD, day, reversed(taps), now=now, settings=rules) == fast


@settings(max_examples=400, deadline=None)
@given(timed_day(), rule_settings(), st.integers(0, 3))
def test_complete_day_gives_compute_days_visits_when_all_have_both_ends(
    case: tuple[date, list[Tap]], rules: Settings, when: int
) -> None:
    day, taps = case
    now = moments(day, rules)[when]
    result = compute_day(CHILD, day, taps, now=now, settings=rules)
    unique = distinct(taps, lambda t: t.id)
    light = complete_day(CHILD, day, [(t.at, t.reader_id, t.seq, t.mode) for t in unique.values()], rules)
    complete = all(v.arrival is not None and v.departure is not None for v in result.visits)
    if complete:
        visits = tuple((v.arrival.at, v.departure.at) for v in result.visits)  # type: ignore[union-attr]
        assert light == CompleteDay(CHILD, day, result.day_off, visits)
        assert not result.flags.missing_departure and not result.flags.missing_arrival
    else:
        assert light is None
    if len(unique) < len(taps):  # a tap given twice is left to compute_day
        assert complete_day(CHILD, day, [(t.at, t.reader_id, t.seq, t.mode) for t in taps], rules) is None


def test_complete_day_leaves_unknown_modes_to_compute_day() -> None:
    day = date(2026, 3, 2)
    start, _ = day_bounds(day)
    assert complete_day(CHILD, day, [(start + timedelta(hours=8), "door", 1, "sideways")]) is None
    assert complete_day(CHILD, day, []) == CompleteDay(CHILD, day, None, ())


def test_the_fast_path_refuses_what_the_general_path_refuses() -> None:
    day = date(2026, 3, 2)
    start, _ = day_bounds(day)
    other = Tap("door", 1, CHILD + 1, start + timedelta(hours=8), "clock", "toggle")
    late = Tap("door", 2, CHILD, start + timedelta(days=1), "clock", "toggle")
    for bad, why in [(other, "is of child"), (late, "is not on")]:
        with pytest.raises(ValueError, match=why):
            compute_day(CHILD, day, [bad], now=start)
