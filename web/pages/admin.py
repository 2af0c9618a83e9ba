"""`/admin`: the administrator's accounts (create, unblock with a one-time password, block,
an inspector's expiry and rights, a teacher's groups) and the director's login statistics.

A one-time password is shown once, on the page that made it, to be handed over in person
(the procedures forbid giving passwords by telephone); the audit log records that it was
issued, never the password.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts import accounts, logins
from hub.accounts.rights import READ_RIGHTS, RIGHTS, ROLES, Account
from hub.refusal import Refusal
from hub.store import registry
from hub.timefmt import from_db, local_day_bounds
from web.auth import actor, allowed, require
from web.deps import Db, SiteSettings, Templates
from web.forms import Form, FormError, FormFields, chosen_ids, optional_date
from web.i18n import N_, _
from web.params import RowId

ROLE_NAMES = {
    "admin": N_("administrator"),
    "director": N_("director"),
    "teacher": N_("teacher"),
    "secretary": N_("secretary"),
    "parent": N_("parent or legal guardian"),
    "inspector": N_("inspector (read only)"),
    "kiosk": N_("kiosk at the entrance (guardians' PINs only)"),
}
RIGHT_NAMES = {
    "live.view": N_("Live taps and readers"),
    "presence.view": N_("Who is in the building now"),
    "attendance.view": N_("Arrivals, departures and the inconsistency log"),
    "topics.view": N_("Topics of the day"),
    "registry.view": N_("Children's data, groups and guardians"),
    "reports.attendance": N_("Attendance printouts"),
    "reports.fees": N_("Fee and meal printouts"),
    "settings.view": N_("Settings"),
    "users.view": N_("List of accounts"),
    "logins.stats": N_("Login statistics"),
    "audit.view": N_("Audit log"),
    "announcements.view": N_("Announcements"),
    "calendar.view": N_("Calendar"),
    "plans.view": N_("Work plans"),
    "observations.view": N_("Register of observations"),
    "readiness.view": N_("School-readiness information"),
}
"""The rights an inspector can be granted, as the account form names them."""
STATS_DEFAULT_DAYS = 30
Viewer = Annotated[Account, Depends(require("users.view"))]
Manager = Annotated[Account, Depends(require("users.manage"))]
Statistician = Annotated[Account, Depends(require("logins.stats"))]
assert set(ROLE_NAMES) == set(ROLES) and set(RIGHT_NAMES) == READ_RIGHTS <= set(RIGHTS)


router = APIRouter(prefix="/admin", include_in_schema=False)


def users_page(
    request: Request, db: Database, templates: Jinja2Templates, *, status: int = 200, **extra: Any
) -> Response:
    values = extra.get("values", {})
    role = str(values.get("role") or request.query_params.get("role", ""))
    query = request.query_params.get("q", "").strip()[:80]
    form = extra.pop("form", None)
    context = {
        "users": accounts.list_users(db),
        "groups": {group["id"]: group["name"] for group in registry.list_groups(db)},
        "children": children_named(registry.list_children(db), query),
        "role": role if role in ROLE_NAMES else "",
        "query": query,
        "chosen": {
            key: {str(value) for value in form.getlist(key)} if form is not None else set()
            for key in ("groups", "children", "granted")
        },
        "role_names": ROLE_NAMES,
        "right_names": RIGHT_NAMES,
        "may_manage": allowed(request, "users.manage"),
        "values": {},
        "error": None,
        "issued": None,
        **extra,
    }
    return templates.TemplateResponse(request, "admin_users.html", context, status_code=status)


def user_page(
    request: Request,
    db: Database,
    templates: Jinja2Templates,
    user_id: int,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    try:
        user = accounts.get_user(db, user_id)
    except Refusal as exc:
        raise HTTPException(404, _("There is no such account.")) from exc
    context = {
        "user": user,
        "groups": registry.list_groups(db),
        "children": [registry.get_child(db, child_id) for child_id in user["children"]],
        "role_names": ROLE_NAMES,
        "right_names": RIGHT_NAMES,
        "may_manage": allowed(request, "users.manage"),
        "may_erase": allowed(request, "registry.erase"),
        "error": None,
        "issued": None,
        "saved": "saved" in request.query_params,
        **extra,
    }
    return templates.TemplateResponse(request, "admin_user.html", context, status_code=status)


def children_named(children: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The children whose first or last name contains `text`, any case and with or without
    Polish letters ("lucja" finds Łucja); all of them for no text."""
    wanted = _folded(text)
    return [child for child in children if wanted in _folded(f"{child['first_name']} {child['last_name']}")]


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, db: Db, templates: Templates, _user: Viewer) -> Response:
    return users_page(request, db, templates)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    db: Db,
    templates: Templates,
    form: Form,
    fields: FormFields,
    _user: Manager,
) -> Response:
    try:
        created, one_time = accounts.add_user(
            db,
            email=fields.get("email", ""),
            name=fields.get("name", ""),
            role=fields.get("role", ""),
            title=fields.get("title", ""),
            groups=chosen_ids(form, "groups"),
            children=chosen_ids(form, "children"),
            expires_on=optional_date(fields.get("expires_on"), "expires_on"),
            granted=[str(r) for r in form.getlist("granted")] or None,
            author=actor(request),
        )
    except (FormError, Refusal) as exc:
        return users_page(request, db, templates, status=422, values=fields, form=form, error=exc)
    return users_page(request, db, templates, issued={"user": created, "password": one_time})


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user(request: Request, db: Db, templates: Templates, user_id: RowId, _user: Viewer) -> Response:
    return user_page(request, db, templates, user_id)


@router.post("/users/{user_id}", response_class=HTMLResponse)
def change_user(
    db: Db,
    templates: Templates,
    request: Request,
    form: Form,
    fields: FormFields,
    user_id: RowId,
    _user: Manager,
) -> Response:
    if not _exists(db, user_id):
        raise HTTPException(404, _("There is no such account."))
    current = accounts.get_user(db, user_id)
    changes: dict[str, Any] = {"name": fields.get("name", ""), "title": fields.get("title", "")}
    try:
        changes["expires_on"] = optional_date(fields.get("expires_on"), "expires_on")
        if current["role"] == "teacher":
            changes["groups"] = chosen_ids(form, "groups")
        if current["role"] == "inspector":
            changes["granted"] = [str(r) for r in form.getlist("granted")]
        accounts.update_user(db, user_id, author=actor(request), **changes)
    except (FormError, Refusal) as exc:
        return user_page(request, db, templates, user_id, status=422, error=exc)
    return RedirectResponse(f"/admin/users/{user_id}?saved", status_code=303)


@router.post("/users/{user_id}/one-time-password", response_class=HTMLResponse)
def issue(request: Request, db: Db, templates: Templates, user_id: RowId, _user: Manager) -> Response:
    if not _exists(db, user_id):
        raise HTTPException(404, _("There is no such account."))
    one_time = accounts.issue_one_time_password(db, user_id, author=actor(request))
    return user_page(request, db, templates, user_id, issued=one_time)


@router.post("/users/{user_id}/block", response_class=HTMLResponse)
def block(request: Request, db: Db, user_id: RowId, _user: Manager) -> Response:
    if not _exists(db, user_id):
        raise HTTPException(404, _("There is no such account."))
    accounts.block(db, user_id, author=actor(request))
    return RedirectResponse(f"/admin/users/{user_id}?saved", status_code=303)


@router.get("/logins", response_class=HTMLResponse)
def login_statistics(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, _user: Statistician
) -> Response:
    today = datetime.now(settings.tz).date()
    try:
        last = optional_date(request.query_params.get("to"), "to") or today
        first = optional_date(request.query_params.get("from"), "from") or last - timedelta(
            days=STATS_DEFAULT_DAYS - 1
        )
    except FormError:
        first, last = today - timedelta(days=STATS_DEFAULT_DAYS - 1), today
    start, end = local_day_bounds(min(first, last), max(first, last), settings.tz)
    stats = logins.statistics(db, from_db(start), from_db(end))
    return templates.TemplateResponse(
        request,
        "admin_logins.html",
        {"stats": stats, "first": min(first, last), "last": max(first, last), "role_names": ROLE_NAMES},
    )


def _exists(db: Database, user_id: int) -> bool:
    return bool(db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone())
