"""Request bodies: nobody's is read unless they are signed in, and nobody's without a limit.

Before this, an anonymous 100 MB JSON body to `/api/corrections` was read whole (and
parsed) before the route found out that nobody was signed in. Now:

- a POST, PUT, PATCH or DELETE without a session is answered at once, before a byte of its
  body is read: 401 for the API and the event stream, a redirect to /login for a page. Only
  the login form (and logging out) is sent by someone not signed in (`ANONYMOUS_MAY_SEND`).
  A method or path no route takes goes on to its 405 or 404, which reads no body either;
- a body larger than its route's limit is refused with 413: `UPLOAD_LIMIT` for the CSV
  import of the register, `BODY_LIMIT` for every form and JSON body. The bytes are counted
  as they arrive, so a missing or lying `Content-Length` changes nothing; a declared length
  over the limit is refused before anything is read.

It runs inside `AuthMiddleware` (which has found the session, without reading the body).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.refusal import N_, Refusal
from web.auth import UNSAFE_METHODS, login_required_refusal
from web.errors import Refused, api_error

BODY_LIMIT = 256 * 1024
"""Bytes of a form or a JSON body: the largest form (settings, a child's card) is a few KiB."""
UPLOAD_LIMIT = 8 * 1024 * 1024
"""Bytes of a CSV import: a register of a thousand children is about 200 KiB."""
UPLOAD_PATHS = frozenset({"/registry/import", "/money/import"})
MESSAGE_UPLOAD_PATHS = re.compile(r"^/messages/(new|[0-9]+/reply)\Z")
"""A message or a reply with attachments: up to the site's files per message, each up to its
size limit (`message_attachment_max_mb`, `message_attachment_max_files`), and the text."""
ANONYMOUS_MAY_SEND = frozenset({"/login", "/logout"})
"""The only paths that accept a body from someone who is not signed in: the login form, and
logging out of a session that has already ended (idle) lands on the logged-out page."""


class BodyTooLarge(Refused):
    """Raised while the body is read: FastAPI and the error pages answer it as any 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            Refusal(
                "request.too_large",
                N_("The request is larger than the %(size)s KiB accepted here."),
                size=limit // 1024,
            ),
        )


class RequestLimits:
    """Refuses unsafe requests without a session before reading them, and bodies over the
    route's limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        signed_in = scope.get("state", {}).get("session") is not None
        if (
            scope["method"] in UNSAFE_METHODS
            and not signed_in
            and path not in ANONYMOUS_MAY_SEND
            and _a_route_takes(scope)
        ):
            refusal: Response
            if path.startswith(("/api/", "/events")):
                refusal = api_error(401, login_required_refusal())
            else:
                refusal = RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=303)
            await refusal(scope, receive, send)
            return
        limit = _limit(scope, path)
        await self.app(scope, _limited(receive, limit, _declared_length(scope)), send)


def install_request_limits(app: FastAPI) -> None:
    app.add_middleware(RequestLimits)


def _limited(receive: Receive, limit: int, declared: int | None) -> Receive:
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        if declared is not None and declared > limit:
            raise BodyTooLarge(limit)
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_within_limit


def _limit(scope: Scope, path: str) -> int:
    if path in UPLOAD_PATHS:
        return UPLOAD_LIMIT
    if MESSAGE_UPLOAD_PATHS.match(path):
        settings = scope["app"].state.settings
        files = settings.message_attachment_max_mb * settings.message_attachment_max_files
        return files * 1024 * 1024 + BODY_LIMIT
    return BODY_LIMIT


def _a_route_takes(scope: Scope) -> bool:
    """Does a route take this method at this path? (`scope["app"]` is the application.)"""
    return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)


def _declared_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope).get("content-length", ""))
    except ValueError:
        return None
