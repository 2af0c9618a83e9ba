"""`/parent`: a guardian's own children: today, the attendance history, reporting an absence,
and the data the kindergarten holds on the child with the accounts that can edit it.

A guardian sees only the children linked to their account; asking for any other child's
page is refused (403) and the refusal is logged like every other refused right.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts import accounts
from hub.accounts.rights import OWN_CHILDREN, Account, reach
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attendance import local_instant
from hub.rules.fees.meals import cutoff_instant
from hub.services import day_json, days
from hub.store import absences, cards, fee_settings, registry, site_settings
from hub.timefmt import from_db
from web.auth import allowed, check, require
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import FormError, FormFields, month, optional_date, required_date
from web.i18n import N_, _, month_name
from web.pages.admin import ROLE_NAMES
from web.params import RowId
from web.templating import Flash

SAVED = {
    "absence": N_("The absence was reported."),
    "withdrawn": N_("The absence was withdrawn: the meal is no longer cancelled."),
}
HISTORY_MONTHS = 12
"""How far back the month picker of the history goes."""


router = APIRouter(prefix="/parent", include_in_schema=False)


def child_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    child_id: int,
    shown: str | None,
    now: datetime,
    status: int = 200,
    **extra: Any,
):
    """The child's page as of `now` (the app's clock): today, the month shown, the absences."""
    child = registry.get_child(db, child_id)
    today = now.astimezone(settings.tz).date()
    year, number = month(shown, "month") if shown else (today.year, today.month)
    context = {
        "child": child,
        "today": today,
        "today_day": day_json.day_as_dict(
            days.compute_days(db, settings, today, child_id=child_id, now=now)[0], settings.tz
        ),
        "month": date(year, number, 1),
        "months_options": [(f"{first:%Y-%m}", month_name(first)) for first in _recent_months(today)],
        "history": month_history(db, settings, child, year, number, today),
        "absences": reported_absences(db, settings, child_id, now),
        "meals": fee_settings.load(db).meals,
        "from_teachers": allowed(request, "observations.addressed", child_id=child_id),
        "values": {},
        "error": None,
        "flashes": [Flash(_(SAVED[saved]), "ok")]
        if (saved := request.query_params.get("saved", "")) in SAVED
        else [],
        **extra,
    }
    return templates.TemplateResponse(request, "parent_child.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def my_children(
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    request: Request,
    user: Annotated[Account, Depends(require("attendance.view"))],
) -> Response:
    """A guardian's start: with one child, that child's page (today first); with several,
    one card per child with today's arrival, who brought them and the departure."""
    own = sorted(user.children) if reach(user, "attendance.view") == OWN_CHILDREN else []
    if len(own) == 1:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/parent/children/{own[0]}{query}", status_code=303)
    now = clock()
    today = now.astimezone(settings.tz).date()
    mine = [
        {
            **registry.get_child(db, child_id),
            "today_day": day_json.day_as_dict(
                days.compute_days(db, settings, today, child_id=child_id, now=now)[0], settings.tz
            ),
        }
        for child_id in own
    ]
    return templates.TemplateResponse(request, "parent_index.html", {"children": mine, "today": today})


@router.get("/children/{child_id}", response_class=HTMLResponse)
def child(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, child_id: RowId
) -> Response:
    check(request, "attendance.view", child_id=child_id)  # another family's child: 403, logged
    now = clock()
    try:
        return child_page(request, db, settings, templates, child_id, request.query_params.get("month"), now)
    except FormError:
        return child_page(request, db, settings, templates, child_id, None, now)


@router.post("/children/{child_id}/absences", response_class=HTMLResponse)
def report_absence(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    child_id: RowId,
) -> Response:
    user = check(request, "absences.report", child_id=child_id)
    now = clock()
    try:
        first = required_date(fields.get("first"), "first")
        last = optional_date(fields.get("last"), "last") or first
        if first < now.astimezone(settings.tz).date():
            raise FormError(N_("An absence is reported ahead: the first day cannot be in the past."), "first")
        if last < first:
            raise FormError(N_("The last day is before the first."), "last")
        absences.report_absence(
            db,
            child_id=child_id,
            first=first,
            last=last,
            reported_by=user.login,
            reason=fields.get("reason", ""),
            now=now,
        )
    except (FormError, Refusal) as exc:
        return child_page(
            request, db, settings, templates, child_id, None, now, 422, values=fields, error=exc
        )
    return RedirectResponse(f"/parent/children/{child_id}?saved=absence#absences", status_code=303)


@router.post("/children/{child_id}/absences/{absence_id}/withdraw", response_class=HTMLResponse)
def withdraw_absence(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    child_id: RowId,
    absence_id: RowId,
) -> Response:
    """The child comes after all: the guardian (or the staff who may report it) withdraws
    the absence until its day starts."""
    user = check(request, "absences.report", child_id=child_id)
    try:
        absence = absences.get_absence(db, absence_id)
    except Refusal as exc:
        raise HTTPException(404, str(exc)) from exc
    if absence["child_id"] != child_id:
        raise HTTPException(404, "no such absence of this child")
    now = clock()
    try:
        absences.withdraw_absence(db, absence_id, withdrawn_by=user.login, tz=settings.tz, now=now)
    except Refusal as exc:
        return child_page(request, db, settings, templates, child_id, None, now, 422, error=exc)
    return RedirectResponse(f"/parent/children/{child_id}?saved=withdrawn#absences", status_code=303)


@router.get("/children/{child_id}/data", response_class=HTMLResponse)
def held_data(request: Request, db: Db, templates: Templates, child_id: RowId) -> HTMLResponse:
    check(request, "registry.view", child_id=child_id)
    context = {
        "child": registry.get_child(db, child_id),
        "guardians": registry.guardians_of(db, child_id),
        "cards": cards.list_cards(db, child_id=child_id, include_revoked=True),
        "editors": accounts.editors_of_child(db, child_id),
        "role_names": ROLE_NAMES,
    }
    return templates.TemplateResponse(request, "parent_data.html", context)


def month_history(
    db: Database, settings: Settings, child: dict[str, Any], year: int, number: int, today: date
) -> list[dict[str, Any]]:
    """The child's days of the month up to today, newest first, as `days.day_as_dict` gives them."""
    first = max(date(year, number, 1), date.fromisoformat(child["active_from"]))
    last = min(date(year, number, calendar.monthrange(year, number)[1]), today)
    if last < first:
        return []
    found = []
    for _day, [child_day] in days.compute_range(db, settings, first, last, [child], attending_only=False):
        found.append(day_json.day_as_dict(child_day, settings.tz))
    return list(reversed(found))


def reported_absences(db: Database, settings: Settings, child_id: int, now: datetime) -> list[dict[str, Any]]:
    """Absences from a week ago on, each with whether it came before the meal cut-off and
    whether it may still be withdrawn (its day has not started at `now`)."""
    meals = fee_settings.load(db).meals
    opening = time.fromisoformat(site_settings.get_all(db)["opening"])
    today = now.astimezone(settings.tz).date()
    rows = absences.list_absences(db, child_id=child_id, first=today - timedelta(days=7))
    for row in rows:
        day = date.fromisoformat(row["day"])
        row["meal_cancelled"] = from_db(row["reported_at"]) < cutoff_instant(day, meals, settings.tz)
        row["withdrawable"] = now < local_instant(day, opening, settings.tz)
    return rows


def _recent_months(today: date) -> list[date]:
    found, current = [], today.replace(day=1)
    for _month in range(HISTORY_MONTHS):
        found.append(current)
        current = (current - timedelta(days=1)).replace(day=1)
    return found
