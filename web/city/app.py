"""`create_panel_app(dsn)`: the gmina's panel, its middleware, menu and routes.

Templates are the panel's own (`web/city/templates/`) over the site's (`base.html`, the
error page), with the site's translations, filters and static files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from hub.city.panel_queries import unreachable
from hub.city.pg_schema import migrate
from hub.timefmt import utc_now
from web.app import NOT_COMPRESSED
from web.city import login, pages
from web.city.auth import LoginRequired, OfficerAuth, csrf_field, csrf_token, guard_unsafe_requests
from web.city.db import PanelDatabase
from web.city.deps import PanelState
from web.city.figures import Figures
from web.errors import Refused, install_error_pages
from web.i18n import N_, LanguageMiddleware
from web.limits import install_request_limits
from web.pages import language
from web.security_headers import install_security_headers
from web.static_files import install_static_files
from web.templating import NavItem, page_templates

TEMPLATES = Path(__file__).parent / "templates"
CITY_TZ = ZoneInfo("Europe/Warsaw")


def signed_in(request: Request) -> bool:
    return request.state.user is not None


NAV = [
    NavItem("/", N_("Kindergartens"), visible=signed_in),
    NavItem("/attendance", N_("Attendance"), visible=signed_in),
    NavItem("/fees", N_("Fees and meals"), visible=signed_in),
]


def create_panel_app(
    dsn: str, *, cookie_secure: bool = True, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    """The panel over the city's PostgreSQL at `dsn` (its schema made first if missing)."""
    db = PanelDatabase(dsn)
    migrate(db.conn())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.panel.figures.close()
        db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ewidencjoner — panel gminy",
        dependencies=[Depends(guard_unsafe_requests)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # pages only: no JSON route to describe
    )
    templates = page_templates(NAV)
    templates.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), templates.env.loader])  # type: ignore[list-item]
    templates.env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
    templates.env.filters["money"] = pages.money
    templates.context_processors.append(lambda request: {"current_user": request.state.user})
    figures = Figures(clock=lambda: app.state.panel.clock())
    app.state.panel = PanelState(db, templates, clock, CITY_TZ, cookie_secure, figures)

    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, exc: psycopg.OperationalError) -> Response:
        """The city's database went away mid-request: a 503 that says so; the thread's
        connection is opened again at its next use (`PanelDatabase.conn`)."""
        error_page = app.exception_handlers[StarletteHTTPException]  # install_error_pages', async
        return await cast(Awaitable[Response], error_page(request, Refused(503, unreachable(exc))))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)

    install_request_limits(app)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(OfficerAuth)
    install_security_headers(app)
    install_error_pages(app, templates)
    for router in (language.router, login.router, pages.router):
        app.include_router(router)
    install_static_files(app)
    app.add_middleware(GZipMiddleware, minimum_size=500, exclude_content_types=NOT_COMPRESSED)
    return app
