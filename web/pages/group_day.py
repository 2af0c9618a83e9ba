"""`/groups/{group}/days/{date}`: one group's day — arrivals and departures, what to resolve, corrections,
and the day's topics (zapisy dnia).

Every change goes through the hub (`hub.corrections`, `hub.day_topics`), each with a
reason or an author, and never alters a tap. A refused form comes back with what was
typed and why (HTTP 422). The page's values are shaped in `group_day_views.py`, so the
template only lays them out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attendance import Inconsistency
from hub.rules.attendance.calendar import day_off_reason
from hub.services import days
from hub.store import corrections, day_topics, registry, site_settings
from hub.store.db import stored_integer
from web.auth import actor, allowed, check, require_all
from web.deps import Db, Events, Page, PageContext, SiteSettings, today
from web.errors import Refused
from web.forms import FormError, FormFields, required_text
from web.fresh_cache import FreshCache
from web.i18n import _
from web.pages.group_day_views import (
    CORRECTION_STATES,
    KINDS,
    SAVED,
    ChildRow,
    child_row,
    correction_arguments,
    fix_for,
)
from web.pages.journal_views import DAYS_OFF, day_path, local_time
from web.params import Day, RowId
from web.templating import Flash

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


def page(ctx: PageContext, group_id: int, day: date, status: int = 200, **extra: Any) -> HTMLResponse:
    request, db, settings, cache = ctx.request, ctx.db, ctx.settings, ctx.cache
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
    return ctx.templates.TemplateResponse(request, "group_day.html", context, status_code=status)


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
def group_day(ctx: Page, group_id: RowId, day: Day) -> HTMLResponse:
    return page(ctx, group_id, day)


@router.post("/groups/{group_id}/days/{day}/corrections", response_class=HTMLResponse)
def correct(ctx: Page, events: Events, fields: FormFields, group_id: RowId, day: Day) -> Response:
    request, db, settings, cache = ctx.request, ctx.db, ctx.settings, ctx.cache
    check(request, "attendance.correct", group_id=group_id)
    _group(db, group_id)
    try:
        corrections.refuse_days_ahead(day, today(settings))  # the page offers no form for days ahead
    except Refusal as exc:
        raise Refused(422, exc) from exc
    rows = {row.child["id"]: row for row in rows_of(db, settings, cache, group_id, day)}
    child_id = stored_integer(fields.get("child_id", ""))
    if child_id is None or child_id not in rows:
        raise HTTPException(422, _("This child does not attend this group on that day."))
    try:
        correction = correction_arguments(fields, rows[child_id], day, settings)
        corrections.add_correction(db, child_id=child_id, day=day, author=actor(request), **correction)
    except (FormError, Refusal) as exc:
        return page(
            ctx,
            group_id,
            day,
            422,
            failed=child_id,
            values=fields,
            error=exc,
        )
    events.publish({"type": "attendance", "group_id": group_id, "child_id": child_id})
    return back(group_id, day, "correction", f"child-{child_id}")


@router.post("/groups/{group_id}/days/{day}/corrections/{correction_id}/revoke", response_class=HTMLResponse)
def revoke(
    ctx: Page, events: Events, fields: FormFields, group_id: RowId, day: Day, correction_id: RowId
) -> Response:
    request, db = ctx.request, ctx.db
    check(request, "attendance.correct", group_id=group_id)
    _group(db, group_id)
    try:
        found = corrections.get_correction(db, correction_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
    if found["day"] != day.isoformat() or registry.get_child(db, found["child_id"])["group_id"] != group_id:
        raise HTTPException(404, _("This correction is not about this group's day."))
    try:
        reason = required_text(fields.get("reason"), "reason")
        corrections.revoke_correction(db, correction_id, author=actor(request), reason=reason)
    except (FormError, Refusal) as exc:
        return page(
            ctx,
            group_id,
            day,
            422,
            revoke_failed=correction_id,
            revoke_child=found["child_id"],
            revoke_error=exc,
            values=fields,
        )
    events.publish({"type": "attendance", "group_id": group_id, "child_id": found["child_id"]})
    return back(group_id, day, "revoked", f"child-{found['child_id']}")


@router.post("/groups/{group_id}/days/{day}/topics", response_class=HTMLResponse)
def add_topic(ctx: Page, fields: FormFields, group_id: RowId, day: Day) -> Response:
    request, db, settings = ctx.request, ctx.db, ctx.settings
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
    except (FormError, Refusal) as exc:
        failed = stored_integer(replaces) or "new"
        return page(
            ctx,
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
    except Refusal as exc:
        raise Refused(404, exc) from exc


def _day_off(db: Database, settings: Settings, day: date) -> str | None:
    reason = day_off_reason(day, site_settings.rules_for(db, settings).closed_days)
    return _(DAYS_OFF[reason]) if reason in DAYS_OFF else reason
