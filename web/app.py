"""The web application: JSON API, the live page and its server-sent event stream.

`create_app` builds it around a running hub (settings, the event bus ingest publishes to,
and ingest's counters); it only reads the database, through the hub's public functions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles

from hub.config import Settings
from hub.db import connect
from hub.events import EventBus
from hub.rights import ALL, OWN_CHILDREN, reach
from hub.timefmt import from_db
from web import hub_reasons
from web.api import cards, children, corrections, days, groups, guardians, health, quarantine, readers, taps
from web.auth import (
    AuthContext,
    allowed,
    guard_unsafe_requests,
    install_account_globals,
    install_auth,
)
from web.errors import install_error_pages
from web.fresh_cache import FreshCache
from web.i18n import N_, LanguageMiddleware
from web.limits import install_request_limits
from web.pages import live, presence, reports
from web.pages.account import account_routes
from web.pages.admin import admin_routes
from web.pages.cards import card_pages
from web.pages.child import child_pages
from web.pages.group_day import group_day_pages
from web.pages.logs import logs_pages
from web.pages.parent import parent_pages
from web.pages.readers import reader_pages
from web.pages.registry import registry_pages
from web.pages.settings import settings_pages
from web.security_headers import install_security_headers
from web.templating import NavItem, language_router, page_templates

HERE = Path(__file__).parent


def create_app(
    settings: Settings,
    events: EventBus,
    ingest_state: Callable[[], dict[str, object]] | None = None,
) -> FastAPI:
    db = connect(settings.database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.board_worker.shutdown(wait=False, cancel_futures=True)
        db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ewidencjoner",
        summary="Kindergarten attendance: card taps, readers and the quarantine of bad messages.",
        version="0.1.0",
        dependencies=[Depends(guard_unsafe_requests)],
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: /openapi.json stays
        redoc_url=None,
    )
    nav = [
        NavItem("/", N_("Live taps"), visible=may_see("live.view")),
        NavItem("/presence", N_("Who is in"), visible=may_see("presence.view")),
        NavItem("/days", N_("Group day"), visible=may_see_all("attendance.view")),
        NavItem("/cards", N_("Cards"), visible=may_see("cards.edit")),
        NavItem("/readers", N_("Readers"), visible=may_see("live.view")),
        NavItem("/reports", N_("Reports"), visible=may_see_any("reports.attendance", "reports.fees")),
        NavItem("/registry", N_("Registry"), visible=may_see_all("registry.view")),
        NavItem("/inconsistencies", N_("Inconsistency log"), visible=may_see_all("attendance.view")),
        NavItem("/settings", N_("Settings"), visible=may_see_all("settings.view")),
        NavItem("/months", N_("Closing months"), visible=may_see_all("settings.view")),
        NavItem("/audit", N_("Audit log"), visible=may_see_all("audit.view")),
        NavItem("/parent", N_("My children"), visible=sees_own_children),
        NavItem("/admin/users", N_("Accounts"), visible=may_see("users.view")),
        NavItem("/admin/logins", N_("Login statistics"), visible=may_see("logins.stats")),
    ]
    templates = page_templates(nav)
    install_account_globals(templates)
    auth = AuthContext(db, settings)
    app.state.db, app.state.settings, app.state.events = db, settings, events
    app.state.templates = templates
    app.state.fresh_cache = FreshCache(db, lambda: datetime.now(settings.tz))
    # The boards' stream renders in one thread of its own: its connection's cache serves them all
    app.state.board_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presence-board")
    app.state.board_cache = FreshCache(db, lambda: datetime.now(settings.tz))
    app.state.ingest_state = ingest_state
    templates.env.filters["clock"] = lambda text: _local_clock(text, settings)
    templates.env.filters["when"] = lambda text: _local_moment(text, settings)
    templates.env.filters["reason"] = hub_reasons.translated
    install_request_limits(app)
    app.add_middleware(LanguageMiddleware)
    install_auth(app, auth)
    install_security_headers(app)
    install_error_pages(app, templates)
    app.include_router(language_router())
    app.include_router(account_routes(auth, templates))
    app.include_router(admin_routes(auth, templates))
    app.include_router(reports.router)
    app.include_router(registry_pages(db, settings, templates))
    app.include_router(settings_pages(db, settings, templates))
    app.include_router(parent_pages(db, settings, templates))
    app.include_router(logs_pages(db, settings, templates))
    app.include_router(presence.router)
    for journal_pages in (group_day_pages, child_pages, card_pages, reader_pages):
        app.include_router(journal_pages(db, settings, templates))
    for api in (groups, children, guardians, cards, days, corrections, taps, readers, quarantine, health):
        app.include_router(api.router)
    app.include_router(live.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    return app


def may_see(right: str) -> Callable[[Request], bool]:
    """A menu item's `visible`: shown to accounts holding `right`."""
    return lambda request: allowed(request, right)


def may_see_all(right: str) -> Callable[[Request], bool]:
    """A menu item's `visible`: shown to accounts holding `right` over everyone (not only their own)."""
    return lambda request: request.state.user is not None and reach(request.state.user, right) == ALL


def sees_own_children(request: Request) -> bool:
    """A parent's menu item: their own children's pages."""
    user = request.state.user
    return user is not None and reach(user, "attendance.view") == OWN_CHILDREN


def may_see_any(*rights: str) -> Callable[[Request], bool]:
    return lambda request: any(allowed(request, right) for right in rights)


def _local_clock(text: str | None, settings: Settings) -> str:
    if not text:
        return "?"
    return from_db(text).astimezone(settings.tz).strftime("%H:%M:%S")


def _local_moment(text: str | None, settings: Settings) -> str:
    """A stored instant as the kindergarten's local date and time, `2026-11-18 07:40`."""
    if not text:
        return "—"
    return from_db(text).astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
