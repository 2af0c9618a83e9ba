"""The rules one by one: debounce, modes, corrections, unknown times, marks, validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from attendance_support import CHILD, CREATED, MONDAY, corr, local, spans, tap

from hub.rules.attendance import Correction, DayResult, Settings, Tap, TapId, compute_day

EVENING = local("18:00")


def outcomes(day: DayResult) -> list[tuple[str, str]]:
    return [(str(o.tap), o.outcome) for o in day.tap_outcomes]


# --- debounce -------------------------------------------------------------------------


def test_debounce_window_is_anchored_at_the_first_tap_of_the_burst() -> None:
    taps = [tap(1, "07:30:00"), tap(2, "07:30:30"), tap(3, "07:30:59"), tap(4, "07:31:01")]
    day = compute_day(CHILD, MONDAY, taps, now=EVENING)
    assert outcomes(day) == [
        ("door#1", "arrival"),
        ("door#2", "debounced"),
        ("door#3", "debounced"),
        ("door#4", "departure"),
    ]
    assert day.tap_outcomes[2].detail == TapId("door", 1)


def test_a_tap_exactly_one_window_later_starts_a_new_burst() -> None:
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30:00"), tap(2, "07:31:00")], now=EVENING)
    assert spans(day) == [("07:30", "07:31")]
    longer = compute_day(
        CHILD,
        MONDAY,
        [tap(1, "07:30:00"), tap(2, "07:31:00")],
        now=EVENING,
        settings=Settings(debounce_s=120),
    )
    assert outcomes(longer) == [("door#1", "arrival"), ("door#2", "debounced")]


def test_debounce_spans_readers_and_breaks_ties_by_reader_then_seq() -> None:
    same_instant = [tap(9, "07:30", reader="hall"), tap(5, "07:30", reader="door")]
    day = compute_day(CHILD, MONDAY, same_instant, now=EVENING)
    assert outcomes(day) == [("door#5", "arrival"), ("hall#9", "debounced")]


def test_derived_time_counts_like_clock_time() -> None:
    taps = [tap(1, "07:30", quality="derived"), tap(2, "15:00", quality="clock")]
    assert spans(compute_day(CHILD, MONDAY, taps, now=EVENING)) == [("07:30", "15:00")]


# --- modes ----------------------------------------------------------------------------


def test_in_and_out_readers() -> None:
    taps = [
        tap(1, "07:30", mode="in"),
        tap(2, "08:00", mode="in"),  # second is redundant
        tap(3, "12:00", mode="out"),
        tap(4, "12:05", mode="out"),  # second is redundant
        tap(5, "13:00", mode="in"),
        tap(6, "16:00", mode="out"),
    ]
    day = compute_day(CHILD, MONDAY, taps, now=EVENING)
    assert spans(day) == [("07:30", "12:00"), ("13:00", "16:00")]
    assert day.flags.redundant_taps == (TapId("door", 2), TapId("door", 4))


def test_a_departure_without_an_arrival() -> None:
    day = compute_day(CHILD, MONDAY, [tap(1, "15:00", mode="out")], now=EVENING)
    assert spans(day) == [(None, "15:00")]
    assert day.status == "present"
    assert day.flags.missing_arrival == day.visits
    assert day.minutes == 0


def test_toggle_day_alternates() -> None:
    times = ["07:00", "08:00", "09:00", "10:00", "11:00"]
    day = compute_day(CHILD, MONDAY, [tap(i, t) for i, t in enumerate(times)], now=EVENING)
    assert spans(day) == [("07:00", "08:00"), ("09:00", "10:00"), ("11:00", None)]
    assert day.flags.missing_departure == (day.visits[-1],)


def test_opening_hours_flag() -> None:
    day = compute_day(CHILD, MONDAY, [tap(1, "06:29"), tap(2, "17:00")], now=EVENING)
    assert day.flags.outside_hours_taps == (TapId("door", 1), TapId("door", 2))
    custom = Settings(opening=time(6, 0), closing=time(17, 30))
    day = compute_day(CHILD, MONDAY, [tap(1, "06:29"), tap(2, "17:00")], now=EVENING, settings=custom)
    assert day.flags.outside_hours_taps == ()


def test_the_kindergartens_own_closed_day() -> None:
    settings = Settings(closed_days=frozenset({MONDAY}))
    day = compute_day(CHILD, MONDAY, [tap(1, "08:00")], now=EVENING, settings=settings)
    assert day.day_off == "zamknięte"
    assert day.flags.closed_day_taps == (TapId("door", 1),)


# --- corrections ----------------------------------------------------------------------


def test_cancelling_a_toggle_tap_rereads_the_taps_after_it() -> None:
    """A double tap two minutes apart made the 7:32 tap a departure and the 15:00 pickup an
    arrival. Cancelling the 7:32 tap puts everything right."""
    taps = [tap(1, "07:30"), tap(2, "07:32"), tap(3, "15:00")]
    before = compute_day(CHILD, MONDAY, taps, now=EVENING)
    assert spans(before) == [("07:30", "07:32"), ("15:00", None)]
    after = compute_day(CHILD, MONDAY, taps, [corr("c", "cancel", target=TapId("door", 2))], now=EVENING)
    assert spans(after) == [("07:30", "15:00")]
    assert ("door#2", "cancelled") in outcomes(after)
    assert not after.flags.any


def test_an_added_arrival_makes_the_next_toggle_tap_a_departure() -> None:
    taps = [tap(1, "15:00")]
    assert spans(compute_day(CHILD, MONDAY, taps, now=EVENING)) == [("15:00", None)]
    day = compute_day(CHILD, MONDAY, taps, [corr("a", "add_arrival", "08:00")], now=EVENING)
    assert spans(day) == [("08:00", "15:00")]
    assert day.visits[0].arrival is not None
    assert day.visits[0].arrival.source == "correction"


def test_an_added_arrival_while_in_leaves_a_missing_departure() -> None:
    day = compute_day(
        CHILD,
        MONDAY,
        [tap(1, "07:30", mode="in"), tap(2, "16:00")],
        [corr("a", "add_arrival", "09:00")],
        now=EVENING,
    )
    assert spans(day) == [("07:30", None), ("09:00", "16:00")]
    assert day.flags.missing_departure == (day.visits[0],)


def test_cancel_an_added_event_by_its_id_and_move_it_by_its_id() -> None:
    add = corr("a", "add_departure", "15:00")
    move = corr("m", "move", "15:30", target="a")
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30")], [add, move], now=EVENING)
    assert spans(day) == [("07:30", "15:30")]
    cancel = corr("c", "cancel", target="m")  # a move's id names the moved event
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30")], [add, move, cancel], now=EVENING)
    assert spans(day) == [("07:30", None)]


def test_rejected_corrections_are_reported_not_raised() -> None:
    taps = [tap(1, "07:30"), tap(2, "07:30:10"), tap(3, "15:00")]
    bad = [
        corr("x1", "move", "08:00", target=TapId("door", 2)),  # debounced tap
        corr("x2", "move", "08:00", target=TapId("door", 99)),  # no such tap
        corr("x3", "cancel", target="nope"),  # no such correction
        corr("x4", "add_arrival", "08:00", day=MONDAY, created=CREATED),
        corr("x5", "cancel", target="x6"),  # a mark cannot be cancelled
        corr("x6", "mark_present"),
    ]
    bad[3] = replace(bad[3], at=local("08:00", MONDAY + timedelta(days=1)))  # wrong day
    day = compute_day(CHILD, MONDAY, taps, bad, now=EVENING)
    rejected = {o.correction_id: o.detail for o in day.flags.rejected_corrections}
    assert set(rejected) == {"x1", "x2", "x3", "x4", "x5"}
    assert "debounced into tap door#1" in rejected["x1"]
    assert "not among this day's taps" in rejected["x2"]
    assert "no correction nope" in rejected["x3"]
    assert "not on 2026-11-23" in rejected["x4"]
    assert "revoke it instead" in rejected["x5"]
    assert spans(day) == [("07:30", "15:00")]


def test_moves_pointing_at_each_other_are_rejected() -> None:
    a = corr("a", "move", "08:00", target="b")
    b = corr("b", "move", "08:10", target="a")
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30")], [a, b], now=EVENING)
    assert [o.state for o in day.correction_outcomes] == ["rejected", "rejected"]
    assert "cycle" in (day.correction_outcomes[0].detail or "")


def test_the_latest_mark_wins_and_absent_overrides_taps() -> None:
    taps = [tap(1, "07:30"), tap(2, "15:00")]
    absent = corr("abs", "mark_absent")
    day = compute_day(CHILD, MONDAY, taps, [absent], now=EVENING)
    assert (day.status, day.mark, day.visits) == ("absent", "absent", ())
    assert {o.outcome for o in day.tap_outcomes} == {"overridden"}

    present = corr("pre", "mark_present", created=CREATED + timedelta(minutes=1))
    day = compute_day(CHILD, MONDAY, taps, [present, absent], now=EVENING)
    assert (day.status, day.mark, len(day.visits)) == ("present", "present", 1)

    revoked = corr("abs", "mark_absent", revoked=CREATED + timedelta(hours=2))
    day = compute_day(CHILD, MONDAY, taps, [revoked], now=EVENING)
    assert (day.status, day.mark) == ("present", None)


def test_marked_present_without_taps() -> None:
    day = compute_day(CHILD, MONDAY, [], [corr("p", "mark_present")], now=EVENING)
    assert (day.status, day.visits, day.flags.any) == ("present", (), False)


def test_status_without_records() -> None:
    assert compute_day(CHILD, MONDAY, [], now=local("10:00")).status == "no_data"
    assert compute_day(CHILD, MONDAY, [], now=local("17:00")).status == "absent"
    saturday = date(2026, 11, 21)
    assert compute_day(CHILD, saturday, [], now=EVENING + timedelta(days=3)).status == "no_data"


# --- unknown-time taps ----------------------------------------------------------------


def test_unknown_time_tap_is_shown_never_counted() -> None:
    unknown = tap(5, None, reader="hall", holder="babcia")
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30"), unknown], now=EVENING)
    assert spans(day) == [("07:30", None)]
    assert day.flags.unconfirmed_taps == (unknown,)
    assert ("hall#5", "unconfirmed") in outcomes(day)

    alone = compute_day(CHILD, MONDAY, [unknown], now=EVENING)
    assert (alone.status, alone.visits) == ("no_data", ())


def test_confirming_an_unknown_time_tap() -> None:
    unknown = tap(5, None, reader="hall", holder="babcia")
    confirm = corr("k", "add_departure", "15:10", target=unknown.id)
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30"), unknown], [confirm], now=EVENING)
    assert spans(day) == [("07:30", "15:10")]
    departure = day.visits[0].departure
    assert departure is not None
    assert (departure.source, departure.tap, departure.added_by, departure.card_holder) == (
        "correction",
        unknown.id,
        "k",
        "babcia",
    )
    assert day.flags.unconfirmed_taps == ()
    assert day.outcome_of(unknown.id) is not None
    assert day.outcome_of(unknown.id).outcome == "departure"  # type: ignore[union-attr]

    twice = corr("k2", "add_arrival", "15:20", target=unknown.id, created=CREATED + timedelta(minutes=1))
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30"), unknown], [twice, confirm], now=EVENING)
    assert [(o.correction_id, o.state) for o in day.correction_outcomes] == [
        ("k", "applied"),
        ("k2", "rejected"),
    ]
    # Moving the confirmed tap by its identity works like any other event.
    move = corr("m", "move", "15:00", target=unknown.id, created=CREATED + timedelta(minutes=2))
    day = compute_day(CHILD, MONDAY, [tap(1, "07:30"), unknown], [confirm, move], now=EVENING)
    assert spans(day) == [("07:30", "15:00")]


def test_dismissing_an_unknown_time_tap() -> None:
    unknown = tap(5, None, reader="hall")
    day = compute_day(CHILD, MONDAY, [unknown], [corr("d", "cancel", target=unknown.id)], now=EVENING)
    assert day.flags.unconfirmed_taps == ()
    assert outcomes(day) == [("hall#5", "dismissed")]
    assert day.status == "absent"


def test_an_unknown_time_tap_cannot_be_moved_or_confirmed_when_timed() -> None:
    unknown = tap(5, None, reader="hall")
    timed = tap(1, "07:30")
    day = compute_day(
        CHILD,
        MONDAY,
        [unknown, timed],
        [corr("m", "move", "08:00", target=unknown.id), corr("k", "add_arrival", "08:00", target=timed.id)],
        now=EVENING,
    )
    rejected = {o.correction_id: o.detail or "" for o in day.flags.rejected_corrections}
    assert "confirm it with add_arrival/add_departure" in rejected["m"]
    assert "has a known time" in rejected["k"]


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_correction_needs_a_reason(reason: str) -> None:
    with pytest.raises(ValueError, match="a reason is required"):
        replace(corr("c", "mark_present"), reason=reason)


def test_correction_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="time `at` is required"):
        corr("c", "add_arrival")
    with pytest.raises(ValueError, match="target"):
        corr("c", "cancel")
    with pytest.raises(ValueError, match="takes no time"):
        corr("c", "cancel", "08:00", target=TapId("door", 1))
    with pytest.raises(ValueError, match="takes no target"):
        corr("c", "mark_absent", target=TapId("door", 1))
    with pytest.raises(ValueError, match="kind"):
        corr("c", "delete")
    with pytest.raises(ValueError, match="aware"):
        Correction("c", CHILD, MONDAY, "mark_absent", "ill", "me", datetime(2026, 11, 23))
    with pytest.raises(ValueError, match="revoke_reason"):
        replace(corr("c", "mark_absent"), revoked_at=CREATED, revoked_by="me")


def test_tap_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="no time"):
        Tap("door", 1, CHILD, None, "clock", "toggle")
    with pytest.raises(ValueError, match="mode"):
        Tap("door", 1, CHILD, None, "unknown", "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        Tap("door", 1, CHILD, datetime(2026, 11, 23, 8), "clock", "toggle")
    t = Tap("door", 1, CHILD, local("08:00"), "clock", "toggle")
    assert t.at is not None and t.at.tzinfo is UTC


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="before closing"):
        Settings(opening=time(17), closing=time(8))
    with pytest.raises(ValueError, match="time zone"):
        Settings(time_zone="Europe/Nowhere")
    with pytest.raises(ValueError, match="debounce"):
        Settings(debounce_s=-1)


def test_inputs_must_belong_to_the_child_and_the_day() -> None:
    with pytest.raises(ValueError, match="of child 8"):
        compute_day(CHILD, MONDAY, [tap(1, "08:00", child=8)], now=EVENING)
    with pytest.raises(ValueError, match="correction c is for child"):
        compute_day(CHILD, MONDAY, [], [corr("c", "mark_present", day=date(2026, 11, 24))], now=EVENING)
    with pytest.raises(ValueError, match="share the identity"):
        compute_day(CHILD, MONDAY, [tap(1, "08:00"), tap(1, "09:00")], now=EVENING)


def test_an_unknown_time_tap_received_next_day_confirmed_as_the_day_before() -> None:
    """The hall reader restarted offline without a clock on Monday afternoon and delivered
    grandma's tap on Tuesday morning. It is filed under Tuesday; the teacher confirms it as
    Monday's 15:10 departure. Monday gets the departure, Tuesday shows the tap resolved."""
    tuesday = MONDAY + timedelta(days=1)
    late = tap(5, None, reader="hall", holder="babcia")
    confirm = corr("k", "add_departure", "15:10", target=late.id)  # a correction of Monday

    monday_day = compute_day(CHILD, MONDAY, [tap(1, "07:30"), late], [confirm], now=EVENING)
    assert spans(monday_day) == [("07:30", "15:10")]
    assert monday_day.visits[0].departure is not None
    assert monday_day.visits[0].departure.card_holder == "babcia"

    before = compute_day(CHILD, tuesday, [late], now=local("08:00", tuesday))
    assert before.flags.unconfirmed_taps == (late,)
    after = compute_day(CHILD, tuesday, [late], [confirm], now=local("08:00", tuesday))
    assert after.flags.unconfirmed_taps == ()
    assert after.visits == ()
    assert [(str(o.tap), o.outcome, o.detail) for o in after.tap_outcomes] == [
        ("hall#5", "confirmed_elsewhere", "k")
    ]
    assert after.correction_outcomes[0].state == "applied"
    # Any other correction of another day is still refused.
    with pytest.raises(ValueError, match="correction m is for child"):
        compute_day(
            CHILD,
            tuesday,
            [late],
            [corr("m", "move", "15:00", target=TapId("door", 1))],
            now=local("08:00", tuesday),
        )
