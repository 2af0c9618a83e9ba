"""The web application: every page's and API resource's router, the middleware, the menu.

`create_app` builds it around a running hub (settings, the event bus ingest publishes to,
and ingest's counters) and puts on `app.state` what the routes' dependencies hand out
(`web/deps.py`): the database, settings, templates, event bus and caches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from hub.accounts.rights import ALL, OWN_CHILDREN, reach
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.services.notifications import AttendanceNotices
from hub.store import messages as store_messages
from hub.store.db import connect
from hub.timefmt import from_db, utc_now
from web import i18n
from web.api import cards as cards_api
from web.api import children as children_api
from web.api import corrections as corrections_api
from web.api import days as days_api
from web.api import groups as groups_api
from web.api import guardians as guardians_api
from web.api import health as health_api
from web.api import messages as messages_api
from web.api import push_subscriptions as push_subscriptions_api
from web.api import quarantine as quarantine_api
from web.api import readers as readers_api
from web.api import taps as taps_api
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
from web.pages import account as account_page
from web.pages import admin as admin_page
from web.pages import announcements as announcements_page
from web.pages import backups as backups_page
from web.pages import calendar as calendar_page
from web.pages import cards as cards_page
from web.pages import child as child_page
from web.pages import demo_mailbox as demo_mailbox_page
from web.pages import door as door_page
from web.pages import erasure as erasure_page
from web.pages import group_day as group_day_page
from web.pages import kiosk as kiosk_page
from web.pages import language as language_page
from web.pages import live as live_page
from web.pages import logs as logs_page
from web.pages import message_years as message_years_page
from web.pages import messages as messages_page
from web.pages import money as money_page
from web.pages import notifications as notifications_page
from web.pages import observations as observations_page
from web.pages import parent as parent_page
from web.pages import plans as plans_page
from web.pages import presence as presence_page
from web.pages import readers as readers_page
from web.pages import registry as registry_page
from web.pages import replies as replies_page
from web.pages import reports as reports_page
from web.pages import settings as settings_page
from web.pages import staff_absences as staff_absences_page
from web.pages import statistics as statistics_page
from web.pages import year_end as year_end_page
from web.security_headers import install_security_headers
from web.static_files import install_static_files
from web.templating import NavItem, page_templates

NOT_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,  # among them text/event-stream: each event must leave at once
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/x-icon",
)
"""Answers gzip leaves alone: the event streams, and files already compressed (PDF, XLSX, images)."""
API = tuple(
    module.router
    for module in (
        groups_api,
        children_api,
        guardians_api,
        cards_api,
        days_api,
        corrections_api,
        taps_api,
        readers_api,
        quarantine_api,
        health_api,
        push_subscriptions_api,
        messages_api,
    )
)
PAGES = tuple(
    module.router
    for module in (
        language_page,
        account_page,
        notifications_page,
        erasure_page,
        admin_page,
        backups_page,
        year_end_page,
        live_page,
        presence_page,
        door_page,
        kiosk_page,
        group_day_page,
        child_page,
        plans_page,
        observations_page,
        cards_page,
        readers_page,
        reports_page,
        statistics_page,
        registry_page,
        settings_page,
        money_page,
        parent_page,
        logs_page,
        announcements_page,
        calendar_page,
        replies_page,
        staff_absences_page,
        message_years_page,  # before messages: /messages/years is no message's id
        messages_page,
    )
)
"""Each module's router, in the order routes are matched."""


def create_app(
    settings: Settings,
    events: EventBus,
    ingest_state: Callable[[], dict[str, object]] | None = None,
    demo_mailbox: Path | None = None,
    wake_sender: Callable[[], None] | None = None,
) -> FastAPI:
    """`demo_mailbox`: the demo's Maildir, shown at `/demo/mailbox` (no such page otherwise);
    `wake_sender`: the notification sender's wake, called after a page queued notifications."""
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
        NavItem("/grid", N_("At the door"), visible=may_see_all("attendance.view")),
        NavItem("/days", N_("Group day"), visible=may_see_all("attendance.view")),
        NavItem("/cards", N_("Cards"), visible=may_see("cards.edit")),
        NavItem("/readers", N_("Readers"), visible=may_see("live.view")),
        NavItem("/reports", N_("Reports"), visible=may_see_any("reports.attendance", "reports.fees")),
        NavItem("/statistics", N_("Attendance statistics"), visible=may_see_all("reports.attendance")),
        NavItem("/registry", N_("Registry"), visible=may_see_all("registry.view")),
        NavItem("/plans", N_("Work plans"), visible=may_see("plans.view")),
        NavItem(
            "/observations", N_("Observations"), visible=may_see_any("observations.view", "readiness.view")
        ),
        NavItem("/inconsistencies", N_("Inconsistency log"), visible=may_see_all("attendance.view")),
        NavItem("/settings", N_("Settings"), visible=may_see_all("settings.view")),
        NavItem("/months", N_("Closing months"), visible=may_see_all("settings.view")),
        NavItem("/money", N_("Payments"), visible=may_see_all("reports.fees")),
        NavItem("/audit", N_("Audit log"), visible=may_see_all("audit.view")),
        NavItem("/staff-absences", N_("Staff absences"), visible=may_see("staff_absences.manage")),
        NavItem("/parent", N_("My children"), visible=sees_own_children),
        NavItem("/announcements", N_("Announcements"), visible=may_see("announcements.view")),
        NavItem("/calendar", N_("Calendar"), visible=may_see("calendar.view")),
        NavItem("/messages", N_("Messages"), visible=may_see("messages.read"), badge=unread_messages),
        NavItem("/replies", N_("Replies due"), visible=owes_replies),
        NavItem("/replies/panel", N_("Teachers' replies"), visible=may_see("replies.oversee")),
        NavItem("/admin/users", N_("Accounts"), visible=may_see("users.view")),
        NavItem("/admin/logins", N_("Login statistics"), visible=may_see("logins.stats")),
        NavItem("/admin/backups", N_("Backups"), visible=may_see("backups.manage")),
        NavItem("/year-end", N_("End of the school year"), visible=may_see("year_end.view")),
        NavItem("/kiosk", N_("Kiosk"), visible=may_see("kiosk.use")),
    ]
    templates = page_templates(nav)
    install_account_globals(templates)
    templates.context_processors.append(account_page.login_notice)
    templates.context_processors.append(announcements_page.home_announcements)
    auth = AuthContext(db, settings)
    app.state.db, app.state.settings, app.state.events = db, settings, events
    app.state.templates = templates
    app.state.clock = utc_now
    app.state.fresh_cache = FreshCache(db, lambda: app.state.clock().astimezone(settings.tz))
    # The boards' stream renders in one thread of its own: its connection's cache serves them all
    app.state.board_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presence-board")
    app.state.board_cache = FreshCache(db, lambda: app.state.clock().astimezone(settings.tz))
    app.state.ingest_state = ingest_state
    # Arrivals and departures recorded on a page (the kiosk) queue the guardians' notifications
    app.state.attendance_notices = AttendanceNotices(settings.tz, clock=lambda: app.state.clock())
    app.state.wake_sender = wake_sender or (lambda: None)
    templates.env.filters["clock"] = lambda text: _local_clock(text, settings)
    templates.env.filters["when"] = lambda text: _local_moment(text, settings)
    install_request_limits(app)
    app.add_middleware(LanguageMiddleware)
    install_auth(app, auth)
    install_security_headers(app)
    install_error_pages(app, templates)
    for router in (*PAGES, *API):
        app.include_router(router)
    if demo_mailbox is not None:
        app.state.demo_mailbox = demo_mailbox
        app.include_router(demo_mailbox_page.router)
    install_static_files(app)
    # Pages, CSS, scripts, JSON and CSV leave compressed (a page is a fifth of its size)
    app.add_middleware(GZipMiddleware, minimum_size=500, exclude_content_types=NOT_COMPRESSED)

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


def owes_replies(request: Request) -> bool:
    """A teacher's menu item: the parents' messages waiting for their reply (the director,
    who holds every right, reads the panel instead)."""
    return allowed(request, "replies.own") and not allowed(request, "replies.oversee")


def unread_messages(request: Request) -> int:
    """The menu's count beside "Messages": the signed-in account's unread messages."""
    return store_messages.unread_count(request.app.state.db, request.state.user.id)


def may_see_any(*rights: str) -> Callable[[Request], bool]:
    return lambda request: any(allowed(request, right) for right in rights)


def _local_clock(text: str | None, settings: Settings) -> str:
    if not text:
        return "?"
    return from_db(text).astimezone(settings.tz).strftime("%H:%M:%S")


def _local_moment(text: str | None, settings: Settings) -> str:
    """A stored instant as the kindergarten's local date and time in the reader's language:
    `18.11.2026 07:40` / `Nov 18, 2026 07:40`."""
    if not text:
        return "—"
    return i18n.moment(from_db(text).astimezone(settings.tz))
