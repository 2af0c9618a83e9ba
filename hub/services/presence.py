"""Who is in now: the presence board's groups, from today's computed days."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.collation import sort_key
from hub.config import Settings
from hub.rules.attendance import (
    Presence,
    presence_at,
)
from hub.services.days import ChildDay, compute_days
from hub.timefmt import utc_now


def presence_now(
    db: Database, settings: Settings, now: datetime | None = None, days: list[ChildDay] | None = None
) -> list[dict[str, Any]]:
    """Who is in the building now, per group: the evacuation list's basis.

    Each group also says how many of its children attend today (`attending`), how many of
    them are in (`count`) and how many came and have already gone (`left`). `days`: today's
    days of every child at `now`, if the caller computed them already."""
    moment = now or utc_now()
    today = moment.astimezone(settings.tz).date()
    days = days if days is not None else compute_days(db, settings, today, now=moment)
    present: dict[int, Presence] = {
        entry.child_id: entry for entry in presence_at([d.result for d in days], moment)
    }
    groups: dict[int, dict[str, Any]] = {}
    for child_day in days:
        child = child_day.child
        group = groups.setdefault(
            child["group_id"],
            {
                "group_id": child["group_id"],
                "group": child["group_name"],
                "children": [],
                "attending": 0,
                "left": 0,
            },
        )
        group["attending"] += 1
        entry = present.get(child["id"])
        if entry is None and child_day.result.status == "present":
            group["left"] += 1
        elif entry is not None:
            group["children"].append(
                {
                    "child_id": child["id"],
                    "name": f"{child['first_name']} {child['last_name']}",
                    "since": entry.since,
                    "certain": entry.certain,
                    "why": entry.why,
                    "brought_by": entry.brought_by,
                }
            )
    for group in groups.values():
        group["count"] = len(group["children"])
    return sorted(groups.values(), key=lambda group: (sort_key(group["group"]), group["group_id"]))
