"""Who is in the building at a moment: the basis of the evacuation list.

Built from the children's computed days, so it agrees with them by construction. A child
is listed `certain` when one of their visits covers the moment (arrived at or before it,
not yet departed; see `DayResult.visit_at`) before closing time. For an evacuation,
missing someone is worse than looking for someone who has gone home, so these are listed
too, with `certain=False` and why: an open visit past closing time or cut short by a
later arrival (a missing departure), a departure later today with no recorded arrival, a
day marked present without times, and a day with nothing but unconfirmed unknown-time
taps. A day marked absent lists nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.rules.attendance.model import ChildId, require_aware
from hub.rules.attendance.result import DayResult


@dataclass(frozen=True)
class Presence:
    """One child who is (or may be) in the building at the moment asked about.

    `since` is the arrival's time and `brought_by` its card holder, when known.
    """

    child_id: ChildId
    certain: bool
    why: str
    since: datetime | None = None
    brought_by: str | None = None


def _presence(day: DayResult, moment: datetime) -> Presence | None:
    if day.status == "absent":
        return None
    visit = day.visit_at(moment)
    if visit is not None:
        assert visit.arrival is not None
        cut_short = visit.departure is None and visit is not day.visits[-1]
        past_closing = visit.departure is None and moment >= day.closing_at
        why = "in"
        if cut_short:
            why = "missing departure: a later arrival was recorded without one"
        elif past_closing:
            why = "missing departure: still in after closing time"
        return Presence(
            child_id=day.child_id,
            certain=why == "in",
            why=why,
            since=visit.arrival.at,
            brought_by=visit.arrival.card_holder,
        )
    for visit in day.visits:
        if visit.arrival is None and visit.departure is not None and moment < visit.departure.at:
            return Presence(day.child_id, False, "departs later today; the arrival was not recorded")
    if not day.visits and day.mark == "present":
        return Presence(day.child_id, False, "marked present; times not recorded")
    if not day.visits and day.flags.unconfirmed_taps:
        return Presence(day.child_id, False, "only unconfirmed unknown-time taps")
    return None


def presence_at(days: Iterable[DayResult], moment: datetime) -> list[Presence]:
    """Who is in at `moment`, one entry per child, ordered by child id.

    `days` are the computed days (one per child) of the local day containing `moment`;
    a day that does not contain it, or a second day of the same child, is a ValueError.
    Grouping by group is the caller's: it knows each child's group.
    """
    moment = require_aware(moment, "moment")
    seen: set[ChildId] = set()
    found: list[Presence] = []
    for day in days:
        if not day.start <= moment < day.end:
            raise ValueError(f"{moment.isoformat()} is not on {day.day} (child {day.child_id})")
        if day.child_id in seen:
            raise ValueError(f"child {day.child_id} has two days in the presence input")
        seen.add(day.child_id)
        entry = _presence(day, moment)
        if entry is not None:
            found.append(entry)
    return sorted(found, key=lambda p: p.child_id)
