"""What the rules produce for one child and one day: events, visits, flags and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from hub.rules.attendance.calendar import stay_minutes
from hub.rules.attendance.model import ChildId, Correction, Tap, TapId

EventKind = Literal["arrival", "departure"]
EventSource = Literal["tap", "correction"]
DayStatus = Literal["present", "absent", "no_data"]
TapOutcomeKind = Literal[
    "arrival",  # the tap (or its confirmation) is this arrival
    "departure",  # … this departure
    "debounced",  # within the debounce window of an earlier tap of the burst: counted once
    "redundant",  # an `in` tap while already in, or an `out` tap while already out
    "cancelled",  # a teacher cancelled the event this tap made
    "unconfirmed",  # unknown time, waiting for a teacher's confirmation
    "dismissed",  # unknown time, a teacher cancelled it without confirming
    "confirmed_elsewhere",  # unknown time, filed under this day, confirmed as another day's event
    "overridden",  # the day is marked absent, so the tap's event does not count
]
CorrectionState = Literal["applied", "superseded", "revoked", "rejected"]


@dataclass(frozen=True)
class Event:
    """An arrival or a departure.

    `source` says where its time comes from: "tap" when it is a reader tap at its own time,
    "correction" when a teacher added it, confirmed an unknown-time tap as it, or moved it
    (then `moved_by` is the move and `original_at` the time before the move). `tap` is the
    tap behind the event, if any; `added_by` the add_* correction that made it, if any.
    `card_number`/`card_holder` tell who brought or collected the child, when known.
    """

    kind: EventKind
    at: datetime
    source: EventSource
    tap: TapId | None = None
    added_by: str | None = None
    moved_by: str | None = None
    original_at: datetime | None = None
    card_number: str | None = None
    card_holder: str | None = None


@dataclass(frozen=True)
class Visit:
    """One stay in the building. Either end may be missing (and is then flagged)."""

    arrival: Event | None
    departure: Event | None

    @property
    def minutes(self) -> int | None:
        """The stay's minutes from the printed arrival to the printed departure, when both
        are known (`stay_minutes`: the same figure the fee rules bill)."""
        if self.arrival is None or self.departure is None:
            return None
        return stay_minutes(self.arrival.at, self.departure.at)

    def covers(self, moment: datetime) -> bool:
        """True when the child was in at `moment` by this visit's known times.

        An open visit covers every moment from its arrival on; a visit without an arrival
        covers nothing (where it began is unknown, see `presence_at`).
        """
        if self.arrival is None or moment < self.arrival.at:
            return False
        return self.departure is None or moment < self.departure.at


@dataclass(frozen=True)
class TapOutcome:
    """How the rules read one tap. `detail` is the tap it was folded into ("debounced"),
    or the correction behind "arrival"/"departure" confirmations, "cancelled",
    "dismissed" and "overridden"."""

    tap: TapId
    outcome: TapOutcomeKind
    detail: TapId | str | None = None


@dataclass(frozen=True)
class CorrectionOutcome:
    """What became of one correction: applied, superseded (a later move of the same event
    or a later day mark wins), revoked, or rejected (with the reason in `detail`)."""

    correction_id: str
    state: CorrectionState
    detail: str | None = None


@dataclass(frozen=True)
class DayFlags:
    """What a teacher must look at. Nothing here changes the visits; it explains them.

    missing_departure: visits still open at closing time (or when the day is over), and
        any visit cut short by a later arrival without a departure in between.
    missing_arrival: visits that start with a departure (nobody recorded the arrival).
    unconfirmed_taps: unknown-time taps neither confirmed nor dismissed; never counted.
    closed_day_taps: timed and confirmed taps on a weekend, holiday or closed day.
    outside_hours_taps: timed taps before opening or from closing time on, working days.
    redundant_taps: `in` taps while in and `out` taps while out (they do not count).
    rejected_corrections: corrections that could not be applied, with why.
    """

    missing_departure: tuple[Visit, ...] = ()
    missing_arrival: tuple[Visit, ...] = ()
    unconfirmed_taps: tuple[Tap, ...] = ()
    closed_day_taps: tuple[TapId, ...] = ()
    outside_hours_taps: tuple[TapId, ...] = ()
    redundant_taps: tuple[TapId, ...] = ()
    rejected_corrections: tuple[CorrectionOutcome, ...] = ()

    @property
    def any(self) -> bool:
        return any(
            (
                self.missing_departure,
                self.missing_arrival,
                self.unconfirmed_taps,
                self.closed_day_taps,
                self.outside_hours_taps,
                self.redundant_taps,
                self.rejected_corrections,
            )
        )


@dataclass(frozen=True)
class DayResult:
    """One child's day as the rules see it. Equal inputs give an equal (==) result.

    `start`/`end` are the day's UTC bounds [start, end); `closing_at` the closing instant;
    `day_off` why the day is a day off (None on a working day). `mark` is the day mark in
    force ("absent"/"present" from the latest unrevoked mark correction), if any.
    `tap_outcomes` covers every distinct tap given (timed ones in time order, then the
    unknown-time ones by identity); `corrections` every distinct correction, in creation
    order, revoked ones included, and `correction_outcomes` what became of each.
    """

    child_id: ChildId
    day: date
    start: datetime
    end: datetime
    closing_at: datetime
    day_off: str | None
    status: DayStatus
    mark: Literal["absent", "present"] | None
    visits: tuple[Visit, ...]
    flags: DayFlags
    tap_outcomes: tuple[TapOutcome, ...]
    correction_outcomes: tuple[CorrectionOutcome, ...]
    corrections: tuple[Correction, ...] = ()

    @property
    def events(self) -> tuple[Event, ...]:
        """The counted arrivals and departures, in time order."""
        found: list[Event] = []
        for visit in self.visits:
            found.extend(e for e in (visit.arrival, visit.departure) if e is not None)
        return tuple(found)

    @property
    def minutes(self) -> int:
        """Minutes of the visits with both ends known (the others are flagged)."""
        return sum(v.minutes or 0 for v in self.visits)

    def visit_at(self, moment: datetime) -> Visit | None:
        """The visit the child is in at `moment` by the recorded times, if any.

        An open visit lasts until the next visit begins (a teacher's later arrival cut it
        short), or for the last one, indefinitely. A visit without an arrival never counts.
        """
        for i, visit in enumerate(self.visits):
            after = self.visits[i + 1] if i + 1 < len(self.visits) else None
            if not visit.covers(moment):
                continue
            following = (after.arrival or after.departure) if after is not None else None
            if visit.departure is None and following is not None and moment >= following.at:
                continue
            return visit
        return None

    def outcome_of(self, tap: TapId) -> TapOutcome | None:
        return next((o for o in self.tap_outcomes if o.tap == tap), None)


class CompleteDay(NamedTuple):
    """A day of timed taps only, without corrections, whose every visit has an arrival and a
    departure, reduced to what a fee needs: the visits as (arrival, departure) instants.

    `complete_day` makes one where `compute_day` would give a `DayResult` with these visits,
    no missing arrival or departure and no day mark; the fee engine takes either (a city's
    month is 1.8 million days, and building each day's events and outcomes is most of it).
    """

    child_id: ChildId
    day: date
    day_off: str | None
    visits: tuple[tuple[datetime, datetime], ...]
