"""Property-based tests on generated days: order, duplicates, debounce, modes, corrections,
presence. Generated days include both 2026 DST days and a public holiday."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.rules.attendance import (
    Correction,
    DayResult,
    Settings,
    Tap,
    TapId,
    compute_day,
    day_bounds,
    day_length_minutes,
    presence_at,
)

CHILD = 7
DAYS = [date(2026, 11, 23), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 11)]
READERS = ["door", "hall", "gate"]
PROPS = settings(max_examples=200, deadline=None)
TapsOfDay = tuple[date, list[Tap]]
Generated = tuple[date, list[Tap], list[Correction]]


@st.composite
def day_taps(draw: st.DrawFn, day: date | None = None, child: int = CHILD) -> tuple[date, list[Tap]]:
    """A day and a child's taps on it, clustered so that bursts and ties happen."""
    day = day or draw(st.sampled_from(DAYS))
    start, end = day_bounds(day)
    seconds = int((end - start).total_seconds())
    anchors = draw(st.lists(st.integers(0, seconds - 1), min_size=1, max_size=5))
    taps = []
    for seq in range(draw(st.integers(0, 14))):
        offset = min(seconds - 1, draw(st.sampled_from(anchors)) + draw(st.integers(0, 150)))
        quality = draw(st.sampled_from(["clock", "clock", "derived", "unknown"]))
        at = start + timedelta(seconds=offset)
        taps.append(
            Tap(
                reader_id=draw(st.sampled_from(READERS)),
                seq=seq,
                child_id=child,
                at=None if quality == "unknown" and draw(st.booleans()) else at,
                time_quality=quality,
                mode=draw(st.sampled_from(["toggle", "toggle", "in", "out"])),
                card_holder=draw(st.sampled_from([None, "mama", "tata"])),
            )
        )
    return day, taps


@st.composite
def corrections_for(draw: st.DrawFn, day: date, taps: list[Tap]) -> list[Correction]:
    """Corrections of all kinds, aimed mostly at real taps and earlier corrections."""
    start, end = day_bounds(day)
    seconds = int((end - start).total_seconds())
    found: list[Correction] = []
    created = start + timedelta(hours=20)
    for n in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(
                ["add_arrival", "add_departure", "move", "move", "cancel", "mark_absent", "mark_present"]
            )
        )
        at = start + timedelta(seconds=draw(st.integers(-600, seconds + 600)))
        targets: list[TapId | str] = [t.id for t in taps] + [c.id for c in found] + ["ghost"]
        target = draw(st.sampled_from(targets)) if kind in ("move", "cancel") else None
        if kind.startswith("add_") and draw(st.booleans()):
            target = draw(st.sampled_from([t.id for t in taps] or [None]))
        if target == f"c{n}":
            target = "ghost"
        revoked = draw(st.booleans()) and draw(st.booleans())
        found.append(
            Correction(
                id=f"c{n}",
                child_id=CHILD,
                day=day,
                kind=kind,
                reason="generated",
                author="t",
                created_at=created + timedelta(minutes=draw(st.integers(0, 30))),
                at=at if kind in ("add_arrival", "add_departure", "move") else None,
                target=target,
                revoked_at=created + timedelta(hours=1) if revoked else None,
                revoked_by="d" if revoked else None,
                revoke_reason="undo" if revoked else None,
            )
        )
    return found


def compute(
    day: date,
    taps: list[Tap],
    corrections: list[Correction] = (),  # type: ignore[assignment]
    debounce_s: int = 60,
) -> DayResult:
    _, end = day_bounds(day)
    return compute_day(CHILD, day, taps, corrections, now=end, settings=Settings(debounce_s=debounce_s))


@st.composite
def generated_day(draw: st.DrawFn) -> tuple[date, list[Tap], list[Correction]]:
    day, taps = draw(day_taps())
    return day, taps, draw(corrections_for(day, taps))


@PROPS
@given(generated_day(), st.randoms(use_true_random=False), st.data())
def test_any_order_and_any_duplicates_give_the_same_day(
    case: Generated, rnd: Random, data: st.DataObject
) -> None:
    day, taps, corrections = case
    expected = compute(day, taps, corrections)
    shuffled = taps + data.draw(st.lists(st.sampled_from(taps), max_size=6)) if taps else []
    rnd.shuffle(shuffled)
    again = corrections + corrections[: data.draw(st.integers(0, len(corrections)))]
    rnd.shuffle(again)
    assert compute(day, shuffled, again) == expected


@PROPS
@given(day_taps(), st.sampled_from([0, 1, 30, 60, 120]))
def test_debounce_keeps_the_first_tap_of_each_burst(case: TapsOfDay, window: int) -> None:
    day, taps = case
    result = compute(day, taps, debounce_s=window)
    by_id = {t.id: t for t in taps}
    counted = [by_id[o.tap] for o in result.tap_outcomes if o.outcome != "debounced" and by_id[o.tap].timed]
    for earlier, later in pairwise(counted):
        assert later.at - earlier.at >= timedelta(seconds=window)  # type: ignore[operator]
    for o in result.tap_outcomes:
        if o.outcome == "debounced":
            anchor, tap = by_id[o.detail], by_id[o.tap]  # type: ignore[index]
            assert anchor in counted
            assert timedelta(0) <= tap.at - anchor.at < timedelta(seconds=window)  # type: ignore[operator]
    if window == 0:
        assert all(o.outcome != "debounced" for o in result.tap_outcomes)


@PROPS
@given(day_taps())
def test_modes_without_corrections(case: TapsOfDay) -> None:
    day, taps = case
    result = compute(day, taps)
    by_id = {t.id: t for t in taps}
    events = result.events
    # Arrivals and departures alternate; only the first event may be a lone departure.
    for a, b in pairwise(events):
        assert a.kind != b.kind
        assert a.at <= b.at
    for o in result.tap_outcomes:
        mode = by_id[o.tap].mode
        if mode == "in":
            assert o.outcome in ("arrival", "redundant", "debounced", "unconfirmed")
        if mode == "out":
            assert o.outcome in ("departure", "redundant", "debounced", "unconfirmed")
        if mode == "toggle":
            assert o.outcome in ("arrival", "departure", "debounced", "unconfirmed")
        assert (o.outcome == "unconfirmed") == (not by_id[o.tap].timed)
    if all(t.mode == "toggle" for t in taps):
        kinds = [e.kind for e in events]
        assert kinds == ["arrival", "departure"] * (len(kinds) // 2) + ["arrival"] * (len(kinds) % 2)
        assert result.flags.redundant_taps == () and result.flags.missing_arrival == ()
    assert sorted(o.tap for o in result.tap_outcomes) == sorted(by_id)
    assert all(e.source == "tap" for e in events)


@PROPS
@given(generated_day())
def test_corrections_behave_as_specified(case: Generated) -> None:
    day, taps, corrections = case
    result = compute(day, taps, corrections)
    by_id = {c.id: c for c in corrections}
    taps_by_id = {t.id: t for t in taps}
    state = {o.correction_id: o.state for o in result.correction_outcomes}
    start, end = day_bounds(day)

    # Revoked corrections have no effect at all (a correction naming one is rejected either
    # way, only the reason given differs).
    active = [c for c in corrections if not c.revoked]
    without = compute(day, taps, active)
    assert (without.visits, without.tap_outcomes, without.status) == (
        result.visits,
        result.tap_outcomes,
        result.status,
    )
    assert replace(without.flags, rejected_corrections=()) == replace(result.flags, rejected_corrections=())
    assert [o.correction_id for o in without.flags.rejected_corrections] == [
        o.correction_id for o in result.flags.rejected_corrections
    ]
    assert all(state[c.id] == "revoked" for c in corrections if c.revoked)

    for event in result.events:
        assert start <= event.at < end
        if event.moved_by is not None:
            assert state[event.moved_by] == "applied"
            assert event.at == by_id[event.moved_by].at
        if event.added_by is not None:
            assert by_id[event.added_by].kind == f"add_{event.kind}"
            assert state[event.added_by] == "applied"
        if event.source == "tap":
            assert event.tap is not None and event.at == taps_by_id[event.tap].at
    for c in corrections:
        if c.kind == "cancel" and state[c.id] == "applied" and isinstance(c.target, TapId):
            assert c.target not in {e.tap for e in result.events}
    marks = sorted((c for c in active if c.kind.startswith("mark_")), key=lambda c: c.order_key)
    if marks and marks[-1].kind == "mark_absent":
        assert (result.status, result.visits) == ("absent", ())
    elif marks:
        assert result.status == "present"

    # Visits are in order and never overlap; the day's minutes fit in the day.
    bounds = [(v.arrival or v.departure).at for v in result.visits]  # type: ignore[union-attr]
    assert bounds == sorted(bounds)
    for v in result.visits:
        if v.arrival and v.departure:
            assert v.arrival.at <= v.departure.at
    assert result.minutes <= day_length_minutes(day)


@st.composite
def many_children(draw: st.DrawFn) -> tuple[list[DayResult], datetime]:
    day = draw(st.sampled_from(DAYS))
    start, end = day_bounds(day)
    moment = start + timedelta(seconds=draw(st.integers(0, int((end - start).total_seconds()) - 1)))
    results = []
    for child in range(draw(st.integers(0, 6))):
        _, taps = draw(day_taps(day=day, child=child))
        corrections = [replace(c, child_id=child) for c in draw(corrections_for(day, taps))]
        taps = [replace(t, child_id=child) for t in taps]
        results.append(compute_day(child, day, taps, corrections, now=moment))
    return results, moment


@PROPS
@given(many_children())
def test_presence_agrees_with_the_days(case: tuple[list[DayResult], datetime]) -> None:
    days, moment = case
    found = presence_at(days, moment)
    listed = {p.child_id: p for p in found}
    assert len(listed) == len(found)
    for day in days:
        visit = day.visit_at(moment)
        if day.status == "absent":
            assert day.child_id not in listed
        elif visit is not None:
            assert visit.arrival is not None
            certain = visit.departure is not None or (visit is day.visits[-1] and moment < day.closing_at)
            assert listed[day.child_id].certain == certain
            assert listed[day.child_id].since == visit.arrival.at
        else:
            assert day.child_id not in listed or not listed[day.child_id].certain
        # visit_at agrees with the visits: inside a closed visit, or after an open one's start.
        inside = [v for v in day.visits if v.covers(moment)]
        assert (visit is None) == (not inside) or any(v.departure is None for v in inside)
