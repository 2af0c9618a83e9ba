"""Days and inconsistency items as JSON-ready dicts: the shape the API and `--json` give."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from hub.rules.attendance import (
    Event,
    Inconsistency,
)
from hub.services.days import ChildDay
from hub.timefmt import to_db


def day_as_dict(child_day: ChildDay, tz: ZoneInfo) -> dict[str, Any]:
    """A child's day for JSON: local clock times beside the stored instants."""
    result = child_day.result

    def event(item: Event | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {
            "at": to_db(item.at),
            "clock": item.at.astimezone(tz).strftime("%H:%M"),
            "source": item.source,
            "tap": str(item.tap) if item.tap else None,
            "card_number": item.card_number,
            "card_holder": item.card_holder,
            "correction": item.added_by or item.moved_by,
        }

    flags = result.flags
    return {
        "child_id": child_day.child["id"],
        "name": f"{child_day.child['first_name']} {child_day.child['last_name']}",
        "group": child_day.child["group_name"],
        "day": result.day.isoformat(),
        "status": result.status,
        "day_off": result.day_off,
        "minutes": result.minutes,
        "visits": [{"arrival": event(v.arrival), "departure": event(v.departure)} for v in result.visits],
        "flags": {
            "missing_departure": len(flags.missing_departure),
            "missing_arrival": len(flags.missing_arrival),
            "unconfirmed_taps": [str(tap.id) for tap in flags.unconfirmed_taps],
            "closed_day_taps": [str(tap) for tap in flags.closed_day_taps],
            "outside_hours_taps": [str(tap) for tap in flags.outside_hours_taps],
            "redundant_taps": [str(tap) for tap in flags.redundant_taps],
            "rejected_corrections": [o.correction_id for o in flags.rejected_corrections],
        },
        "taps": [{"tap": str(o.tap), "outcome": o.outcome} for o in result.tap_outcomes],
        "corrections": [
            {"id": o.correction_id, "state": o.state, "detail": o.detail} for o in result.correction_outcomes
        ],
    }


def inconsistency_as_dict(item: Inconsistency) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "child_id": item.child_id,
        "day": item.day.isoformat(),
        "detail": item.detail,
        "taps": [str(tap) for tap in item.taps],
        "correction_id": item.correction_id,
        "card_uid": item.card_uid,
    }
