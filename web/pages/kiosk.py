"""`/kiosk`: the tablet at the entrance, for a child who forgot the card; and setting a
guardian's kiosk PIN (the secretary at `/kiosk/pins/{guardian}`, a guardian at `/account/pin`).

Under a kiosk account (a role that can do nothing else) a guardian types their phone number
and PIN, then taps "brought" or "collecting" beside one of their own children; the record
counts like a tap of that child with the guardian as holder (`hub.store.kiosk`) and tells
every open board and grid at once. The PIN's guessing limits are `hub.accounts.kiosk_pins`'.
Between the PIN and the choice the page holds a short-lived pass, never the PIN; untouched,
the page goes back to the empty PIN form by itself (`kiosk.js`): when the pass runs out,
and every few minutes on the PIN form (keeping the kiosk's session open and clearing
anything left typed).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hub.accounts import accounts, kiosk_pins
from hub.accounts.rights import Account
from hub.refusal import Refusal
from hub.services.notifications import DIRECTION_KIND, Attribution
from hub.store import kiosk, registry
from hub.store.db import stored_integer
from web.auth import actor, check, deny, require
from web.deps import Clock, Db, Events, SiteSettings, Templates
from web.errors import Refused
from web.forms import FormFields
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

Kiosk = Annotated[Account, Depends(require("kiosk.use"))]
IDLE_RELOAD_S = 240
"""The untouched PIN form opens itself again this often: the kiosk's session stays open
(its idle timeout is longer) and nothing typed and left stays on the screen."""
REFUSED_STATUS = {"kiosk.locked": 429, "kiosk.busy": 429}
RECORDED = {
    "in": N_("%(child)s: arrival recorded at %(time)s."),
    "out": N_("%(child)s: departure recorded at %(time)s."),
}

router = APIRouter(include_in_schema=False)


def pin_form(request: Request, templates: Jinja2Templates, error: Refusal | None = None) -> HTMLResponse:
    status = REFUSED_STATUS.get(error.code, 422) if error else 200
    return templates.TemplateResponse(
        request, "kiosk.html", {"error": error, "reload_s": IDLE_RELOAD_S}, status_code=status
    )


def choose_page(
    request: Request, templates: Jinja2Templates, opened: kiosk_pins.KioskPass, done: str | None = None
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "kiosk_choose.html",
        {
            "guardian": opened.guardian,
            "children": opened.children,
            "token": opened.token,
            "reload_s": kiosk_pins.PASS_SECONDS,
            "flashes": [Flash(done, "ok")] if done else [],
        },
    )


@router.get("/kiosk", response_class=HTMLResponse)
def pin_entry(request: Request, templates: Templates, _user: Kiosk) -> HTMLResponse:
    return pin_form(request, templates)


@router.post("/kiosk", response_class=HTMLResponse)
def enter_pin(
    request: Request, db: Db, templates: Templates, clock: Clock, fields: FormFields, user: Kiosk
) -> Response:
    try:
        opened = kiosk_pins.open_pass(
            db, kiosk_id=user.id, phone=fields.get("phone", ""), pin=fields.get("pin", ""), now=clock()
        )
    except Refusal as refused:
        return pin_form(request, templates, refused)
    return choose_page(request, templates, opened)


@router.post("/kiosk/record", response_class=HTMLResponse)
def record(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    events: Events,
    fields: FormFields,
    user: Kiosk,
) -> Response:
    token = fields.get("pass", "")
    child_id = stored_integer(fields.get("child_id", ""))
    direction = fields.get("direction", "")
    try:
        if child_id is None:
            raise Refusal("kiosk.not_own_child", N_("This child is not among the children of this guardian."))
        with db.atomic():  # the record and its notifications to the guardians, together
            row = kiosk_pins.record(
                db, kiosk_id=user.id, kiosk_login=user.login, token=token, child_id=child_id,
                direction=direction, now=clock(),
            )  # fmt: skip
            guardian = registry.get_guardian(db, row["guardian_id"])["name"]
            request.app.state.attendance_notices.record(
                db, row["child_id"], DIRECTION_KIND[direction], clock(), Attribution("kiosk", holder=guardian)
            )
        request.app.state.wake_sender()
        opened = kiosk_pins.use_pass(db, kiosk_id=user.id, token=token, now=clock())
    except Refusal as refused:
        if refused.code == "kiosk.pass_expired":
            return pin_form(request, templates, refused)
        raise HTTPException(422, _(refused.template) % refused.params) from refused
    child = registry.get_child(db, row["child_id"])
    events.publish({"type": "attendance", "group_id": child["group_id"], "child_id": child["id"]})
    clock_text = clock().astimezone(settings.tz).strftime("%H:%M")
    done = _(RECORDED[direction]) % {
        "child": f"{child['first_name']} {child['last_name']}",
        "time": clock_text,
    }
    return choose_page(request, templates, opened, done)


@router.post("/kiosk/done")
def done(db: Db, fields: FormFields, user: Kiosk) -> Response:
    """The guardian is done: the pass ends and the kiosk shows the PIN form again."""
    kiosk_pins.close_pass(db, kiosk_id=user.id, token=fields.get("pass", ""))
    return RedirectResponse("/kiosk", status_code=303)


@router.post("/kiosk/records/{record_id}/reviewed")
def reviewed(request: Request, db: Db, record_id: RowId) -> Response:
    """A teacher of the child's group (or the director) agrees with a kiosk record: it
    leaves the inconsistency log (a wrong one is corrected on the group's day first)."""
    try:
        found = kiosk.get_record(db, record_id)
    except Refusal as refused:
        raise HTTPException(404, _(refused.template) % refused.params) from refused
    check(request, "attendance.correct", child_id=found["child_id"])
    kiosk.mark_reviewed(db, record_id, author=actor(request))
    return RedirectResponse("/inconsistencies?reviewed", status_code=303)


# -- setting a PIN ---------------------------------------------------------------------------


def pin_page(
    request: Request,
    db: Any,
    templates: Jinja2Templates,
    guardian_id: int,
    action: str,
    *,
    error: Refusal | None = None,
    saved: bool = False,
) -> HTMLResponse:
    guardian = registry.get_guardian(db, guardian_id)
    context = {
        "guardian": guardian,
        "state": kiosk_pins.pin_state(db, guardian_id),
        "action": action,
        "error": error,
        "flashes": [Flash(_("The PIN was set."), "ok")] if saved else [],
    }
    return templates.TemplateResponse(request, "kiosk_pin.html", context, status_code=422 if error else 200)


def set_pin(
    request: Request, db: Any, templates: Jinja2Templates, fields: FormFields, guardian_id: int, action: str
) -> Response:
    pin = fields.get("pin", "")
    try:
        if pin != fields.get("repeat_pin", ""):
            raise Refusal("kiosk.pin_differs", N_("The two PINs differ."))
        kiosk_pins.set_pin(db, guardian_id, pin, author=actor(request))
    except Refusal as refused:
        return pin_page(request, db, templates, guardian_id, action, error=refused)
    return RedirectResponse(f"{action}?saved", status_code=303)


@router.get("/kiosk/pins/{guardian_id}", response_class=HTMLResponse)
def guardian_pin(request: Request, db: Db, templates: Templates, guardian_id: RowId) -> HTMLResponse:
    check(request, "kiosk.pin")
    _reach_all(request)
    _guardian(db, guardian_id)
    action = f"/kiosk/pins/{guardian_id}"
    return pin_page(request, db, templates, guardian_id, action, saved="saved" in request.query_params)


@router.post("/kiosk/pins/{guardian_id}", response_class=HTMLResponse)
def set_guardian_pin(
    request: Request, db: Db, templates: Templates, fields: FormFields, guardian_id: RowId
) -> Response:
    check(request, "kiosk.pin")
    _reach_all(request)
    _guardian(db, guardian_id)
    return set_pin(request, db, templates, fields, guardian_id, f"/kiosk/pins/{guardian_id}")


@router.get("/account/pin", response_class=HTMLResponse)
def my_pin(request: Request, db: Db, templates: Templates) -> HTMLResponse:
    guardian_id = _own_guardian(request, db)
    return pin_page(
        request, db, templates, guardian_id, "/account/pin", saved="saved" in request.query_params
    )


@router.post("/account/pin", response_class=HTMLResponse)
def set_my_pin(request: Request, db: Db, templates: Templates, fields: FormFields) -> Response:
    guardian_id = _own_guardian(request, db)
    return set_pin(request, db, templates, fields, guardian_id, "/account/pin")


def _reach_all(request: Request) -> None:
    """The secretary's page: a guardian sets only their own PIN (`/account/pin`)."""
    check(request, "registry.edit")


def _own_guardian(request: Request, db: Any) -> int:
    user = check(request, "kiosk.pin")
    guardian_id = accounts.get_user(db, user.id)["guardian_id"]
    if guardian_id is None:  # staff set guardians' PINs on the guardian's page
        deny(request, "kiosk.pin", "not a guardian's account")
        raise HTTPException(
            403, _("Only a guardian sets their own PIN here; staff set it on the guardians' list.")
        )
    return int(guardian_id)


def _guardian(db: Any, guardian_id: int) -> dict[str, Any]:
    try:
        return registry.get_guardian(db, guardian_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
