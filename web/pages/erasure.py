"""Erasing a person past retention (RODO art. 17), the administrator's page for each kind:
`/registry/children/{id}/erase`, `/registry/guardians/{id}/erase`, `/admin/users/{id}/erase`.

The page says whether the person may be erased today (`hub.services.erasure.check`) and,
if so, asks to confirm with a box ticked; the erasure itself is `hub.services.erasure.erase`
(refused again if anything changed meanwhile). Only the administrator holds
`registry.erase`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts import accounts
from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.services import erasure
from hub.store import registry
from hub.store.erasure import Person
from web.auth import require
from web.deps import Clock, Db, SiteSettings, Templates
from web.errors import Refused
from web.forms import FormError, FormFields
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

Eraser = Annotated[Account, Depends(require("registry.erase"))]
ADDRESSES: dict[Person, str] = {
    "child": "/registry/children/{id}/erase",
    "guardian": "/registry/guardians/{id}/erase",
    "account": "/admin/users/{id}/erase",
}
BACK: dict[Person, str] = {
    "child": "/registry/children/{id}",
    "guardian": "/registry/guardians",
    "account": "/admin/users/{id}",
}
KINDS: dict[Person, str] = {"child": N_("Child"), "guardian": N_("Guardian"), "account": N_("Account")}
CONFIRM = N_("Tick the box to confirm the erasure.")

router = APIRouter(include_in_schema=False)


def _who(db: Database, person: Person, person_id: int) -> str:
    """The person's name as the administrator knows it (a 404 if there is no such person)."""
    try:
        if person == "child":
            child = registry.get_child(db, person_id)
            return f"{child['first_name']} {child['last_name']}"
        if person == "guardian":
            return str(registry.get_guardian(db, person_id)["name"])
        user = accounts.get_user(db, person_id)
        return f"{user['name']} <{user['email']}>"
    except Refusal as refusal:
        raise Refused(404, refusal) from refusal


def _page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Templates,
    person: Person,
    person_id: int,
    today: Any,
    *,
    error: Exception | None = None,
    status: int = 200,
) -> Response:
    who = _who(db, person, person_id)
    verdict, refusal = None, None
    try:
        verdict = erasure.check(db, settings, person, person_id, today)
    except Refusal as refused:
        refusal = refused
    flashes = [Flash(_("The data were erased."), "ok")] if "erased" in request.query_params else []
    context = {
        "kind": _(KINDS[person]),
        "person_id": person_id,
        "who": who,
        "verdict": verdict,
        "refusal": refusal,
        "error": error,
        "action": ADDRESSES[person].format(id=person_id),
        "back": BACK[person].format(id=person_id),
        "flashes": flashes,
    }
    return templates.TemplateResponse(request, "erase.html", context, status_code=status)


def _erase(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    user: Account,
    person: Person,
    person_id: int,
) -> Response:
    now = clock()
    today = now.astimezone(settings.tz).date()
    _who(db, person, person_id)
    if fields.get("confirm") != "yes":
        error = FormError(CONFIRM, "confirm")
        return _page(request, db, settings, templates, person, person_id, today, error=error, status=422)
    try:
        erasure.erase(db, settings, person, person_id, now, actor=user.login)
    except Refusal as refusal:
        return _page(request, db, settings, templates, person, person_id, today, error=refusal, status=422)
    return RedirectResponse(f"{ADDRESSES[person].format(id=person_id)}?erased", status_code=303)


@router.get("/registry/children/{child_id}/erase", response_class=HTMLResponse)
def child_form(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, _user: Eraser,
    child_id: RowId,
) -> Response:  # fmt: skip
    today = clock().astimezone(settings.tz).date()
    return _page(request, db, settings, templates, "child", child_id, today)


@router.post("/registry/children/{child_id}/erase", response_class=HTMLResponse)
def erase_child(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, fields: FormFields,
    user: Eraser, child_id: RowId,
) -> Response:  # fmt: skip
    return _erase(request, db, settings, templates, clock, fields, user, "child", child_id)


@router.get("/registry/guardians/{guardian_id}/erase", response_class=HTMLResponse)
def guardian_form(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, _user: Eraser,
    guardian_id: RowId,
) -> Response:  # fmt: skip
    today = clock().astimezone(settings.tz).date()
    return _page(request, db, settings, templates, "guardian", guardian_id, today)


@router.post("/registry/guardians/{guardian_id}/erase", response_class=HTMLResponse)
def erase_guardian(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, fields: FormFields,
    user: Eraser, guardian_id: RowId,
) -> Response:  # fmt: skip
    return _erase(request, db, settings, templates, clock, fields, user, "guardian", guardian_id)


@router.get("/admin/users/{user_id}/erase", response_class=HTMLResponse)
def account_form(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, _user: Eraser,
    user_id: RowId,
) -> Response:  # fmt: skip
    today = clock().astimezone(settings.tz).date()
    return _page(request, db, settings, templates, "account", user_id, today)


@router.post("/admin/users/{user_id}/erase", response_class=HTMLResponse)
def erase_account(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, fields: FormFields,
    user: Eraser, user_id: RowId,
) -> Response:  # fmt: skip
    return _erase(request, db, settings, templates, clock, fields, user, "account", user_id)
