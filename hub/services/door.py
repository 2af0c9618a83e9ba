"""The door: each child of a group with their state now (the group's grid), who is missing
in every group (the presence board), and the grid's one-tap corrections.

The states are `hub.rules.attendance.door`'s, from today's computed days, the absences
reported ahead and the site's `missing_from` hour. A tap on the grid is an ordinary
correction (`hub.store.corrections`) with a default reason, so it is audited, shows on the
group's day with its author and can be revoked there like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.rules.attendance import DoorState, Event, door_state
from hub.services.days import ChildDay, compute_days
from hub.store import absences, corrections, kiosk, registry, site_settings
from hub.timefmt import utc_now

ACTIONS = {"came": "add_arrival", "left": "add_departure", "absent": "mark_absent"}
"""The grid's three taps and the corrections they make."""


@dataclass(frozen=True)
class DoorChild:
    """One child's line of the grid."""

    child: dict[str, Any]
    state: DoorState
    arrived: Event | None
    """The arrival of the child's latest visit, when there is one."""
    departed: Event | None

    @property
    def by_kiosk(self) -> bool:
        """The latest arrival or departure was recorded at the kiosk."""
        latest = self.departed or self.arrived
        return latest is not None and latest.tap is not None and kiosk.is_kiosk_reader(latest.tap.reader_id)


def group_at_door(
    db: Database, settings: Settings, group_id: int, moment: datetime | None = None
) -> list[DoorChild]:
    """Every child attending `group_id` today, in the registry's order, with their state."""
    moment = moment or utc_now()
    today = moment.astimezone(settings.tz).date()
    return _states(db, settings, compute_days(db, settings, today, group_id=group_id, now=moment), moment)


def missing_now(
    db: Database, settings: Settings, moment: datetime | None = None, days: list[ChildDay] | None = None
) -> list[DoorChild]:
    """Every child of every group expected today and not come by the set hour. `days`:
    today's days of every child at `moment`, if the caller computed them already."""
    moment = moment or utc_now()
    today = moment.astimezone(settings.tz).date()
    days = days if days is not None else compute_days(db, settings, today, now=moment)
    found = _states(db, settings, days, moment)
    return [entry for entry in found if entry.state == "missing"]


def guardian_phones(db: Database, child_ids: list[int]) -> list[dict[str, Any]]:
    """The guardians of these children with a phone number: who to call about the missing."""
    found = []
    for child_id in child_ids:
        child = registry.get_child(db, child_id)
        for guardian in registry.guardians_of(db, child_id):
            if guardian["phone"]:
                found.append(
                    {
                        "child": f"{child['first_name']} {child['last_name']}",
                        "guardian": guardian["name"],
                        "relation": guardian["relation"] or "",
                        "phone": guardian["phone"],
                    }
                )
    return found


def record_at_door(
    db: Database,
    settings: Settings,
    *,
    group_id: int,
    child_id: int,
    action: str,
    reason: str,
    author: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One tap on the grid: "came now", "left now" or "absent" as a correction of today. A
    child marked absent who comes after all is first marked present (the latest mark wins),
    so the arrival counts."""
    if action not in ACTIONS:
        raise Refusal("door.action", N_("Choose: came now, left now or absent."))
    moment = now or utc_now()
    today = moment.astimezone(settings.tz).date()
    child = registry.get_child(db, child_id)
    if child["group_id"] != group_id or not _attends(child, today):
        raise Refusal("door.not_in_group", N_("This child does not attend this group today."))
    kind = ACTIONS[action]
    if action == "came":
        [child_day] = compute_days(db, settings, today, child_id=child_id, now=moment)
        if child_day.result.mark == "absent":  # else the day's mark would drop the arrival
            corrections.add_correction(
                db,
                child_id=child_id,
                day=today,
                kind="mark_present",
                reason=reason,
                author=author,
                today=today,
            )
    return corrections.add_correction(
        db,
        child_id=child_id,
        day=today,
        kind=kind,
        reason=reason,
        author=author,
        at=moment if kind != "mark_absent" else None,
        today=today,
    )


def _attends(child: dict[str, Any], day: date) -> bool:
    text = day.isoformat()
    return child["active_from"] <= text and (child["active_to"] is None or child["active_to"] >= text)


def _states(
    db: Database, settings: Settings, child_days: list[ChildDay], moment: datetime
) -> list[DoorChild]:
    today = moment.astimezone(settings.tz).date()
    reported = {row["child_id"] for row in absences.list_absences(db, first=today, last=today)}
    hour = site_settings.missing_from(db)
    clock = moment.astimezone(settings.tz).time()
    found = []
    for child_day in child_days:
        result = child_day.result
        last = result.visits[-1] if result.visits else None
        found.append(
            DoorChild(
                child_day.child,
                door_state(
                    result,
                    moment,
                    reported_absent=child_day.child["id"] in reported,
                    missing_from=hour,
                    local_clock=clock,
                ),
                last.arrival if last else None,
                last.departure if last else None,
            )
        )
    return found
