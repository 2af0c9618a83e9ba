"""`/groups/{group}/days/{date}`: one group's day — arrivals and departures, what to resolve, corrections,
and the day's topics (zapisy dnia).

Every change goes through the hub (`hub.corrections`, `hub.day_topics`), each with a
reason or an author, and never alters a tap. A refused form comes back with what was
typed and why (HTTP 422). The page's values are built here (`group_day`), so the template
only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub import corrections, day_topics, days, registry, site_settings
from hub.attendance import Correction, Event, Inconsistency, TapId, local_instant
from hub.attendance.calendar import day_off_reason
from hub.config import Settings
from hub.db import stored_integer
from hub.registry import RegistryError
from hub.rights import Account
from web.auth import actor, allowed, check, require_all
from web.deps import Cache, Db, SiteSettings, Templates, today
from web.forms import FormError, FormFields, clock, required_text
from web.fresh_cache import FreshCache
from web.i18n import N_, _
from web.pages.journal_views import DAYS_OFF, day_path, local_time
from web.params import Day, RowId
from web.templating import Flash

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


router = APIRouter(include_in_schema=False)


def computed(
    db: Database, settings: Settings, cache: FreshCache, group_id: int, day: date
) -> tuple[list[ChildRow], list[Inconsistency]]:
    """The group's day and what to resolve in it, once per change of the database."""
    return cache.get(
        ("group-day", group_id, day),
        lambda: (
            [
                child_row(child_day, settings)
                for child_day in days.compute_days(db, settings, day, group_id=group_id)
            ],
            days.inconsistencies(db, settings, day, day, group_id=group_id),
        ),
    )


def rows_of(db: Database, settings: Settings, cache: FreshCache, group_id: int, day: date) -> list[ChildRow]:
    return computed(db, settings, cache, group_id, day)[0]


def page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    cache: FreshCache,
    group_id: int,
    day: date,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    check(request, "attendance.view", group_id=group_id)
    group = _group(db, group_id)
    rows, items = computed(db, settings, cache, group_id, day)
    children = {row.child["id"]: row.child for row in rows}
    saved = SAVED.get(request.query_params.get("saved", ""))
    chosen = request.query_params.get("fix")
    context = {
        "here": day_path(group_id, day),
        "group": group,
        "day": day,
        "today": today(settings),
        "day_off": _day_off(db, settings, day),
        "rows": rows,
        "fixes": [fix_for(item, children) for item in items],
        "topics": [
            {**topic, "written": local_time(topic["created_at"], settings)}
            for topic in day_topics.list_topics(db, group_id, day, day, with_history=True)
        ],
        "group_options": [(each["id"], each["name"]) for each in registry.list_groups(db)],
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "correction_states": CORRECTION_STATES,
        "kinds": [(kind, _(label)) for kind, label in KINDS.items()],
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        "may_correct": allowed(request, "attendance.correct", group_id=group_id),
        "can_edit": day <= today(settings) and allowed(request, "attendance.correct", group_id=group_id),
        "can_print": allowed(request, "reports.attendance"),
        "can_read_topics": allowed(request, "topics.view", group_id=group_id),
        "can_write_topics": allowed(request, "topics.write", group_id=group_id),
        "failed": stored_integer(chosen) if chosen else None,
        "values": {key: request.query_params.get(key, "") for key in ("kind", "target")},
        "error": None,
        "revoke_failed": None,
        "revoke_child": None,
        "revoke_error": None,
        "topic_failed": None,
        "topic_values": {},
        "topic_error": None,
        **extra,
    }
    return templates.TemplateResponse(request, "group_day.html", context, status_code=status)


def back(group_id: int, day: date, saved: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"{day_path(group_id, day)}?saved={saved}#{anchor}", status_code=303)


@router.get("/days", response_class=HTMLResponse)
def choose(
    db: Db,
    settings: SiteSettings,
    user: Annotated[Account, Depends(require_all("attendance.view"))],
    group: RowId | None = None,
    day: Annotated[Day | None, Query(alias="date")] = None,
) -> Response:
    """The group-and-date form's target: the group's day, by default a teacher's own
    group (else the first group) today."""
    groups = [each["id"] for each in registry.list_groups(db)]
    if group is None and not groups:
        raise HTTPException(404, _("There are no groups yet."))
    chosen = group if group is not None else min(user.groups & set(groups), default=groups[0])
    return RedirectResponse(day_path(chosen, day or today(settings)), status_code=303)


@router.get("/groups/{group_id}/days/{day}", response_class=HTMLResponse)
def group_day(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    cache: Cache,
    group_id: RowId,
    day: Day,
) -> HTMLResponse:
    return page(request, db, settings, templates, cache, group_id, day)


@router.post("/groups/{group_id}/days/{day}/corrections", response_class=HTMLResponse)
def correct(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    cache: Cache,
    fields: FormFields,
    group_id: RowId,
    day: Day,
) -> Response:
    check(request, "attendance.correct", group_id=group_id)
    _group(db, group_id)
    try:
        corrections.refuse_days_ahead(day, today(settings))  # the page offers no form for days ahead
    except RegistryError as exc:
        raise HTTPException(422, _("A day is corrected once it has begun, not ahead.")) from exc
    rows = {row.child["id"]: row for row in rows_of(db, settings, cache, group_id, day)}
    child_id = stored_integer(fields.get("child_id", ""))
    if child_id not in rows:
        raise HTTPException(422, _("This child does not attend this group on that day."))
    try:
        correction = _correction(fields, rows[child_id], day, settings)
        corrections.add_correction(db, child_id=child_id, day=day, author=actor(request), **correction)
    except (FormError, RegistryError) as exc:
        return page(
            request,
            db,
            settings,
            templates,
            cache,
            group_id,
            day,
            422,
            failed=child_id,
            values=fields,
            error=exc,
        )
    return back(group_id, day, "correction", f"child-{child_id}")


@router.post("/groups/{group_id}/days/{day}/corrections/{correction_id}/revoke", response_class=HTMLResponse)
def revoke(
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    cache: Cache,
    request: Request,
    fields: FormFields,
    group_id: RowId,
    day: Day,
    correction_id: RowId,
) -> Response:
    check(request, "attendance.correct", group_id=group_id)
    _group(db, group_id)
    try:
        found = corrections.get_correction(db, correction_id)
    except RegistryError as exc:
        raise HTTPException(404, str(exc)) from exc
    if found["day"] != day.isoformat() or registry.get_child(db, found["child_id"])["group_id"] != group_id:
        raise HTTPException(404, _("This correction is not about this group's day."))
    try:
        reason = required_text(fields.get("reason"), "reason")
        corrections.revoke_correction(db, correction_id, author=actor(request), reason=reason)
    except (FormError, RegistryError) as exc:
        return page(
            request,
            db,
            settings,
            templates,
            cache,
            group_id,
            day,
            422,
            revoke_failed=correction_id,
            revoke_child=found["child_id"],
            revoke_error=exc,
            values=fields,
        )
    return back(group_id, day, "revoked", f"child-{found['child_id']}")


@router.post("/groups/{group_id}/days/{day}/topics", response_class=HTMLResponse)
def add_topic(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    cache: Cache,
    fields: FormFields,
    group_id: RowId,
    day: Day,
) -> Response:
    check(request, "topics.write", group_id=group_id)
    _group(db, group_id)
    if day > today(settings):  # the page offers no form for days ahead
        raise HTTPException(422, _("Topics are written for today or earlier days, not ahead."))
    replaces = fields.get("replaces", "")
    try:
        day_topics.add_topic(
            db,
            group_id=group_id,
            day=day,
            topic=required_text(fields.get("topic"), "topic"),
            author=actor(request),
            substitution=fields.get("substitution") == "yes",
            substitute_for=fields.get("substitute_for", ""),
            today=today(settings),
            replaces=stored_integer(replaces),
        )
    except (FormError, RegistryError) as exc:
        failed = stored_integer(replaces) or "new"
        return page(
            request,
            db,
            settings,
            templates,
            cache,
            group_id,
            day,
            422,
            topic_failed=failed,
            topic_values=fields,
            topic_error=exc,
        )
    return back(group_id, day, "topic", "topics")


def _group(db: Database, group_id: int) -> dict[str, Any]:
    try:
        return registry.get_group(db, group_id)
    except RegistryError as exc:
        raise HTTPException(404, str(exc)) from exc


def _correction(fields: dict[str, str], row: ChildRow, day: date, settings: Settings) -> dict[str, Any]:
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


def _day_off(db: Database, settings: Settings, day: date) -> str | None:
    reason = day_off_reason(day, site_settings.rules_for(db, settings).closed_days)
    return _(DAYS_OFF[reason]) if reason in DAYS_OFF else reason
