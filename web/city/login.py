"""`/login` and `/logout` of the gmina's panel (the officer's session: `web/city/auth.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.city import officers
from web.auth import client_ip, on_site
from web.city import auth
from web.city.deps import Panel
from web.forms import FormFields
from web.i18n import N_, _

REFUSALS = {
    "bad_credentials": N_("Wrong login or password."),
    "rate_limited": N_("Too many failed logins from this computer. Wait a quarter of an hour and try again."),
    "blocked": N_("Your account is blocked. The gmina's administrator unblocks it."),
}
REFUSAL_STATUS = {"bad_credentials": 401, "rate_limited": 429, "blocked": 403}

router = APIRouter(include_in_schema=False)


def login_page(
    request: Request, panel: Panel, *, error: str | None = None, login: str = "", status: int = 200
) -> Response:
    token = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or auth.new_login_csrf()
    response = panel.templates.TemplateResponse(
        request,
        "city_login.html",
        {
            "error": error,
            "login": login,
            "next": on_site(request.query_params.get("next")),
            "logged_out": "logged_out" in request.query_params,
        },
        status_code=status,
    )
    response.set_cookie(
        auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=panel.cookie_secure
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def show_login(request: Request, panel: Panel) -> Response:
    if request.state.user is not None:
        return RedirectResponse(on_site(request.query_params.get("next")), status_code=303)
    return login_page(request, panel)


@router.post("/login", response_class=HTMLResponse)
def log_in(request: Request, panel: Panel, fields: FormFields) -> Response:
    try:
        opened = auth.log_in(
            panel.db, fields.get("login", ""), fields.get("password", ""), client_ip(request), panel.clock()
        )
    except auth.LoginRefused as refused:
        return login_page(
            request,
            panel,
            error=_(REFUSALS[refused.outcome]),
            login=fields.get("login", ""),
            status=REFUSAL_STATUS[refused.outcome],
        )
    if request.state.session:
        officers.end_session(panel.db.conn(), request.state.session.token_hash)
    response = RedirectResponse(on_site(fields.get("next")), status_code=303)
    auth.set_session_cookie(response, opened.token, panel.cookie_secure)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def log_out(request: Request, panel: Panel) -> Response:
    if request.state.session:
        officers.end_session(panel.db.conn(), request.state.session.token_hash)
    response = RedirectResponse("/login?logged_out", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response
