"""`compute_day`: one child's local day from its taps, corrections and the settings.

A day of timed taps and no corrections goes the fast way (`timed_day.py`); any other the
general way here: the corrections resolved, the events paired into visits, the flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from hub.rules.attendance.corrections import Candidate, EventKey, Resolution, resolve_corrections
from hub.rules.attendance.debounce import debounce, tap_order
from hub.rules.attendance.frame import check_inputs, day_frame, distinct
from hub.rules.attendance.model import (
    DEFAULT_SETTINGS,
    ChildId,
    Correction,
    Settings,
    Tap,
    TapId,
    require_aware,
)
from hub.rules.attendance.result import (
    DayFlags,
    DayResult,
    DayStatus,
    Event,
    EventKind,
    TapOutcome,
    Visit,
)
from hub.rules.attendance.timed_day import timed_taps_day


def _pair(candidates: Iterable[Candidate]) -> tuple[list[Visit], dict[EventKey, Event], list[TapId]]:
    """Walk the events in time order and pair arrivals with departures.

    The child starts the day neither in nor out. A toggle tap is a departure when the child
    is in, otherwise an arrival. A reader's `in` tap while in, or `out` tap after a
    departure, is redundant. A teacher's arrival while in closes the open visit without a
    departure; a departure with nobody in makes a visit without an arrival.
    """
    visits: list[Visit] = []
    events: dict[EventKey, Event] = {}
    redundant: list[TapId] = []
    state: str | None = None  # None at the start of the day, then "in" / "out"
    open_arrival: Event | None = None
    for cand in sorted(candidates, key=lambda c: c.sort_key):
        kind: EventKind = cand.fixed or ("departure" if state == "in" else "arrival")
        repeats = (kind == "arrival" and state == "in") or (kind == "departure" and state == "out")
        if repeats and cand.from_reader:
            assert cand.tap is not None
            redundant.append(cand.tap)
            continue
        event = Event(
            kind=kind,
            at=cand.at,
            source="tap" if cand.from_reader and cand.moved_by is None else "correction",
            tap=cand.tap,
            added_by=cand.added_by,
            moved_by=cand.moved_by,
            original_at=cand.original_at,
            card_number=cand.card_number,
            card_holder=cand.card_holder,
        )
        events[cand.key] = event
        if kind == "arrival":
            if open_arrival is not None:
                visits.append(Visit(open_arrival, None))
            open_arrival, state = event, "in"
        else:
            visits.append(Visit(open_arrival, event))
            open_arrival, state = None, "out"
    if open_arrival is not None:
        visits.append(Visit(open_arrival, None))
    return visits, events, redundant


def compute_day(
    child_id: ChildId,
    day: date,
    taps: Iterable[Tap],
    corrections: Iterable[Correction] = (),
    *,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
) -> DayResult:
    """One child's `day` (a local date in `settings.time_zone`).

    `taps`: the child's taps of that day, in any order, duplicates allowed: timed taps must
    fall within the day (else ValueError); unknown-time taps are the ones the caller filed
    under this day (by receipt time) plus those named by this day's corrections (a tap
    received on Tuesday may be confirmed as Monday's departure). `corrections`: the child's
    corrections for that day, revoked ones included, plus any correction of another day
    that names one of this day's unknown-time taps (it resolves the tap here, with the
    outcome "confirmed_elsewhere", and adds no event here).

    `now` only decides whether an open visit is already a missing departure and whether a
    day without any record is "absent" yet (after closing time) or still "no_data"; the
    visits do not depend on it.
    """
    now = require_aware(now, "now")
    all_taps: dict[TapId, Tap] = distinct(taps, lambda t: t.id)
    all_corrections: dict[str, Correction] = distinct(corrections, lambda c: c.id)
    if not all_corrections and all(t.time_quality != "unknown" for t in all_taps.values()):
        return timed_taps_day(child_id, day, all_taps, now, settings)
    return general_day(child_id, day, all_taps, all_corrections, now, settings)


def general_day(
    child_id: ChildId,
    day: date,
    all_taps: dict[TapId, Tap],
    all_corrections: dict[str, Correction],
    now: datetime,
    settings: Settings,
) -> DayResult:
    """`compute_day` for any inputs (distinct taps and corrections by identity, `now` in UTC)."""
    start, end, opening_at, closing_at, off = day_frame(day, settings)
    check_inputs(child_id, day, start, end, list(all_taps.values()), all_corrections.values())

    timed = sorted((t for t in all_taps.values() if t.timed), key=tap_order)
    unknown = {i: t for i, t in sorted(all_taps.items()) if not t.timed}
    burst = debounce(timed, settings.debounce_s)
    resolution = resolve_corrections(
        burst.counted,
        burst.folded,
        unknown,
        frozenset(t.id for t in timed),
        list(all_corrections.values()),
        lambda at: start <= at < end,
        day,
    )
    visits, events, redundant = _pair(resolution.candidates)
    mark = resolution.mark[0] if resolution.mark else None
    if mark == "absent":
        visits = []

    last_open = visits[-1] if visits and visits[-1].departure is None else None
    missing_departure = tuple(
        v for v in visits if v.departure is None and (v is not last_open or now >= closing_at)
    )
    unconfirmed = tuple(
        t
        for i, t in unknown.items()
        if i not in resolution.confirmed and i not in resolution.dismissed and i not in resolution.elsewhere
    )
    flags = DayFlags(
        missing_departure=missing_departure,
        missing_arrival=tuple(v for v in visits if v.arrival is None),
        unconfirmed_taps=unconfirmed,
        closed_day_taps=(tuple(t.id for t in timed) + tuple(resolution.confirmed) if off is not None else ()),
        outside_hours_taps=(
            tuple(t.id for t in timed if t.at is not None and not opening_at <= t.at < closing_at)
            if off is None
            else ()
        ),
        redundant_taps=tuple(redundant),
        rejected_corrections=tuple(
            o for o in _ordered_outcomes(all_corrections, resolution) if o.state == "rejected"
        ),
    )
    status: DayStatus
    if mark == "absent":
        status = "absent"
    elif visits or mark == "present":
        status = "present"
    elif unconfirmed or off is not None or now < closing_at:
        status = "no_data"
    else:
        status = "absent"
    return DayResult(
        child_id=child_id,
        day=day,
        start=start,
        end=end,
        closing_at=closing_at,
        day_off=off,
        status=status,
        mark=mark,
        visits=tuple(visits),
        flags=flags,
        tap_outcomes=_tap_outcomes(timed, unknown, burst.folded, resolution, events, mark),
        correction_outcomes=tuple(_ordered_outcomes(all_corrections, resolution)),
        corrections=tuple(sorted(all_corrections.values(), key=lambda c: c.order_key)),
    )


def _ordered_outcomes(corrections: Mapping[str, Correction], resolution: Resolution) -> list:
    ordered = sorted(corrections.values(), key=lambda c: c.order_key)
    return [resolution.outcomes[c.id] for c in ordered]


def _tap_outcomes(
    timed: list[Tap],
    unknown: Mapping[TapId, Tap],
    folded: Mapping[TapId, TapId],
    resolution: Resolution,
    events: Mapping[EventKey, Event],
    mark: str | None,
) -> tuple[TapOutcome, ...]:
    outcomes: list[TapOutcome] = []
    for tap in [*timed, *unknown.values()]:
        i = tap.id
        if i in folded:
            outcomes.append(TapOutcome(i, "debounced", folded[i]))
        elif i in resolution.dismissed:
            outcomes.append(TapOutcome(i, "dismissed", resolution.dismissed[i]))
        elif i in resolution.elsewhere:
            outcomes.append(TapOutcome(i, "confirmed_elsewhere", resolution.elsewhere[i]))
        elif not tap.timed and i not in resolution.confirmed:
            outcomes.append(TapOutcome(i, "unconfirmed"))
        elif i in resolution.cancelled:
            outcomes.append(TapOutcome(i, "cancelled", resolution.cancelled[i]))
        elif i not in events:
            outcomes.append(TapOutcome(i, "redundant"))
        elif mark == "absent":
            outcomes.append(TapOutcome(i, "overridden", resolution.mark[1] if resolution.mark else None))
        else:
            outcomes.append(TapOutcome(i, events[i].kind, resolution.confirmed.get(i)))
    return tuple(outcomes)
