"""The common day, fast: timed taps only, no corrections.

`timed_taps_day` is `compute_day` without the corrections' machinery (a third of the cost);
`complete_day` and `complete_visits` give only the visits of a day whose every visit is
complete, over plain tuples (the fee summary asks 1.2 million times a month). Both give
what `compute_day` gives (tests/attendance/test_attendance_fast_path.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from hub.rules.attendance.debounce import tap_order
from hub.rules.attendance.frame import check_inputs, day_frame
from hub.rules.attendance.model import DEFAULT_SETTINGS, ChildId, Settings, Tap, TapId
from hub.rules.attendance.result import (
    CompleteDay,
    DayFlags,
    DayResult,
    DayStatus,
    Event,
    EventKind,
    TapOutcome,
    Visit,
)

_FIXED: Mapping[str, EventKind] = {"in": "arrival", "out": "departure"}


def timed_taps_day(
    child_id: ChildId, day: date, all_taps: dict[TapId, Tap], now: datetime, settings: Settings
) -> DayResult:
    """`general_day` for the common day: timed taps only, no corrections. The same steps
    without the corrections' machinery (no candidates, no resolution), so the same result
    (tests/attendance/test_attendance_fast_path.py checks it on generated days) at about a
    third of the cost."""
    start, end, opening_at, closing_at, off = day_frame(day, settings)
    check_inputs(child_id, day, start, end, list(all_taps.values()), ())
    timed = sorted(all_taps.values(), key=tap_order)
    window = timedelta(seconds=settings.debounce_s)
    folded: dict[TapId, TapId] = {}
    kinds: dict[TapId, EventKind] = {}
    redundant: list[TapId] = []
    visits: list[Visit] = []
    state: str | None = None
    open_arrival: Event | None = None
    anchor: Tap | None = None
    for tap in timed:
        assert tap.at is not None
        if anchor is not None and tap.at - anchor.at < window:  # type: ignore[operator]
            folded[tap.id] = anchor.id
            continue
        anchor = tap
        kind = _FIXED.get(tap.mode) or ("departure" if state == "in" else "arrival")
        if (kind == "arrival" and state == "in") or (kind == "departure" and state == "out"):
            redundant.append(tap.id)
            continue
        event = Event(kind, tap.at, "tap", tap.id, card_number=tap.card_number, card_holder=tap.card_holder)
        kinds[tap.id] = kind
        if kind == "arrival":
            if open_arrival is not None:
                visits.append(Visit(open_arrival, None))
            open_arrival, state = event, "in"
        else:
            visits.append(Visit(open_arrival, event))
            open_arrival, state = None, "out"
    if open_arrival is not None:
        visits.append(Visit(open_arrival, None))
    last_open = visits[-1] if visits and visits[-1].departure is None else None
    flags = DayFlags(
        missing_departure=tuple(
            v for v in visits if v.departure is None and (v is not last_open or now >= closing_at)
        ),
        missing_arrival=tuple(v for v in visits if v.arrival is None),
        closed_day_taps=tuple(t.id for t in timed) if off is not None else (),
        outside_hours_taps=(
            tuple(t.id for t in timed if not opening_at <= t.at < closing_at)  # type: ignore[operator]
            if off is None
            else ()
        ),
        redundant_taps=tuple(redundant),
    )
    status: DayStatus
    if visits:
        status = "present"
    elif off is not None or now < closing_at:
        status = "no_data"
    else:
        status = "absent"
    outcomes: list[TapOutcome] = []
    for tap in timed:
        i = tap.id
        if i in folded:
            outcomes.append(TapOutcome(i, "debounced", folded[i]))
        elif i in kinds:
            outcomes.append(TapOutcome(i, kinds[i], None))
        else:
            outcomes.append(TapOutcome(i, "redundant"))
    return DayResult(
        child_id=child_id,
        day=day,
        start=start,
        end=end,
        closing_at=closing_at,
        day_off=off,
        status=status,
        mark=None,
        visits=tuple(visits),
        flags=flags,
        tap_outcomes=tuple(outcomes),
        correction_outcomes=(),
    )


TimedTap = tuple[datetime, str, int, str]
"""A timed tap as `complete_day` takes it: (at, reader_id, seq, mode), which sorts in the
order of `tap_order`."""


def complete_day(
    child_id: ChildId, day: date, taps: Iterable[TimedTap], settings: Settings = DEFAULT_SETTINGS
) -> CompleteDay | None:
    """The visits `timed_taps_day` finds in a day of timed taps only and no corrections, when
    every visit has an arrival and a departure; None otherwise (a missing scan, a visit still
    open, a tap given twice, an unknown mode: `compute_day` then says what the day is).
    The taps must be the child's taps of `day` (not checked here: the caller filed them by
    day). `complete_visits` does the work."""
    visits = complete_visits(taps, timedelta(seconds=settings.debounce_s))
    return None if visits is None else CompleteDay(child_id, day, day_frame(day, settings).day_off, visits)


def complete_visits(
    taps: Iterable[TimedTap], window: timedelta
) -> tuple[tuple[datetime, datetime], ...] | None:
    """`complete_day`'s visits, for a caller that knows the debounce `window` and the day's
    frame already (the fee summary asks 1.2 million times a month).

    The same walk as `timed_taps_day` (debounce anchored at each counted tap, then toggle or
    fixed modes) over plain tuples, building no events, outcomes or flags: the visits are
    equal to `compute_day`'s (tests/attendance/test_attendance_fast_path.py)."""
    visits: list[tuple[datetime, datetime]] = []
    arrival: datetime | None = None  # the open visit's arrival
    left = False  # the child has left at least once (an `out` tap is then redundant)
    anchor: datetime | None = None
    previous: TimedTap | None = None
    for tap in sorted(taps):
        if tap == previous:
            return None
        previous = tap
        at, _, _, mode = tap
        if anchor is not None and at - anchor < window:
            continue
        anchor = at
        if mode == "toggle":
            mode = "out" if arrival is not None else "in"
        if mode == "in":
            if arrival is None:
                arrival = at
        elif mode == "out":
            if arrival is not None:
                visits.append((arrival, at))
                arrival, left = None, True
            elif not left:
                return None  # a departure with nobody in: a visit without an arrival
        else:
            return None
    return None if arrival is not None else tuple(visits)
