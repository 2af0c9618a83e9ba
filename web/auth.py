"""Who is asking: the session cookie, the signed-in account, rights checks, CSRF.

`AuthMiddleware` reads the session cookie on every request, ends a session idle longer than
the setting (or whose account was blocked or expired), and puts the account in
`request.state.user` (None when nobody is signed in). Routes then ask:

- `Depends(require("attendance.view"))`: signed in and holding the right (for some
  objects); a page redirects to /login, `/api/` answers 401; a missing right is 403, logged.
- `Depends(require_all("registry.view"))`: the right over everyone (lists of all children).
- `check(request, "attendance.correct", child_id=…)`: the right on this child or group;
  403 and logged when not (a parent asking for another child's data by id, say).
- `allowed(request, right, …)`: whether to show a link or a button (nothing logged).
- `actor(request)`: the author to record for a change (the account's e-mail address).

Every POST, PUT, PATCH and DELETE of a signed-in session must carry the session's CSRF
token, as the form field `csrf_token` (`{{ csrf_field() }}` in a template) or the header
`X-CSRF-Token` (from `<meta name="csrf-token">`, for scripts); the login form carries a
token of its own cookie. An inspector's session may change nothing but its own password.

The session cookie is HttpOnly, SameSite=Strict and Secure unless `cookie_secure = false`
(browsers treat http://127.0.0.1 and http://localhost as secure, so the demo works as is).
The device cookie (`hub.accounts.devices`) has the same flags, lasts `TRUST_DAYS` and goes only to
/login.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlite_utils import Database
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hub.accounts import accounts, devices, security_policy, sessions
from hub.accounts.rights import ALL, Account, may, reach
from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.store import audit
from web.errors import Refused, api_error

SESSION_COOKIE = "ewid_session"
LOGIN_CSRF_COOKIE = "ewid_login_csrf"
DEVICE_COOKIE = "ewid_device"
"""Proves the browser logged in to these accounts before (`hub.accounts.devices`); sent only to /login."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PASSWORD_PAGE = "/account/password"
ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset({PASSWORD_PAGE, "/account/welcome", "/logout"})
"""All a session whose password must be changed may reach (besides static files)."""
READ_ONLY_MAY_POST = frozenset({PASSWORD_PAGE, "/logout", "/login"})
_csrf: ContextVar[str] = ContextVar("csrf_token", default="")


@dataclass(frozen=True)
class AuthContext:
    db: Database
    settings: Settings

    def today(self) -> date:
        return datetime.now(self.settings.tz).date()


class LoginRequired(Exception):
    """Nobody is signed in: a page goes to /login, the API answers 401."""


class PasswordChangeRequired(Exception):
    """The account's password is one-time or too old: only the password page is open."""


class AuthMiddleware:
    """Puts the signed-in account (or None) in `request.state.user` and its session row in
    `request.state.session`, and makes the request's CSRF token available to templates."""

    def __init__(self, app: ASGIApp, context: AuthContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookie = connection.cookies.get(SESSION_COOKIE, "")
        # the session's lookup reads (and touches) the database: in a thread, off the loop
        session, user = await run_in_threadpool(self._signed_in, cookie) if cookie else (None, None)
        state = scope.setdefault("state", {})
        state["user"], state["session"] = user, session
        token = _csrf.set(session["csrf_token"] if session else connection.cookies.get(LOGIN_CSRF_COOKIE, ""))
        try:
            await self.app(scope, receive, send)
        finally:
            _csrf.reset(token)

    def _signed_in(self, cookie: str) -> tuple[dict[str, Any] | None, Account | None]:
        db = self.context.db
        idle = security_policy.load(db).idle_minutes
        session = sessions.lookup(db, cookie, idle_minutes=idle) if cookie else None
        if session is None:
            return None, None
        user = accounts.load_account(db, session["user_id"], self.context.today())
        if user is None:
            sessions.end(db, session["id"], "account blocked or expired")
            return None, None
        return session, user


def login_required_refusal() -> Refusal:
    return Refusal("login.required", N_("Please log in."))


def install_auth(app: FastAPI, context: AuthContext) -> None:
    """The middleware, the check of unsafe requests on every route, and the answers to
    `LoginRequired` and `PasswordChangeRequired`. A request's address (`client_ip`, which
    the per-address login limit counts) is taken from `X-Forwarded-For` only when the peer is
    one of `trusted_proxies`: anyone may send that header."""
    app.state.auth = context
    app.add_middleware(AuthMiddleware, context=context)
    if context.settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=context.settings.trusted_proxies)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request):
            return api_error(401, login_required_refusal())
        return RedirectResponse(f"/login?next={quote(_here(request), safe='/')}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, _exc: PasswordChangeRequired) -> Response:
        if _is_api(request):
            return api_error(403, Refusal("password.change_first", N_("Change your password first.")))
        return RedirectResponse(f"{PASSWORD_PAGE}?next={quote(_here(request), safe='/')}", status_code=303)


async def guard_unsafe_requests(request: Request) -> None:
    """An app-wide dependency: a signed-in POST, PUT, PATCH or DELETE (and the login form)
    needs the CSRF token; an inspector's session changes nothing."""
    if request.method not in UNSAFE_METHODS:
        return
    session, user = request.state.session, request.state.user
    if session is None and request.url.path != "/login":
        return  # nothing of anyone's to forge: the route itself answers 401
    expected = session["csrf_token"] if session else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not _same_token(expected, sent):
        await run_in_threadpool(deny, request, "csrf", "missing or wrong CSRF token")
        raise Refused(
            403,
            Refusal(
                "csrf.invalid",
                N_("The form is out of date or came from another site. Open the page again and repeat."),
            ),
        )
    if user is not None and user.role == "inspector" and request.url.path not in READ_ONLY_MAY_POST:
        await run_in_threadpool(deny, request, "read_only", "an inspector's account changes nothing")
        raise Refused(403, Refusal("account.read_only", N_("An inspector's account can only read.")))


def signed_in(request: Request) -> Account:
    """The signed-in account (a dependency); its password must be current."""
    user = request.state.user
    if user is None:
        raise LoginRequired
    if user.must_change_password and request.url.path not in ALLOWED_BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeRequired
    return user


def require(right: str) -> Callable[[Request], Account]:
    """A dependency: signed in and holding `right` (for some objects), else 403, logged."""

    def dependency(request: Request) -> Account:
        user = signed_in(request)
        if not may(user, right):
            deny(request, right, "no such right")
            raise HTTPException(403)
        return user

    return dependency


def require_all(right: str) -> Callable[[Request], Account]:
    """A dependency: signed in and holding `right` over every object (not only their own
    children or groups), for lists of everyone; else 403, logged."""

    def dependency(request: Request) -> Account:
        user = signed_in(request)
        if reach(user, right) != ALL:
            deny(request, right, "not for every child")
            raise HTTPException(403)
        return user

    return dependency


def own_only(user: Account, right: str, child_ids: Iterable[int]) -> set[int] | None:
    """The ids among `child_ids` the account may use `right` on, or None if all of them."""
    if reach(user, right) == ALL:
        return None
    return {child_id for child_id in child_ids if may(user, right, child_id=child_id)}


def check(
    request: Request, right: str, *, child_id: int | None = None, group_id: int | None = None
) -> Account:
    """The right on this child or group, for the signed-in account; else 403, logged."""
    user = signed_in(request)
    if not may(user, right, child_id=child_id, group_id=group_id):
        target = f"child {child_id}" if child_id is not None else f"group {group_id}" if group_id else None
        deny(request, right, "not theirs" if target else "no such right", target=target)
        raise HTTPException(403)
    return user


def allowed(
    request: Request, right: str, *, child_id: int | None = None, group_id: int | None = None
) -> bool:
    """Whether to show something (a link, a button): no refusal is logged."""
    user = request.state.user
    return user is not None and may(user, right, child_id=child_id, group_id=group_id)


def actor(request: Request) -> str:
    """Who makes a change, as the audit log and the author fields record it."""
    return signed_in(request).login


def deny(request: Request, right: str, reason: str, *, target: str | None = None) -> None:
    """Log a refused request: every 403 is in the log the director reads."""
    user = request.state.user
    audit.record_denial(
        request.app.state.auth.db,
        right=right,
        reason=reason,
        user_id=user.id if user else None,
        login=user.login if user else None,
        method=request.method,
        path=request.url.path,
        target=target,
        ip=client_ip(request),
    )


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def install_account_globals(templates: Jinja2Templates) -> None:
    """Every page gets `current_user` (the account or None); every template `csrf_field()`
    and `csrf_token()`, macros included."""
    templates.context_processors.append(
        lambda request: {"current_user": getattr(request.state, "user", None)}
    )
    templates.env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)


def csrf_token() -> str:
    """The current request's CSRF token, for `<meta name="csrf-token">` and scripts."""
    return masked(_csrf.get())


def csrf_field() -> Markup:
    """The hidden field every form that changes something must carry."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, masked(_csrf.get()))


def masked(token: str) -> str:
    """The token as a page shows it: a fresh random pad, then the token XORed with it.

    Pages leave gzip-compressed, and a compressed page's length can leak a secret it repeats
    next to text an attacker puts in the address (BREACH); a token that differs in every
    answer gives the compressor nothing to match. `_same_token` takes it back."""
    if not token:
        return ""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))).decode()


def _same_token(expected: str, sent: str) -> bool:
    """The sent token, masked (`masked`) or as stored (a page served before masking), is the
    expected one."""
    if hmac.compare_digest(expected.encode(), sent.encode()):
        return True
    try:
        both = base64.urlsafe_b64decode(sent.encode())
    except ValueError:
        return False
    half = len(both) // 2
    unmasked = (
        bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True)) if len(both) % 2 == 0 else b""
    )
    return hmac.compare_digest(expected.encode(), unmasked)


def new_login_csrf() -> str:
    """A token for the login form, kept in its own cookie until the login succeeds."""
    token = secrets.token_urlsafe(32)
    _csrf.set(token)
    return token


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure, path="/"
    )


def set_device_cookie(response: Response, value: str, settings: Settings) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=devices.TRUST_DAYS * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/login",
    )


def on_site(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (never a redirect elsewhere).

    Browsers drop tabs and newlines from a URL, so `/<TAB>/evil.example` in a link is
    `//evil.example`, another site: a target with a control character is refused too."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(ord(char) < 0x20 or char == "\x7f" for char in target)
    ):
        return target
    return default


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/events"))


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
