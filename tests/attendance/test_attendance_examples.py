"""Worked examples, written out by hand: what a teacher would see for these days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from attendance_support import CHILD, CREATED, MONDAY, corr, hm, local, spans, tap

from hub.rules.attendance import (
    TapId,
    compute_day,
    day_inconsistencies,
    day_length_minutes,
    local_day,
    minutes_between,
    presence_at,
)

EVENING = local("18:00")


def test_plain_day() -> None:
    """Mum brings Ania at 7:42, grandma collects her at 15:10: one visit of 7 h 28 min."""
    day = compute_day(
        CHILD,
        MONDAY,
        [tap(1, "07:42", holder="mama"), tap(2, "15:10", holder="babcia")],
        now=EVENING,
    )
    assert day.status == "present"
    assert spans(day) == [("07:42", "15:10")]
    (visit,) = day.visits
    assert visit.minutes == 7 * 60 + 28
    assert visit.arrival is not None and visit.departure is not None
    assert (visit.arrival.source, visit.arrival.card_holder) == ("tap", "mama")
    assert (visit.departure.source, visit.departure.card_holder) == ("tap", "babcia")
    assert not day.flags.any
    assert day_inconsistencies(day) == []
    assert [o.outcome for o in day.tap_outcomes] == ["arrival", "departure"]


def test_leaving_and_returning() -> None:
    """A doctor's appointment at 11:00, back at 12:30: two visits, 3 h 30 min each."""
    day = compute_day(
        CHILD,
        MONDAY,
        [tap(4, "16:00"), tap(2, "11:00"), tap(1, "07:30"), tap(3, "12:30")],
        now=EVENING,
    )
    assert spans(day) == [("07:30", "11:00"), ("12:30", "16:00")]
    assert [v.minutes for v in day.visits] == [210, 210]
    assert day.minutes == 420
    assert not day.flags.any


def test_missed_departure() -> None:
    """Nobody tapped at pickup: the day stays open until closing time, then it is flagged."""
    taps = [tap(1, "07:30", holder="tata")]
    afternoon = compute_day(CHILD, MONDAY, taps, now=local("16:59"))
    assert spans(afternoon) == [("07:30", None)]
    assert afternoon.flags.missing_departure == ()
    assert [p.certain for p in presence_at([afternoon], local("16:59"))] == [True]

    evening = compute_day(CHILD, MONDAY, taps, now=local("17:00"))
    assert evening.flags.missing_departure == evening.visits
    assert evening.status == "present"
    (item,) = day_inconsistencies(evening)
    assert (item.kind, item.child_id, item.day, item.taps) == (
        "missing_departure",
        CHILD,
        MONDAY,
        (TapId("door", 1),),
    )
    (listed,) = presence_at([evening], local("17:30"))
    assert not listed.certain and "missing departure" in listed.why
    assert listed.brought_by == "tata"

    fixed = compute_day(CHILD, MONDAY, taps, [corr("c1", "add_departure", "15:20")], now=local("17:30"))
    assert spans(fixed) == [("07:30", "15:20")]
    assert not fixed.flags.any
    assert fixed.visits[0].departure is not None
    assert fixed.visits[0].departure.source == "correction"
    assert fixed.visits[0].departure.added_by == "c1"


def test_correction_moved_then_revoked() -> None:
    """The 15:00 departure is moved to 14:30, then moved again to 14:45; both moves are
    revoked one after the other and the day goes back step by step to the tap's 15:00."""
    taps = [tap(1, "07:30"), tap(2, "15:00")]
    m1 = corr("m1", "move", "14:30", target=TapId("door", 2))
    m2 = corr("m2", "move", "14:45", target="m1", created=CREATED + timedelta(minutes=5))

    once = compute_day(CHILD, MONDAY, taps, [m1], now=EVENING)
    assert spans(once) == [("07:30", "14:30")]
    departure = once.visits[0].departure
    assert departure is not None
    assert (departure.source, departure.moved_by, hm(departure.original_at)) == ("correction", "m1", "15:00")
    assert departure.tap == TapId("door", 2)

    twice = compute_day(CHILD, MONDAY, taps, [m2, m1], now=EVENING)
    assert spans(twice) == [("07:30", "14:45")]
    assert [(o.correction_id, o.state) for o in twice.correction_outcomes] == [
        ("m1", "superseded"),
        ("m2", "applied"),
    ]

    revoked_at = CREATED + timedelta(hours=1)
    m2_revoked = corr("m2", "move", "14:45", "m1", created=m2.created_at, revoked=revoked_at)
    back_once = compute_day(CHILD, MONDAY, taps, [m1, m2_revoked], now=EVENING)
    assert spans(back_once) == [("07:30", "14:30")]
    assert back_once.correction_outcomes[1].state == "revoked"
    assert "entered by mistake" in (back_once.correction_outcomes[1].detail or "")

    m1_revoked = corr("m1", "move", "14:30", TapId("door", 2), revoked=revoked_at)
    original = compute_day(CHILD, MONDAY, taps, [m1_revoked, m2_revoked], now=EVENING)
    assert spans(original) == [("07:30", "15:00")]
    assert original.visits[0].departure is not None
    assert original.visits[0].departure.source == "tap"
    # The revoked corrections are still on record.
    assert [c.id for c in original.corrections] == ["m1", "m2"]
    assert [o.state for o in original.correction_outcomes] == ["revoked", "revoked"]


def test_taps_at_2359_and_0001_belong_to_different_days() -> None:
    late = tap(1, "23:59", day=MONDAY)
    early = tap(2, "00:01", day=MONDAY + timedelta(days=1))
    assert late.at is not None and early.at is not None
    assert local_day(late.at) == MONDAY
    assert local_day(early.at) == date(2026, 11, 24)
    assert minutes_between(late.at, early.at) == 2

    monday = compute_day(CHILD, MONDAY, [late], now=EVENING + timedelta(days=1))
    tuesday = compute_day(CHILD, date(2026, 11, 24), [early], now=EVENING + timedelta(days=1))
    assert spans(monday) == [("23:59", None)]
    assert spans(tuesday) == [("00:01", None)]
    # Each is an arrival on its own day (a toggle day starts "neither in nor out").
    assert monday.tap_outcomes[0].outcome == tuesday.tap_outcomes[0].outcome == "arrival"
    assert monday.flags.outside_hours_taps == (late.id,)
    with pytest.raises(ValueError, match="is not on 2026-11-23"):
        compute_day(CHILD, MONDAY, [late, early], now=EVENING)


def test_spring_dst_day_2026_03_29() -> None:
    """Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST, the day has 23 hours."""
    sunday = date(2026, 3, 29)
    assert day_length_minutes(sunday) == 23 * 60
    before, after = tap(1, "01:50", day=sunday), tap(2, "03:10", day=sunday)
    assert before.at is not None and after.at is not None
    assert before.at == datetime(2026, 3, 29, 0, 50, tzinfo=UTC)
    assert after.at == datetime(2026, 3, 29, 1, 10, tzinfo=UTC)

    day = compute_day(CHILD, sunday, [before, after], now=local("20:00", sunday))
    assert spans(day) == [("01:50", "03:10")]
    assert day.visits[0].minutes == 20  # not 80: the clock jumped an hour
    assert day.day_off == "niedziela"
    assert day.flags.closed_day_taps == (before.id, after.id)

    long_stay = compute_day(
        CHILD,
        sunday,
        [tap(1, "00:30", day=sunday), tap(2, "23:30", day=sunday)],
        now=local("23:45", sunday),
    )
    assert long_stay.visits[0].minutes == 22 * 60  # 23 h on the wall clock


def test_autumn_dst_day_2026_10_25() -> None:
    """Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET, 02:00–03:00 happens twice."""
    sunday = date(2026, 10, 25)
    assert day_length_minutes(sunday) == 25 * 60
    first = tap(1, "02:30", day=sunday)  # the first 02:30, CEST
    second = tap(2, "02:15", day=sunday, fold=1)  # the second 02:15, CET: 45 min later
    assert first.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second.at == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)

    day = compute_day(CHILD, sunday, [second, first], now=local("20:00", sunday))
    assert [(v.arrival and v.arrival.tap, v.departure and v.departure.tap) for v in day.visits] == [
        (first.id, second.id)
    ]
    assert day.visits[0].minutes == 45

    long_stay = compute_day(
        CHILD,
        sunday,
        [tap(1, "00:30", day=sunday), tap(2, "23:30", day=sunday)],
        now=local("23:45", sunday),
    )
    assert long_stay.visits[0].minutes == 24 * 60  # 23 h on the wall clock


def test_tap_on_independence_day_is_flagged() -> None:
    """11 November 2026 is a Wednesday and a public holiday: the taps count, but are flagged."""
    holiday = date(2026, 11, 11)
    taps = [tap(1, "08:00", day=holiday), tap(2, "12:00", day=holiday)]
    day = compute_day(CHILD, holiday, taps, now=local("18:00", holiday))
    assert day.day_off == "Narodowe Święto Niepodległości"
    assert spans(day) == [("08:00", "12:00")]
    assert day.flags.closed_day_taps == (TapId("door", 1), TapId("door", 2))
    assert day.flags.outside_hours_taps == ()
    (item,) = day_inconsistencies(day)
    assert item.kind == "closed_day_tap"
    assert (item.child_id, item.day) == (CHILD, holiday)
    assert "Niepodległości" in item.detail


def test_door_in_reader_and_hall_toggle_reader() -> None:
    """An `in` reader at the door and a toggle reader in the hall: the hall tap after the
    door tap is read against where the child is, so it is the departure."""
    taps = [
        tap(1, "07:30", mode="in", reader="door"),
        tap(1, "07:30:20", mode="toggle", reader="hall"),  # same burst: counted once
        tap(2, "15:00", mode="toggle", reader="hall"),
        tap(3, "15:05", mode="toggle", reader="hall"),  # back in (forgot the jacket)
        tap(2, "15:10", mode="in", reader="door"),  # redundant: already in
        tap(3, "15:12", mode="out", reader="door"),
    ]
    day = compute_day(CHILD, MONDAY, taps, now=EVENING)
    assert spans(day) == [("07:30", "15:00"), ("15:05", "15:12")]
    outcomes = {str(o.tap): o.outcome for o in day.tap_outcomes}
    assert outcomes == {
        "door#1": "arrival",
        "hall#1": "debounced",
        "hall#2": "departure",
        "hall#3": "arrival",
        "door#2": "redundant",
        "door#3": "departure",
    }
    assert day.flags.redundant_taps == (TapId("door", 2),)
