"""Errors: a browser gets a page in the reader's language, the API a JSON refusal with a code.

A request is a browser's when it asks for HTML (`Accept: text/html`) outside `/api/`.

Every error the JSON API answers has one shape (`ApiError`): `{"code": "group.exists",
"message": "…", "params": {"name": "Motylki"}}`. `code` is stable and dotted (a program
branches on it), `message` is the sentence in the request's language (a person reads it),
`params` are the values in the sentence (labels as their English message ids). The codes:

- the hub's refusals (`hub.refusal.Refusal`) keep their own code: a route lets one through
  and it is answered 422, or raises it as `Refused(404, refusal)` where an id is not found;
- FastAPI's validation errors are `"invalid"`, the failing values in `params.errors`
  (`loc`, `msg`, `type` as pydantic gives them);
- any other HTTP error without a refusal gets its status's code (`STATUS_CODES`).

A page shows the same refusal as a translated sentence under the status's explanation;
Starlette's stock phrases ("Not Found") are not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from hub.refusal import Refusal
from web.i18n import N_, _, refusal_text

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
STATUS_CODES = {
    400: "request.unreadable",
    401: "login.required",
    403: "forbidden",
    404: "not_found",
    405: "method.not_allowed",
    409: "conflict",
    413: "request.too_large",
    422: "invalid",
    429: "too_many_requests",
}
"""The API's code for an HTTP error that carries no refusal of its own."""


class Refused(StarletteHTTPException):
    """An HTTP error whose reason is a refusal: its code and params reach the API's answer,
    its sentence (translated) the page."""

    def __init__(self, status: int, refusal: Refusal, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, str(refusal), dict(headers) if headers else None)
        self.refusal = refusal


class ApiError(BaseModel):
    """Why the request was refused."""

    code: str = Field(description="Stable and dotted, e.g. `group.exists`: what a program branches on")
    message: str = Field(description="The reason in the request's language (Polish or English)")
    params: dict[str, Any] = Field(
        description="The values the message names, by name; for `invalid`, `errors`: the failing "
        "values, each with `loc`, `msg` and `type`"
    )


API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "The body could not be read (not JSON, not UTF-8)"},
    401: {"model": ApiError, "description": "Not signed in"},
    403: {
        "model": ApiError,
        "description": "Without the right (logged), without the session's CSRF token, or the "
        "password must be changed first",
    },
    404: {"model": ApiError, "description": "No such thing"},
    413: {"model": ApiError, "description": "The body is larger than this route accepts (web/limits.py)"},
    422: {
        "model": ApiError,
        "description": "A value broke a rule (`invalid`), or the hub refused the change (its code)",
    },
}
"""The errors every API route may answer, for its `responses=`."""


def api_error(status: int, refusal: Refusal, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The API's answer to a refusal, in the request's language."""
    body = ApiError(code=refusal.code, message=refusal_text(refusal), params=jsonable_encoder(refusal.params))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _refusal_of(exc: StarletteHTTPException) -> Refusal:
    """The refusal an HTTP error carries, or one made of its status and its own sentence."""
    if isinstance(exc, Refused):
        return exc.refusal
    own_detail = exc.detail and exc.detail != STOCK_PHRASES.get(exc.status_code)
    sentence = str(exc.detail) if own_detail else EXPLANATIONS.get(exc.status_code, OTHER)[1]
    # Translated where it was raised, or an explanation's message id (translated when shown)
    return Refusal(STATUS_CODES.get(exc.status_code, "error"), sentence)


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
            return api_error(exc.status_code, _refusal_of(exc), exc.headers)
        if isinstance(exc, Refused):
            details = [refusal_text(exc.refusal)]
        else:
            own_detail = exc.detail and exc.detail != STOCK_PHRASES.get(exc.status_code)
            details = [str(exc.detail)] if own_detail else []
        return page(request, exc.status_code, details, exc.headers)

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> Response:
        """A change the hub refused, let through by the route: 422 with its reason."""
        if not wants_html(request):
            return api_error(422, exc)
        return page(request, 422, [refusal_text(exc)], None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not wants_html(request):
            errors = [
                {
                    "loc": list(error.get("loc", ())),
                    "msg": error.get("msg", ""),
                    "type": error.get("type", ""),
                }
                for error in exc.errors()
            ]
            invalid = Refusal("invalid", N_("Some of the values given are not valid."), errors=errors)
            return api_error(422, invalid)
        fields = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
        details = [_("%(field)s: not a valid value") % {"field": field} for field in fields]
        return page(request, 422, details, None)
