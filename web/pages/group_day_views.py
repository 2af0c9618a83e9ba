"""The group day's values, shaped for its template: each child's row (visits, what a
correction may target, flags), where each inconsistency is fixed, and the correction form
read into `hub.corrections.add_correction`'s arguments. No route lives here
(`group_day.py` has them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.config import Settings
from hub.rules.attendance import Correction, Event, Inconsistency, TapId, local_instant
from hub.services import days
from hub.store import corrections
from web.forms import FormError, clock, required_text
from web.i18n import N_, _

KINDS = {
    "add_arrival": N_("Add an arrival"),
    "add_departure": N_("Add a departure"),
    "move": N_("Move an arrival or a departure"),
    "cancel": N_("Cancel an arrival, a departure or a tap"),
    "mark_absent": N_("Mark the whole day absent"),
    "mark_present": N_("Mark the whole day present"),
}
TIMED_KINDS = ("add_arrival", "add_departure", "move")
TARGETED_KINDS = ("move", "cancel")
STATUSES = {"present": N_("present"), "absent": N_("absent"), "no_data": N_("no taps")}
CORRECTION_STATES = {
    "applied": N_("applied"),
    "superseded": N_("superseded by a later one"),
    "revoked": N_("revoked"),
    "rejected": N_("not applied"),
}
SAVED = {
    "correction": N_("The correction was saved."),
    "revoked": N_("The correction was revoked."),
    "topic": N_("The topic of the day was saved."),
}


@dataclass(frozen=True)
class Fix:
    """Where an item of the inconsistency log is resolved: the correction form of a child
    with `kind` (and `target`) chosen, or another page (`href`)."""

    label: str
    child: dict[str, Any] | None
    kind: str | None = None
    target: str | None = None
    href: str | None = None


@dataclass
class ChildRow:
    child: dict[str, Any]
    status: str
    visits: list[dict[str, Any]]
    targets: list[tuple[str, str]]
    """The correction form's choices of what to move, cancel or confirm: (value, label)."""
    confirmable: set[str]
    """Those of `targets` that are unknown-time taps (the only targets an add may name)."""
    corrections: list[dict[str, Any]]
    flags: list[str] = field(default_factory=list)


def target_value(event: Event) -> str:
    """How a form names an event: by the correction that added it, else by its tap."""
    if event.added_by:
        return f"correction:{event.added_by}"
    return f"tap:{event.tap}"


def _event_view(event: Event | None, tz: Any) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "clock": event.at.astimezone(tz).strftime("%H:%M"),
        "holder": event.card_holder,
        "number": event.card_number,
        "corrected": event.source == "correction",
        "original": event.original_at.astimezone(tz).strftime("%H:%M") if event.original_at else None,
    }


def _correction_view(correction: Correction, outcome: Any, tz: Any) -> dict[str, Any]:
    target = correction.target
    return {
        "id": correction.id,
        "kind": KINDS[correction.kind],
        "clock": correction.at.astimezone(tz).strftime("%H:%M") if correction.at else None,
        "target": (f"{target}" if isinstance(target, TapId) else f"#{target}") if target else None,
        "reason": correction.reason,
        "author": correction.author,
        "made": correction.created_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
        "state": outcome.state if outcome else "applied",
        "detail": outcome.detail if outcome and outcome.state == "rejected" else None,
        "revoked": correction.revoked,
        "revoked_by": correction.revoked_by,
        "revoke_reason": correction.revoke_reason,
    }


def child_row(child_day: days.ChildDay, settings: Settings) -> ChildRow:
    tz = settings.tz
    result = child_day.result
    targets: list[tuple[str, str]] = []
    for event in result.events:
        word = _("arrival") if event.kind == "arrival" else _("departure")
        targets.append((target_value(event), f"{word} {event.at.astimezone(tz):%H:%M}"))
    confirmable = {f"tap:{tap.id}" for tap in result.flags.unconfirmed_taps}
    for tap in result.flags.unconfirmed_taps:
        targets.append((f"tap:{tap.id}", _("tap with an unknown time (%(tap)s)") % {"tap": tap.id}))
    outcomes = {outcome.correction_id: outcome for outcome in result.correction_outcomes}
    flags = result.flags
    shown_flags = [
        text
        for present, text in (
            (flags.missing_departure, N_("no departure")),
            (flags.missing_arrival, N_("no arrival")),
            (flags.unconfirmed_taps, N_("taps with an unknown time")),
            (flags.closed_day_taps, N_("taps on a day off")),
            (flags.outside_hours_taps, N_("taps outside opening hours")),
            (flags.redundant_taps, N_("repeated taps")),
            (flags.rejected_corrections, N_("a correction was not applied")),
        )
        if present
    ]
    return ChildRow(
        child=child_day.child,
        status=STATUSES[result.status],
        visits=[
            {"arrival": _event_view(visit.arrival, tz), "departure": _event_view(visit.departure, tz)}
            for visit in result.visits
        ],
        targets=targets,
        confirmable=confirmable,
        corrections=[
            _correction_view(correction, outcomes.get(correction.id), tz) for correction in result.corrections
        ],
        flags=shown_flags,
    )


def fix_for(item: Inconsistency, children: dict[int, dict[str, Any]]) -> Fix:
    """The inconsistency log's item with the way to resolve it on this page."""
    child = children.get(item.child_id) if item.child_id is not None else None
    tap = f"tap:{item.taps[0]}" if item.taps else None
    correction = f"#correction-{item.correction_id}"
    if item.kind == "missing_departure":
        return Fix(N_("No departure recorded"), child, "add_departure")
    if item.kind == "missing_arrival":
        return Fix(N_("No arrival recorded"), child, "add_arrival")
    if item.kind == "unconfirmed_tap":
        return Fix(N_("A tap with an unknown time: confirm it or dismiss it"), child, "add_arrival", tap)
    if item.kind == "closed_day_tap":
        return Fix(N_("Taps on a day off: cancel them or leave them"), child, "cancel", tap)
    if item.kind == "inactive_child_tap":
        return Fix(N_("Taps while the child is not registered"), child, href=f"/children/{item.child_id}")
    if item.kind == "rejected_correction":
        return Fix(N_("A correction could not be applied: revoke it"), child, href=correction)
    if item.kind == "correction_after_close":
        return Fix(N_("Changed after the month was closed (billed next month)"), child, href=correction)
    return Fix(N_("A card assigned to nobody"), None, href="/cards")


def parse_target(value: str, row: ChildRow, kind: str) -> tuple[TapId | None, int | None]:
    """The form's target (one of the row's own, so no other child's tap can be named)."""
    if not value:
        if kind in TARGETED_KINDS:
            raise FormError(N_("Choose what to move or cancel."), "target")
        return None, None
    if kind.startswith("mark_"):
        raise FormError(N_("A whole-day mark takes no target; leave it empty."), "target")
    if value not in dict(row.targets):
        raise FormError(N_("Choose one of the options."), "target")
    if kind in ("add_arrival", "add_departure") and value not in row.confirmable:
        raise FormError(
            N_("An added arrival or departure can only confirm a tap with an unknown time."), "target"
        )
    what, _sep, name = value.partition(":")
    if what == "tap":
        return corrections.parse_tap_id(name), None
    return None, int(name)


def correction_arguments(
    fields: dict[str, str], row: ChildRow, day: date, settings: Settings
) -> dict[str, Any]:
    """The correction form as `corrections.add_correction` arguments, each field checked so the
    teacher learns which one to fix."""
    kind = fields.get("kind", "")
    if kind not in KINDS:
        raise FormError(N_("Choose what to correct."), "kind")
    at = None
    if kind in TIMED_KINDS:
        at = local_instant(day, clock(fields.get("time"), "time"), settings.tz)
    elif fields.get("time"):
        raise FormError(N_("This correction takes no time; leave it empty."), "time")
    target_tap, target_correction = parse_target(fields.get("target", ""), row, kind)
    return {
        "kind": kind,
        "reason": required_text(fields.get("reason"), "reason"),
        "at": at,
        "target_tap": target_tap,
        "target_correction": target_correction,
    }
