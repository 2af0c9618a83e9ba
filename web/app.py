"""The web application: JSON API, the live page and its server-sent event stream.

`create_app` builds it around a running hub (settings, the event bus ingest publishes to,
and ingest's counters); it only reads the database, through the hub's public functions.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi.staticfiles import StaticFiles
from sqlite_utils import Database

from hub import cards, days, quarantine, readers, sessions, taps
from hub.config import Settings
from hub.db import connect
from hub.events import EventBus
from hub.rights import ALL, OWN_CHILDREN, reach
from hub.timefmt import from_db, local_day_bounds
from web import hub_reasons
from web.api.journal import journal_router
from web.auth import (
    AuthContext,
    allowed,
    guard_unsafe_requests,
    install_account_globals,
    install_auth,
    require,
)
from web.errors import API_ERRORS, install_error_pages
from web.fresh_cache import FreshCache
from web.i18n import N_, LanguageMiddleware, gettext
from web.limits import install_request_limits
from web.pages import presence, reports
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
from web.params import Day
from web.security_headers import install_security_headers
from web.templating import NavItem, language_router, page_templates

HERE = Path(__file__).parent
MAX_RANGE_DAYS = 366

DateParam = Annotated[Day | None, Query(description="A local date, YYYY-MM-DD; default today")]


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
    app.include_router(journal_router(db, settings))
    app.include_router(reports.router)
    app.include_router(registry_pages(db, settings, templates))
    app.include_router(settings_pages(db, settings, templates))
    app.include_router(parent_pages(db, settings, templates))
    app.include_router(logs_pages(db, settings, templates))
    app.include_router(presence.router)
    for journal_pages in (group_day_pages, child_pages, card_pages, reader_pages):
        app.include_router(journal_pages(db, settings, templates))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    live = [Depends(require("live.view"))]

    @app.get(
        "/api/taps",
        summary="Taps between two local dates (inclusive)",
        dependencies=live,
        responses=API_ERRORS,
    )
    async def api_taps(
        from_: Annotated[Day | None, Query(alias="from")] = None, to: DateParam = None
    ) -> list[dict[str, Any]]:
        first, last = _date_range(from_, to, settings)
        start, end = local_day_bounds(first, last, settings.tz)
        return taps.list_taps(db, start, end)

    @app.get(
        "/api/readers",
        summary="Registered readers with their latest status",
        dependencies=live,
        responses=API_ERRORS,
    )
    async def api_readers() -> list[dict[str, Any]]:
        return readers.list_readers(db)

    @app.get(
        "/api/quarantine",
        summary="Rejected messages, kept with the reason, a page at a time (after: the last id seen)",
        dependencies=live,
        responses=API_ERRORS,
    )
    async def api_quarantine(
        include_resolved: bool = False,
        limit: Annotated[int, Query(ge=1, le=quarantine.MAX_PAGE)] = 50,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    ) -> dict[str, Any]:
        entries = quarantine.list_quarantine(
            db, include_resolved=include_resolved, limit=limit, after_id=after
        )
        return {
            "counts": quarantine.count_by_reason(db),
            "entries": entries,
            "next_after": entries[-1]["id"] if len(entries) == limit else None,
        }

    @app.get(
        "/api/health",
        summary="Is ingest connected and keeping up (stalled: a message waits uncommitted), what has it "
        "handled (no login: for monitoring)",
    )
    async def api_health() -> dict[str, object]:
        return ingest_state() if ingest_state else {}

    @app.get(
        "/events",
        response_class=EventSourceResponse,
        summary="Live taps and reader status (the stream ends with the session)",
        dependencies=live,
        responses=API_ERRORS,
    )
    async def live_events(request: Request) -> AsyncIterator[ServerSentEvent]:
        session_id = request.state.session["id"]
        async with events.subscribe() as inbox:
            yield ServerSentEvent(event="hello", data={"site": settings.site})
            while sessions.is_open(db, session_id):
                try:
                    event = await asyncio.wait_for(inbox.get(), timeout=SESSION_CHECK_S)
                except TimeoutError:
                    continue
                yield ServerSentEvent(
                    event=str(event["type"]), raw_data=json.dumps(event, ensure_ascii=False)
                )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def live_page(request: Request) -> Response:
        if request.state.user is not None and not allowed(request, "live.view"):
            return RedirectResponse(home_of(request), status_code=303)
        require("live.view")(request)
        today = datetime.now(settings.tz).date()
        start, end = local_day_bounds(today, today, settings.tz)
        return templates.TemplateResponse(
            request,
            "live.html",
            {
                "today": today,
                "taps": cards.attributed_taps(db, start, end),
                "outcomes": tap_events(db, settings, today),
                "readers": readers.list_readers(db),
                "quarantined": sum(quarantine.count_by_reason(db).values()),
                "timezone": settings.timezone,
            },
        )

    return app


SESSION_CHECK_S = 30
"""How often the live stream checks that its session is still open (logout, idle, blocked)."""


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


def home_of(request: Request) -> str:
    """Where an account without the live page starts: a parent at their children's page."""
    user = request.state.user
    return "/parent" if user is not None and user.role == "parent" else "/account"


EVENT_NAMES = {"arrival": N_("arrival"), "departure": N_("departure"), "debounced": N_("repeated")}


def tap_events(db: Database, settings: Settings, day: date) -> dict[str, str]:
    """What each tap of the day was, in the reader's words: `wejscie#12` → `przyjście`."""
    return {
        str(outcome.tap): gettext(EVENT_NAMES[outcome.outcome])
        for child_day in days.compute_days(db, settings, day)
        for outcome in child_day.result.tap_outcomes
        if outcome.outcome in EVENT_NAMES
    }


def _date_range(first: date | None, last: date | None, settings: Settings) -> tuple[date, date]:
    today = datetime.now(settings.tz).date()
    first = first or last or today
    last = last or first
    if last < first:
        raise HTTPException(422, "'to' is before 'from'")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise HTTPException(422, f"ask for at most {MAX_RANGE_DAYS} days at a time")
    return first, last


def _local_clock(text: str | None, settings: Settings) -> str:
    if not text:
        return "?"
    return from_db(text).astimezone(settings.tz).strftime("%H:%M:%S")


def _local_moment(text: str | None, settings: Settings) -> str:
    """A stored instant as the kindergarten's local date and time, `2026-11-18 07:40`."""
    if not text:
        return "—"
    return from_db(text).astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
