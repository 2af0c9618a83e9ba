"""Error pages: a browser gets a page in the reader's language; the API keeps FastAPI's JSON.

A request is a browser's when it asks for HTML (`Accept: text/html`) outside `/api/`.
A route's own `detail` (a translated sentence for the person) is shown under the
explanation; Starlette's stock phrases ("Not Found") are not.

The API's errors are in its OpenAPI description (`API_ERRORS`, a route's `responses=`):
`{"detail": "a sentence"}` for 400, 401, 403, 404 and 413, and for 422 either FastAPI's list of the
values that broke a rule or the hub's sentence on why it refused the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from web.i18n import N_, _

EXPLANATIONS = {
    400: (N_("Bad request"), N_("The address or the form could not be understood.")),
    401: (N_("Please log in"), N_("This page is for signed-in users.")),
    403: (N_("No access"), N_("Your account does not have the right to see this page.")),
    404: (N_("Page not found"), N_("There is no page at this address. It may have been moved.")),
    405: (N_("Bad request"), N_("This page cannot be used this way.")),
    422: (N_("Wrong values"), N_("Some of the values given are not valid:")),
}
OTHER = (N_("Something went wrong"), N_("The request could not be completed."))
STOCK_PHRASES = {status.value: status.phrase for status in HTTPStatus}
"""What Starlette says when a route gave no detail ("Not Found"): not worth showing a person."""


class Refusal(BaseModel):
    """Why the request was refused, in a sentence."""

    detail: str


class InvalidValue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Unprocessable(BaseModel):
    """The values that broke a rule (where and why), or the hub's sentence on why it
    refused the change."""

    detail: list[InvalidValue] | str


API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Refusal, "description": "The body could not be read (not JSON, not UTF-8)"},
    401: {"model": Refusal, "description": "Not signed in"},
    403: {"model": Refusal, "description": "Without the right (logged), or without the session's CSRF token"},
    404: {"model": Refusal, "description": "No such thing"},
    413: {"model": Refusal, "description": "The body is larger than this route accepts (web/limits.py)"},
    422: {"model": Unprocessable, "description": "A value broke a rule, or the hub refused the change"},
}
"""The errors every API route may answer, for its `responses=`."""


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install_error_pages(app: FastAPI, templates: Jinja2Templates) -> None:
    def page(
        request: Request, status: int, details: list[str], headers: Mapping[str, str] | None
    ) -> Response:
        title, explanation = EXPLANATIONS.get(status, OTHER)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": _(title), "explanation": _(explanation), "details": details},
            status_code=status,
            headers=headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not wants_html(request):
            return await http_exception_handler(request, exc)
        own_detail = exc.detail and exc.detail != STOCK_PHRASES.get(exc.status_code)
        details = [str(exc.detail)] if own_detail else []
        return page(request, exc.status_code, details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not wants_html(request):
            return await request_validation_exception_handler(request, exc)
        fields = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
        details = [_("%(field)s: not a valid value") % {"field": field} for field in fields]
        return page(request, 422, details, None)
