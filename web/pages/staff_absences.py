"""`/staff-absences`: the staff's absences (sick leave, leave, training), entered by the
director or the secretary (`staff_absences.manage`); each ended early or cancelled with a
reason, never deleted. A teacher's term of reply to parents runs from their return
(`hub.rules.reply_term`), so an absence entered here moves the terms at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.store import staff_absences
from web.auth import actor, require
from web.deps import Clock, Db, SiteSettings, Templates
from web.errors import Refused
from web.forms import FormError, FormFields, chosen_id, optional_date, required_date
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

SAVED = {
    "added": N_("The absence was entered."),
    "ended": N_("The absence was ended early."),
    "cancelled": N_("The absence was cancelled; it stays in the list."),
}

router = APIRouter(
    prefix="/staff-absences",
    include_in_schema=False,
    dependencies=[Depends(require("staff_absences.manage"))],
)


def page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    today: date,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    show_all = request.query_params.get("show") == "all"
    saved = SAVED.get(request.query_params.get("saved", ""))
    listed = staff_absences.list_absences(db, since=None if show_all else today)
    failed = extra.get("failed")
    on_page = {"new"} | {f"{form}-{row['id']}" for row in listed for form in ("end", "cancel")}
    context = {
        "absences": listed,
        "query": "?show=all" if show_all else "",
        "top_error": extra.get("error") if failed and failed not in on_page else None,
        "show_all": show_all,
        "today": today,
        "kinds": staff_absences.KINDS,
        "kind_options": [("", "—")] + [(kind, _(words)) for kind, words in staff_absences.KINDS.items()],
        "staff_options": [(person["id"], person["name"]) for person in staff_absences.staff(db)],
        "values": {"first": today.isoformat()},
        "failed": None,
        "error": None,
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        **extra,
    }
    return templates.TemplateResponse(request, "staff_absences.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def absence_list(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock
) -> HTMLResponse:
    return page(request, db, settings, templates, clock().astimezone(settings.tz).date())


@router.post("", response_class=HTMLResponse)
def add(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, fields: FormFields
) -> Response:
    now = clock()
    try:
        account_id = chosen_id(fields.get("account_id"), "account_id", N_("Choose a member of staff."))
        first = required_date(fields.get("first"), "first")
        last = optional_date(fields.get("last"), "last") or first
        if last < first:
            raise FormError(N_("The last day is before the first."), "last")
        staff_absences.add_absence(
            db,
            account_id=account_id,
            first=first,
            last=last,
            kind=fields.get("kind", ""),
            note=fields.get("note", ""),
            author=actor(request),
            now=now,
        )
    except (FormError, Refusal) as exc:
        today = now.astimezone(settings.tz).date()
        return page(request, db, settings, templates, today, 422, values=fields, failed="new", error=exc)
    return RedirectResponse("/staff-absences?saved=added", status_code=303)


@router.post("/{staff_absence_id}/end", response_class=HTMLResponse)
def end_early(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    staff_absence_id: RowId,
) -> Response:
    _found(db, staff_absence_id)
    now = clock()
    try:
        last = required_date(fields.get("last"), "last")
        staff_absences.end_early(
            db, staff_absence_id, last=last, reason=fields.get("reason", ""), author=actor(request), now=now
        )
    except (FormError, Refusal) as exc:
        today = now.astimezone(settings.tz).date()
        return page(
            request,
            db,
            settings,
            templates,
            today,
            422,
            values=fields,
            failed=f"end-{staff_absence_id}",
            error=exc,
        )
    return _back(request, "ended")


@router.post("/{staff_absence_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    staff_absence_id: RowId,
) -> Response:
    _found(db, staff_absence_id)
    now = clock()
    try:
        staff_absences.cancel(
            db, staff_absence_id, reason=fields.get("reason", ""), author=actor(request), now=now
        )
    except Refusal as exc:
        today = now.astimezone(settings.tz).date()
        return page(
            request,
            db,
            settings,
            templates,
            today,
            422,
            values=fields,
            failed=f"cancel-{staff_absence_id}",
            error=exc,
        )
    return _back(request, "cancelled")


def _back(request: Request, saved: str) -> RedirectResponse:
    """To the list as it was shown (past absences too, if they were), with what was done."""
    shown = "&show=all" if request.query_params.get("show") == "all" else ""
    return RedirectResponse(f"/staff-absences?saved={saved}{shown}", status_code=303)


def _found(db: Database, absence_id: int) -> None:
    try:
        staff_absences.get_absence(db, absence_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
