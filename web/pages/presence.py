"""`/presence`: who is in the building now, per group, kept current by the live event stream.

The board is server-rendered; `presence.js` listens to `/presence/events`, which pushes the
board (without the page around it) after each tap, and swaps it in, so the rules that
decide who is in live in one place (`hub.services.presence.presence_now`). Teachers see
every group: in an evacuation anyone may have to account for any child; their own groups
come first. From the site's `missing_from` hour the board also lists who is missing: the
children expected today who have not come (`hub.services.door.missing_now`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlite_utils import Database

from hub.accounts import sessions
from hub.config import Settings
from hub.services import door
from hub.services.days import ChildDay, compute_days
from hub.services.presence import presence_now
from hub.store import site_settings
from hub.timefmt import utc_now
from web.auth import allowed, require
from web.deps import Cache, Clock, Db, Events, SiteSettings, Templates
from web.fresh_cache import FreshCache
from web.i18n import N_, current_language, language

UNCERTAIN = {
    "missing departure: a later arrival was recorded without one": N_(
        "check: a later arrival was recorded without a departure"
    ),
    "missing departure: still in after closing time": N_("check: still in after closing time"),
    "departs later today; the arrival was not recorded": N_("check: the arrival was not recorded"),
    "marked present; times not recorded": N_("check: marked present without times"),
    "only unconfirmed unknown-time taps": N_("check: only taps with an unknown time"),
}
"""`hub.rules.attendance.presence`'s reasons for listing a child it is not sure of, as the board
words them (message ids; translated in the template)."""


T = TypeVar("T")
BOARD_EVENTS = frozenset({"tap", "attendance"})
"""The events after which the board is pushed again: a tap, or a change of someone's day
made on a page (the door's grid, the kiosk, a correction)."""
BOARD_REFRESH_S = 30
"""Without taps the board is pushed again this often: closing time passes, sessions end."""


def presence_board(
    db: Database, settings: Settings, now: datetime | None = None, cache: FreshCache | None = None
) -> dict[str, Any]:
    """The board's values: each group with its children in now, and the totals. With a
    `cache`, the groups are computed once per change of the database (or minute): every
    open board asks for them after each tap."""
    moment = now or utc_now()
    if cache:
        groups, missing = cache.get("presence", lambda: _board_groups(db, settings, moment))
    else:
        groups, missing = _board_groups(db, settings, moment)
    local = moment.astimezone(settings.tz)
    return {
        "groups": groups,
        "missing": missing,
        "missing_count": sum(len(group["children"]) for group in missing),
        "missing_from": site_settings.missing_from(db).strftime("%H:%M"),
        "in_building": sum(group["count"] for group in groups),
        "attending": sum(group["attending"] for group in groups),
        "as_of": local.strftime("%H:%M:%S"),
        "today": local.date(),
    }


def _board_groups(
    db: Database, settings: Settings, moment: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Who is in, by group, and who is missing, by group: today's days computed once for both."""
    today = moment.astimezone(settings.tz).date()
    child_days = compute_days(db, settings, today, now=moment)
    return _groups(db, settings, moment, child_days), _missing(db, settings, moment, child_days)


def _groups(
    db: Database, settings: Settings, moment: datetime, child_days: list[ChildDay]
) -> list[dict[str, Any]]:
    groups = presence_now(db, settings, moment, child_days)
    for group in groups:
        for child in group["children"]:
            child["clock"] = (
                child["since"].astimezone(settings.tz).strftime("%H:%M") if child["since"] else "?"
            )
            child["check"] = None if child["certain"] else UNCERTAIN.get(child["why"], child["why"])
    return groups


def _missing(
    db: Database, settings: Settings, moment: datetime, child_days: list[ChildDay]
) -> list[dict[str, Any]]:
    """The children expected today and not come by the set hour, by group."""
    groups: dict[int, dict[str, Any]] = {}
    for entry in door.missing_now(db, settings, moment, child_days):
        child = entry.child
        group = groups.setdefault(
            child["group_id"], {"group_id": child["group_id"], "group": child["group_name"], "children": []}
        )
        group["children"].append(
            {"child_id": child["id"], "name": f"{child['first_name']} {child['last_name']}"}
        )
    return list(groups.values())


router = APIRouter(
    prefix="/presence", include_in_schema=False, dependencies=[Depends(require("presence.view"))]
)


@router.get("", response_class=HTMLResponse)
def presence(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, cache: Cache, clock: Clock
) -> HTMLResponse:
    board = presence_board(db, settings, now=clock(), cache=cache)
    own = request.state.user.groups
    context = {
        **board,
        "groups": sorted(board["groups"], key=lambda group: group["group_id"] not in own),
        "own_groups": " ".join(str(group_id) for group_id in sorted(own)),
        "can_print": allowed(request, "reports.attendance"),
    }
    return templates.TemplateResponse(request, "presence.html", context)


def rendered_board(app_state: Any, code: str) -> str:
    """The board alone, the same for every viewer (teachers see every group): rendered
    once per change and language, however many boards are open."""
    db, settings, cache = app_state.db, app_state.settings, app_state.board_cache
    with language(code):
        return cache.get(
            ("board", code),
            lambda: app_state.templates.get_template("presence_board.html").render(
                presence_board(db, settings, now=app_state.clock(), cache=cache)
            ),
        )


@router.get("/board", response_class=HTMLResponse)
def board(request: Request) -> HTMLResponse:
    """The board alone, for a browser without server-sent events to poll."""
    return HTMLResponse(rendered_board(request.app.state, current_language()))


@router.get("/events", response_class=EventSourceResponse)
async def board_events(request: Request, db: Db, events: Events) -> AsyncIterator[ServerSentEvent]:
    """The board pushed after every tap (and every half minute, for the clock's sake)
    while the session lasts: one render serves every open board, and no board has to
    ask for it. The stream waits on the loop; the database and the rendering run in the
    board's own thread (`app.state.board_worker`), one for every open board, so its
    connection's cache serves them all."""
    session_id = request.state.session["id"]
    code = current_language()
    worker = request.app.state.board_worker

    async def off_loop(function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(worker, function, *args)

    async with events.subscribe() as inbox:
        yield ServerSentEvent(event="board", data=await off_loop(rendered_board, request.app.state, code))
        while await off_loop(sessions.is_open, db, session_id):
            try:
                event = await asyncio.wait_for(inbox.get(), timeout=BOARD_REFRESH_S)
            except TimeoutError:
                event = None
            if event is None or event["type"] in BOARD_EVENTS:
                yield ServerSentEvent(
                    event="board", data=await off_loop(rendered_board, request.app.state, code)
                )
