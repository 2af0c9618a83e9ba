"""Applying teachers' corrections on top of the counted taps (before they are paired).

The result is the day's candidate events: each counted tap and each added or confirmed
event, at its time after the winning move, minus the cancelled ones. Which candidate is an
arrival and which a departure is decided afterwards, in time order (see `day.py`), so a
cancelled or added event re-reads the toggle taps after it.

Targets: a move or cancel names an event by its tap's identity or by the id of the add_*
correction that created it; naming a move follows that move to its event. A correction
that cannot be applied is kept and reported as rejected, with why; it never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from hub.rules.attendance.model import Correction, Tap, TapId, Target
from hub.rules.attendance.result import CorrectionOutcome, EventKind

EventKey = TapId | str
"""A candidate event's key: its tap's identity, or the id of the add_* that created it."""

ADD_KINDS: Mapping[str, EventKind] = {"add_arrival": "arrival", "add_departure": "departure"}


@dataclass(frozen=True)
class Candidate:
    """A not-yet-paired event. `fixed` is None for a toggle tap (direction by position);
    `from_reader` is True for a reader tap (not for teacher-added or confirmed events)."""

    key: EventKey
    fixed: EventKind | None
    at: datetime
    from_reader: bool
    tap: TapId | None = None
    added_by: str | None = None
    moved_by: str | None = None
    original_at: datetime | None = None
    card_number: str | None = None
    card_holder: str | None = None

    @property
    def sort_key(self) -> tuple[datetime, int, str, int]:
        """Time, then reader taps before teacher events, then identity: a total order."""
        if isinstance(self.key, TapId):
            return (self.at, 0, self.key.reader_id, self.key.seq)
        return (self.at, 1, self.key, 0)


@dataclass
class Resolution:
    candidates: list[Candidate] = field(default_factory=list)
    cancelled: dict[EventKey, str] = field(default_factory=dict)
    confirmed: dict[TapId, str] = field(default_factory=dict)
    dismissed: dict[TapId, str] = field(default_factory=dict)
    elsewhere: dict[TapId, str] = field(default_factory=dict)
    mark: tuple[Literal["absent", "present"], str] | None = None
    outcomes: dict[str, CorrectionOutcome] = field(default_factory=dict)


def candidate_from_tap(tap: Tap) -> Candidate:
    assert tap.at is not None
    fixed: EventKind | None = {"in": "arrival", "out": "departure"}.get(tap.mode)  # type: ignore[assignment]
    return Candidate(
        key=tap.id,
        fixed=fixed,
        at=tap.at,
        from_reader=True,
        tap=tap.id,
        card_number=tap.card_number,
        card_holder=tap.card_holder,
    )


class _Resolver:
    def __init__(
        self,
        counted: Sequence[Tap],
        folded: Mapping[TapId, TapId],
        unknown: Mapping[TapId, Tap],
        timed_ids: frozenset[TapId],
        corrections: Sequence[Correction],
        in_day: Callable[[datetime], bool],
        day: date,
    ) -> None:
        self.folded, self.unknown, self.timed_ids, self.in_day = folded, unknown, timed_ids, in_day
        ordered = sorted(corrections, key=lambda c: c.order_key)
        self.ordered = [c for c in ordered if c.day == day]
        self.foreign = [c for c in ordered if c.day != day]
        self.by_id = {c.id: c for c in self.ordered}
        self.cands: dict[EventKey, Candidate] = {t.id: candidate_from_tap(t) for t in counted}
        self.alias: dict[str, EventKey] = {}
        self.res = Resolution()

    def _set(self, c: Correction, state: str, detail: str | None = None) -> None:
        self.res.outcomes[c.id] = CorrectionOutcome(c.id, state, detail)  # type: ignore[arg-type]

    def _active(self, *kinds: str) -> list[Correction]:
        return [c for c in self.ordered if not c.revoked and c.kind in kinds]

    def run(self) -> Resolution:
        for c in self.ordered + self.foreign:
            if c.revoked:
                self._set(c, "revoked", f"revoked by {c.revoked_by}: {c.revoke_reason}")
        self._adds()
        self._foreign()
        self._moves()
        self._cancels()
        self._marks()
        self.res.candidates = [cand for key, cand in self.cands.items() if key not in self.res.cancelled]
        return self.res

    def _adds(self) -> None:
        for c in self._active(*ADD_KINDS):
            assert c.at is not None
            kind = ADD_KINDS[c.kind]
            if not self.in_day(c.at):
                self._set(c, "rejected", f"its time {c.at.isoformat()} is not on {c.day}")
            elif c.target is None:
                self.cands[c.id] = Candidate(c.id, kind, c.at, False, added_by=c.id)
                self.alias[c.id] = c.id
                self._set(c, "applied")
            else:
                self._confirm(c, kind)

    def _confirm(self, c: Correction, kind: EventKind) -> None:
        assert isinstance(c.target, TapId) and c.at is not None
        tap = self.unknown.get(c.target)
        if tap is None:
            why = (
                f"tap {c.target} has a known time; move or cancel it instead"
                if c.target in self.timed_ids
                else f"tap {c.target} is not among this day's taps"
            )
            self._set(c, "rejected", why)
        elif tap.id in self.res.confirmed:
            self._set(c, "rejected", f"tap {tap.id} is already confirmed by {self.res.confirmed[tap.id]}")
        else:
            self.res.confirmed[tap.id] = c.id
            self.cands[tap.id] = Candidate(
                tap.id,
                kind,
                c.at,
                False,
                tap=tap.id,
                added_by=c.id,
                card_number=tap.card_number,
                card_holder=tap.card_holder,
            )
            self.alias[c.id] = tap.id
            self._set(c, "applied")

    def _foreign(self) -> None:
        """Corrections of another day that confirm or dismiss one of this day's
        unknown-time taps: the tap is resolved here, its event (if any) is on that day."""
        for c in self.foreign:
            if c.revoked:
                continue
            assert isinstance(c.target, TapId)
            tap = c.target
            if tap in self.res.confirmed or tap in self.res.elsewhere:
                by = self.res.confirmed.get(tap) or self.res.elsewhere[tap]
                self._set(c, "rejected", f"tap {tap} is already confirmed by {by}")
            elif c.kind == "cancel":
                self.res.dismissed.setdefault(tap, c.id)
                self._set(c, "applied", f"dismisses tap {tap}, filed under this day")
            else:
                self.res.elsewhere[tap] = c.id
                self._set(c, "applied", f"confirms tap {tap} (filed under this day) on {c.day}")

    def _resolve(self, target: Target, seen: frozenset[str] = frozenset()) -> tuple[EventKey | None, str]:
        """The event key `target` names, or None and why there is none."""
        if isinstance(target, TapId):
            if target in self.cands:
                return target, ""
            if target in self.folded:
                why = f"tap {target} was debounced into tap {self.folded[target]}; name that tap"
            elif target in self.unknown:
                why = f"tap {target} has an unknown time; confirm it with add_arrival/add_departure"
            else:
                why = f"tap {target} is not among this day's taps"
            return None, why
        if target in self.alias:
            return self.alias[target], ""
        other = self.by_id.get(target)
        if other is None:
            return None, f"there is no correction {target} on this day"
        if other.revoked:
            return None, f"correction {target} is revoked"
        if other.kind == "move":
            if target in seen:
                return None, f"moves {', '.join(sorted(seen))} target each other in a cycle"
            assert other.target is not None
            return self._resolve(other.target, seen | {target})
        if other.kind in ADD_KINDS:
            return None, f"correction {target} was rejected"
        return None, f"a {other.kind} correction cannot be moved or cancelled; revoke it instead"

    def _moves(self) -> None:
        winners: dict[EventKey, list[Correction]] = {}
        for c in self._active("move"):
            assert c.target is not None and c.at is not None
            found, why = self._resolve(c.target)
            if found is None:
                self._set(c, "rejected", why)
            elif not self.in_day(c.at):
                self._set(c, "rejected", f"its new time {c.at.isoformat()} is not on {c.day}")
            else:
                winners.setdefault(found, []).append(c)
        for key, moves in winners.items():
            *earlier, last = moves
            assert last.at is not None
            before = self.cands[key]
            self.cands[key] = replace(before, at=last.at, moved_by=last.id, original_at=before.at)
            self._set(last, "applied")
            for c in earlier:
                self._set(c, "superseded", f"a later move {last.id} of the same event wins")

    def _cancels(self) -> None:
        for c in self._active("cancel"):
            assert c.target is not None
            target = c.target
            if isinstance(target, TapId) and target in self.unknown and target not in self.cands:
                self.res.dismissed.setdefault(target, c.id)
                self._set(c, "applied")
                continue
            found, why = self._resolve(target)
            if found is None:
                self._set(c, "rejected", why)
            else:
                self.res.cancelled.setdefault(found, c.id)
                self._set(c, "applied")

    def _marks(self) -> None:
        marks = self._active("mark_absent", "mark_present")
        if not marks:
            return
        *earlier, last = marks
        self.res.mark = ("absent" if last.kind == "mark_absent" else "present", last.id)
        self._set(last, "applied")
        for c in earlier:
            self._set(c, "superseded", f"a later day mark {last.id} wins")


def resolve_corrections(
    counted: Sequence[Tap],
    folded: Mapping[TapId, TapId],
    unknown: Mapping[TapId, Tap],
    timed_ids: frozenset[TapId],
    corrections: Sequence[Correction],
    in_day: Callable[[datetime], bool],
    day: date,
) -> Resolution:
    """Apply `corrections` (distinct, any order) to the counted taps of `day`.

    Corrections of other days may only confirm or dismiss an unknown-time tap filed under
    `day` (the caller checks this); they resolve the tap here and add no event.
    """
    return _Resolver(counted, folded, unknown, timed_ids, corrections, in_day, day).run()
