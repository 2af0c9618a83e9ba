"""`/language/{code}`: the switch in every page's header; a plain link, so it needs no script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from web import i18n
from web.auth import on_site

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

router = APIRouter()


@router.get("/language/{code}", include_in_schema=False)
async def switch_language(code: str, back_to: Annotated[str, Query(alias="next")] = "/") -> RedirectResponse:
    """Async: it only sets a cookie, no database."""
    response = RedirectResponse(on_site(back_to), status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, code, max_age=LANGUAGE_COOKIE_SECONDS, httponly=True, samesite="lax")
    return response
