"""`/`: the live page (today's taps, readers, the quarantine's count) and `/events`, its
server-sent event stream of taps and reader status while the session lasts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlite_utils import Database
from starlette.concurrency import run_in_threadpool

from hub.accounts import sessions
from hub.config import Settings
from hub.services import days
from hub.store import cards, quarantine, readers
from hub.timefmt import local_day_bounds
from web.auth import allowed, require
from web.deps import Db, Events, SiteSettings, Templates
from web.errors import API_ERRORS
from web.i18n import N_, gettext

SESSION_CHECK_S = 30
"""How often the live stream checks that its session is still open (logout, idle, blocked)."""
EVENT_NAMES = {"arrival": N_("arrival"), "departure": N_("departure"), "debounced": N_("repeated")}

router = APIRouter()


@router.get(
    "/events",
    response_class=EventSourceResponse,
    summary="Live taps and reader status (the stream ends with the session)",
    dependencies=[Depends(require("live.view"))],
    responses=API_ERRORS,
)
async def live_events(
    request: Request, db: Db, settings: SiteSettings, events: Events
) -> AsyncIterator[ServerSentEvent]:
    """Async: it waits for events on the loop; the session check runs in a thread."""
    session_id = request.state.session["id"]
    async with events.subscribe() as inbox:
        yield ServerSentEvent(event="hello", data={"site": settings.site})
        while await run_in_threadpool(sessions.is_open, db, session_id):
            try:
                event = await asyncio.wait_for(inbox.get(), timeout=SESSION_CHECK_S)
            except TimeoutError:
                continue
            yield ServerSentEvent(event=str(event["type"]), raw_data=json.dumps(event, ensure_ascii=False))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def live_page(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> Response:
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


def home_of(request: Request) -> str:
    """Where an account without the live page starts: a parent at their children's page,
    the kiosk at its PIN form."""
    user = request.state.user
    role = user.role if user is not None else None
    return {"parent": "/parent", "kiosk": "/kiosk"}.get(role or "", "/account")


def tap_events(db: Database, settings: Settings, day: date) -> dict[str, str]:
    """What each tap of the day was, in the reader's words: `wejscie#12` → `przyjście`."""
    return {
        str(outcome.tap): gettext(EVENT_NAMES[outcome.outcome])
        for child_day in days.compute_days(db, settings, day)
        for outcome in child_day.result.tap_outcomes
        if outcome.outcome in EVENT_NAMES
    }
