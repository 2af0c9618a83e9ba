"""The gmina officer's sign-in: sessions in the city's PostgreSQL, CSRF, the login limit.

As on the site (`web/auth.py`): the session cookie is HttpOnly, SameSite=Strict and Secure
(unless the panel is started with `cookie_secure=False`); the database keeps only the
SHA-256 of its token (`hub.city.officers`); each session has its own CSRF token, which every
POST carries (masked anew on each page, `web.auth.masked`), and the login form a token of its
own cookie. A session unused for the site's idle time (`SecuritySettings.idle_minutes`)
ends, and so does every session of an officer who is blocked. Failed logins are counted per
address: `login_rate_limit` of them within `RATE_WINDOW_MINUTES` and the address must wait,
its password not even checked (the site's policy's defaults). A refusal never says whether a
login exists: an unknown login's password is checked against a dummy hash, in the same time.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.accounts import passwords
from hub.accounts.security_policy import RATE_WINDOW_MINUTES, SecuritySettings
from hub.city import officers, panel_queries
from hub.city.officers import Officer, OfficerSession
from hub.refusal import N_, Refusal
from web.auth import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, masked
from web.auth import _same_token as same_token
from web.city.db import PanelDatabase
from web.city.deps import PanelState
from web.errors import Refused

SESSION_COOKIE = "ewid_city_session"
LOGIN_CSRF_COOKIE = "ewid_city_login_csrf"
POLICY = SecuritySettings()
IDLE = timedelta(minutes=POLICY.idle_minutes)
_csrf: ContextVar[str] = ContextVar("city_csrf_token", default="")


class LoginRequired(Exception):
    """Nobody is signed in: the page sends the browser to /login."""


class LoginRefused(Exception):
    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


@cache
def _dummy_hash() -> str:
    return passwords.hash_password("not a password of anyone")


class OfficerAuth:
    """Puts the signed-in officer's session (or None) in `request.state.session` and its
    officer in `request.state.user`, and the request's CSRF token where templates find it.
    The database and the clock are the app's (`app.state.panel`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookie = connection.cookies.get(SESSION_COOKIE, "")
        state = scope.setdefault("state", {})
        try:
            found = await run_in_threadpool(_session, scope["app"].state.panel, cookie) if cookie else None
        except psycopg.OperationalError as exc:
            found, state["database_down"] = None, exc  # the page says so (`signed_in`)
        state["session"], state["user"] = found, found.officer if found else None
        token = _csrf.set(found.csrf_token if found else connection.cookies.get(LOGIN_CSRF_COOKIE, ""))
        try:
            await self.app(scope, receive, send)
        finally:
            _csrf.reset(token)


def _session(panel: PanelState, cookie: str) -> OfficerSession | None:
    return officers.session(panel.db.conn(), cookie, idle=IDLE, now=panel.clock())


async def guard_unsafe_requests(request: Request) -> None:
    """An app-wide dependency: a POST needs the session's CSRF token (the login form, its own)."""
    if request.method not in UNSAFE_METHODS:
        return
    session: OfficerSession | None = request.state.session
    if session is None and request.url.path != "/login":
        return  # nothing of anyone's to forge: the route itself sends the browser to /login
    expected = session.csrf_token if session else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not same_token(expected, sent):
        raise Refused(
            403,
            Refusal(
                "csrf.invalid",
                N_("The form is out of date or came from another site. Open the page again and repeat."),
            ),
        )


def signed_in(request: Request) -> Officer:
    """The signed-in officer (a dependency); a 503 that says why when the session could not
    be read because the city's database is down."""
    down = getattr(request.state, "database_down", None)
    if down is not None:
        raise Refused(503, panel_queries.unreachable(down))
    officer = request.state.user
    if officer is None:
        raise LoginRequired
    return officer


CurrentOfficer = Annotated[Officer, Depends(signed_in)]


def log_in(
    db: PanelDatabase, login: str, password: str, ip: str | None, now: datetime
) -> officers.NewSession:
    """Check the login and password and open a session, or raise `LoginRefused`
    (`rate_limited`, `bad_credentials`, `blocked`: the last only to whoever knows the password)."""
    conn = db.conn()
    typed = login.strip().lower()[:254]
    since = now - timedelta(minutes=RATE_WINDOW_MINUTES)
    if ip and officers.failures_from(conn, ip, since) >= POLICY.login_rate_limit:
        raise LoginRefused("rate_limited")
    found = officers.password_hash(conn, typed)
    correct = passwords.verify(found[1] if found else _dummy_hash(), password)
    if found is None or not correct:
        officers.record_attempt(conn, typed, ip, success=False, now=now)
        raise LoginRefused("bad_credentials")
    if found[0].blocked:
        officers.record_attempt(conn, typed, ip, success=False, now=now)
        raise LoginRefused("blocked")
    officers.record_attempt(conn, typed, ip, success=True, now=now)
    return officers.open_session(conn, found[0].login, idle=IDLE, now=now)


def set_session_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def csrf_token() -> str:
    return masked(_csrf.get())


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, masked(_csrf.get()))


def new_login_csrf() -> str:
    token = secrets.token_urlsafe(32)
    _csrf.set(token)
    return token
