"""Signing in and out, the notice after login, and changing one's own password.

After a login the person sees when and from where they last logged in and how many failed
attempts there were since (the procedures ask every teacher to check it). A teacher, a
parent and the kiosk land straight on their own page (`LANDINGS`: the group at the door,
the child's today, the kiosk), which shows that notice at its top (`login_notice`); the
others see it on its own page first. A one-time or too old password is changed before
anything else opens.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts import accounts, logins, own_data, passwords, security_policy, sessions
from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.reports import MEDIA_TYPES, render
from hub.reports.my_data import my_data as my_data_report
from hub.services import subject_access
from hub.store import audit, system_messages
from hub.timefmt import from_db, to_db
from web.auth import (
    DEVICE_COOKIE,
    LOGIN_CSRF_COOKIE,
    PASSWORD_PAGE,
    SESSION_COOKIE,
    allowed,
    client_ip,
    new_login_csrf,
    on_site,
    set_device_cookie,
    set_session_cookie,
)
from web.deps import Clock, CurrentUser, Db, SiteSettings, Templates, today
from web.forms import FormFields
from web.i18n import N_, _, refusal_text
from web.pages.admin import ROLE_NAMES

REFUSALS = {
    "bad_credentials": N_("Wrong e-mail address or password."),
    "rate_limited": N_("Too many failed logins from this computer. Wait a quarter of an hour and try again."),
    "blocked": N_(
        "Your account is blocked. The administrator unblocks it by giving you a one-time password."
    ),
    "device_locked": N_("Too many wrong passwords on this browser. Wait a quarter of an hour and try again."),
    "expired": N_("Your account has expired."),
    "one_time_expired": N_("Your one-time password has expired. Ask the administrator for a new one."),
}
REFUSAL_STATUS = {"rate_limited": 429, "device_locked": 429}
LANDINGS = {"teacher": "/grid", "parent": "/parent", "kiosk": "/kiosk"}
"""Where a role lands after logging in (with `?welcome`: the page shows the login notice)."""
WELCOME = "welcome"


router = APIRouter(include_in_schema=False)


def login_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    *,
    error: str | None = None,
    email: str = "",
    status: int = 200,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "error": error,
            "email": email,
            "next": on_site(request.query_params.get("next")),
            "lockout_after": security_policy.load(db).lockout_after,
            "logged_out": "logged_out" in request.query_params,
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def show_login(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> Response:
    if request.state.user is not None:
        return RedirectResponse(on_site(request.query_params.get("next")), status_code=303)
    return login_page(request, db, settings, templates)


@router.post("/login", response_class=HTMLResponse)
def log_in(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    try:
        done = logins.log_in(
            db,
            fields.get("email", ""),
            fields.get("password", ""),
            ip=client_ip(request),
            today=today(settings),
            user_agent=request.headers.get("user-agent"),
            device_cookie=request.cookies.get(DEVICE_COOKIE, ""),
        )
    except logins.LoginRefused as refused:
        return login_page(
            request,
            db,
            settings,
            templates,
            error=_(REFUSALS[refused.outcome]),
            email=fields.get("email", ""),
            status=REFUSAL_STATUS.get(refused.outcome, 401),
        )
    if request.state.session:
        sessions.end(db, request.state.session["id"], "logged in again")
    target = on_site(fields.get("next"))
    user = done.user
    days = security_policy.load(db).password_change_days
    system_messages.password_reminders(db, days, account_id=user["id"])  # its inbox says so from now on
    home = LANDINGS.get(user["role"])
    if target == "/" and home and not accounts.password_change_due(db, user):
        response = RedirectResponse(f"{home}?{WELCOME}", status_code=303)
    else:
        response = RedirectResponse(f"/account/welcome?next={target}", status_code=303)
    set_session_cookie(response, done.session.token, settings)
    set_device_cookie(response, done.device_cookie, settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def log_out(request: Request, db: Db) -> Response:
    if request.state.session:
        sessions.end(db, request.state.session["id"], "logged out")
    response = RedirectResponse("/login?logged_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def login_notice(request: Request) -> dict[str, Any]:
    """A template context processor: on a landing page opened right after the login
    (`?welcome`), `login_notice` holds the previous login's notice, else None."""
    session = getattr(request.state, "session", None)
    if WELCOME not in request.query_params or not session:
        return {"login_notice": None}
    return {
        "login_notice": {
            "previous_at": session["previous_login_at"],
            "previous_ip": session["previous_login_ip"],
            "failures_since": session["failures_since"],
        }
    }


@router.get("/account/welcome", response_class=HTMLResponse)
def welcome(request: Request, templates: Templates, user: CurrentUser) -> Response:
    session = request.state.session
    return templates.TemplateResponse(
        request,
        "account_welcome.html",
        {
            "account": user,
            "previous_at": session["previous_login_at"],
            "previous_ip": session["previous_login_ip"],
            "failures_since": session["failures_since"],
            "this_ip": session["ip"],
            "next": on_site(request.query_params.get("next")),
        },
    )


def password_page(
    request: Request,
    db: Database,
    templates: Jinja2Templates,
    user: Account,
    *,
    problems: list[str],
    status: int = 200,
) -> Response:
    policy = security_policy.load(db)
    record = accounts.get_user(db, user.id)
    return templates.TemplateResponse(
        request,
        "account_password.html",
        {
            "account": user,
            "forced": user.must_change_password,
            "one_time": bool(record["must_change"]),
            "policy": policy,
            "problems": problems,
            "next": on_site(request.query_params.get("next")),
        },
        status_code=status,
    )


@router.get(PASSWORD_PAGE, response_class=HTMLResponse)
def show_password(
    request: Request,
    db: Db,
    templates: Templates,
    user: CurrentUser,
) -> Response:
    return password_page(request, db, templates, user, problems=[])


@router.post(PASSWORD_PAGE, response_class=HTMLResponse)
def change_password(
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    request: Request,
    fields: FormFields,
    user: CurrentUser,
) -> Response:
    new = fields.get("new_password", "")
    try:
        if new != fields.get("repeat_password", ""):
            return password_page(
                request,
                db,
                templates,
                user,
                problems=[_("The two new passwords differ.")],
                status=422,
            )
        accounts.change_password(db, user.id, fields.get("current_password", ""), new)
        sessions.end_all(db, user.id, "password changed", keep=request.state.session["id"])
    except passwords.PasswordRejected as rejected:
        values = {"min_length": rejected.min_length, "history": rejected.history}
        problems = [_(passwords.PROBLEMS[code]) % values for code in rejected.problems]
        return password_page(request, db, templates, user, problems=problems, status=422)
    except Refusal as refusal:
        return password_page(request, db, templates, user, problems=[refusal_text(refusal)], status=422)
    target = on_site(request.query_params.get("next"))
    return RedirectResponse(f"/account?changed&next={target}", status_code=303)


def my_data_of(db: Database, settings: Settings, user: Account, now: datetime) -> dict[str, Any]:
    """Everything the hub holds on the signed-in person and, for a guardian, on their
    children (RODO art. 15): what both downloads, JSON and PDF, give."""
    today_here = now.astimezone(settings.tz).date()
    return {
        "generated_at": to_db(now),
        "site": settings.site,
        **own_data.account_data(db, user.id),
        "children": [
            subject_access.child_data(db, settings, child_id, today_here)
            for child_id in sorted(user.children)
            if user.role == "parent"
        ],
    }


def _audit_export(db: Database, user: Account, now: datetime, fmt: str) -> None:
    with db.atomic():
        audit.record(
            db, actor=user.login, action="account.data_export", entity="user", entity_id=user.id,
            after={"format": fmt}, now=now,
        )  # fmt: skip


def _attachment(settings: Settings, now: datetime, suffix: str) -> dict[str, str]:
    day = now.astimezone(settings.tz).date().isoformat()
    return {"Content-Disposition": f'attachment; filename="moje-dane-{day}.{suffix}"'}


@router.get("/account/data.json")
def my_data(request: Request, db: Db, settings: SiteSettings, clock: Clock, user: CurrentUser) -> Response:
    """One's own data as one JSON file to keep; the download is audited."""
    now = clock()
    data = my_data_of(db, settings, user, now)
    _audit_export(db, user, now, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, media_type="application/json", headers=_attachment(settings, now, "json"))


@router.get("/account/data.pdf")
def my_data_pdf(
    request: Request, db: Db, settings: SiteSettings, clock: Clock, user: CurrentUser
) -> Response:
    """The same data as a PDF/A to read and print, in the page's language; audited."""
    now = clock()
    report = my_data_report(my_data_of(db, settings, user, now), settings.tz)
    _audit_export(db, user, now, "pdf")
    pdf = render(report, "pdf")
    return Response(pdf, media_type=MEDIA_TYPES["pdf"], headers=_attachment(settings, now, "pdf"))


@router.get("/account", response_class=HTMLResponse)
def my_account(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    user: CurrentUser,
) -> Response:
    record = accounts.get_user(db, user.id)
    policy = security_policy.load(db)
    set_at = from_db(record["password_set_at"])
    return templates.TemplateResponse(
        request,
        "account.html",
        {
            "account": user,
            "record": record,
            "password_set_on": set_at.astimezone(settings.tz).date(),
            "change_days": policy.password_change_days,
            "changed": "changed" in request.query_params,
            "next": on_site(request.query_params.get("next"), ""),
            "session": request.state.session,
            "role_names": ROLE_NAMES,
            "may_choose_notifications": allowed(request, "notifications.own"),
        },
    )
