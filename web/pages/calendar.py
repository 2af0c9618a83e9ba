"""`/calendar`: the calendar (terminarz) of a month: events for the reader's groups and for
all, the site's closed days and Poland's public holidays (shown without being entered);
adding and cancelling events; the reader's private iCalendar feed and its link.

The office adds events for anyone, a teacher for their own groups (`calendar.edit`);
everyone reads what concerns them (`hub.rules.agenda`). The feed (`/calendar/feed/<token>.ics`)
needs no login: its secret token is the key. An unknown, revoked or malformed token, or
one of an account that no longer works, is a plain 404 that says nothing more. The token is
shown once, on the page that made it; the database keeps its hash (`hub.accounts.calendar_feeds`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts import accounts, calendar_feeds
from hub.accounts.rights import ALL, Account, may, reach
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.agenda import EVENT_KINDS, days_off, month_days
from hub.rules.attendance import local_instant
from hub.services import calendar_feed
from hub.store import announcements, calendar_events, registry, site_settings
from hub.store.db import stored_integer
from hub.timefmt import from_db
from web.auth import actor, check, deny
from web.deps import Clock, Db, Page, SiteSettings
from web.forms import FormError, FormFields, month, optional_date, required_date
from web.forms import clock as clock_time
from web.i18n import N_, _, month_name
from web.params import RowId
from web.templating import Flash

KIND_NAMES = {
    "meeting": N_("Meeting"),
    "trip": N_("Trip"),
    "celebration": N_("Celebration"),
    "consultation": N_("Consultations"),
    "day_off": N_("Day off"),
    "other": N_("Other"),
}
SAVED = {
    "added": N_("The event was added to the calendar."),
    "cancelled": N_("The event was cancelled."),
    "revoked": N_("The calendar link was revoked: calendars subscribed to it no longer get updates."),
}
RIGHT = "calendar.edit"
ALL_GROUPS = "all"
FEED_PATH = "/calendar/feed/{token}.ics"

router = APIRouter(prefix="/calendar", include_in_schema=False)


def calendar_page(
    page: Page, user: Account, now: datetime, shown: tuple[int, int] | None = None, *, status: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    db, tz = page.db, page.settings.tz
    today = now.astimezone(tz).date()
    first, last = month_days(*(shown or (today.year, today.month)))
    reader = announcements.reader_of(db, user.role, user.groups, user.children)
    groups = {g["id"]: g["name"] for g in registry.list_groups(db)}
    events = [
        _shown_event(row, groups, tz, user)
        for row in calendar_events.events_between(db, first, last, reader=reader)
    ]
    closed = {date.fromisoformat(row["day"]): row["reason"] for row in site_settings.closed_days(db)}
    offs = {off.day: off for off in days_off(first, last, closed)}
    days = []
    for number in range((last - first).days + 1):
        day = first + timedelta(days=number)
        on_day = [event for event in events if event["start_day"] <= day.isoformat() <= event["end_day"]]
        days.append({"day": day, "events": on_day, "off": offs.get(day), "today": day == today})
    saved = page.request.query_params.get("saved", "")
    context = {
        "month": first,
        "month_title": month_name(first),
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": (last + timedelta(days=1)).strftime("%Y-%m"),
        "weeks": _weeks(days),
        "agenda": [day for day in days if day["events"] or day["off"]],
        "kind_names": KIND_NAMES,
        "can_edit": may(user, RIGHT),
        "group_options": _group_options(db, user) if may(user, RIGHT) else [],
        "kind_options": [(kind, _(KIND_NAMES[kind])) for kind in EVENT_KINDS],
        "values": {"start_day": today.isoformat()},
        "error": None,
        "cancelling": None,
        "feed": calendar_feeds.current_feed(db, user.id),
        "feed_links": None,
        "flashes": [Flash(_(SAVED[saved]), "ok")] if saved in SAVED else [],
        **extra,
    }
    return page.templates.TemplateResponse(page.request, "calendar.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def show_calendar(page: Page, clock: Clock, request: Request) -> Response:
    user = check(request, "calendar.view")
    shown = request.query_params.get("month")
    try:
        chosen = month(shown, "month") if shown else None
        if chosen and not 2000 <= chosen[0] <= 2099:
            raise FormError(N_("Month must be given as YYYY-MM."), "month")
    except FormError as exc:
        return calendar_page(page, user, clock(), status=422, month_error=exc)
    return calendar_page(page, user, clock(), chosen)


@router.post("/events", response_class=HTMLResponse)
def add_event(page: Page, clock: Clock, request: Request, fields: FormFields) -> Response:
    user = check(request, RIGHT)
    chosen = fields.get("group", "")
    group_id = None if chosen == ALL_GROUPS else stored_integer(chosen)
    if group_id is not None:
        check(request, RIGHT, group_id=group_id)
    elif reach(user, RIGHT) != ALL:
        deny(request, RIGHT, "not for every child")
        raise HTTPException(403)
    now = clock()
    try:
        if chosen != ALL_GROUPS and group_id is None:
            raise FormError(N_("Choose one of the options."), "group")
        start, end = event_times(fields, page.settings)
        row = calendar_events.add_event(
            page.db, kind=fields.get("kind", ""), title=fields.get("title", ""),
            place=fields.get("place", ""), group_id=group_id, start=start, end=end, author=user.login,
            tz=page.settings.tz, now=now,
        )  # fmt: skip
    except (FormError, Refusal) as exc:
        return calendar_page(page, user, now, status=422, values=fields, error=exc)
    return RedirectResponse(f"/calendar?month={row['start_day'][:7]}&saved=added", status_code=303)


@router.post("/events/{event_id}/cancel", response_class=HTMLResponse)
def cancel_event(page: Page, clock: Clock, request: Request, fields: FormFields, event_id: RowId) -> Response:
    user = check(request, RIGHT)
    try:
        row = calendar_events.get_event(page.db, event_id)
    except Refusal as exc:
        raise HTTPException(404, str(exc)) from exc
    if not may_cancel(user, row):
        target = f"group {row['group_id']}" if row["group_id"] else None
        deny(request, RIGHT, "not theirs" if target else "not for every child", target=target)
        raise HTTPException(403)
    now = clock()
    try:
        calendar_events.cancel_event(
            page.db, event_id, reason=fields.get("reason", ""), author=user.login, now=now
        )
    except Refusal as exc:
        return calendar_page(page, user, now, status=422, error=exc, cancelling=event_id)
    return RedirectResponse(f"/calendar?month={row['start_day'][:7]}&saved=cancelled", status_code=303)


@router.post("/feed", response_class=HTMLResponse)
def new_feed_link(page: Page, clock: Clock, request: Request) -> Response:
    """A new private link (the old one stops working): shown on this page, this once."""
    user = check(request, "calendar.view")
    token = calendar_feeds.new_feed(page.db, user.id, author=actor(request), now=clock())
    return calendar_page(page, user, clock(), feed_links=feed_links(request, token))


@router.post("/feed/revoke", response_class=HTMLResponse)
def revoke_feed_link(page: Page, clock: Clock, request: Request) -> Response:
    user = check(request, "calendar.view")
    calendar_feeds.revoke_feed(page.db, user.id, author=actor(request), now=clock())
    return RedirectResponse("/calendar?saved=revoked#feed", status_code=303)


@router.get("/feed/{token}.ics")
def feed(db: Db, settings: SiteSettings, clock: Clock, token: str) -> Response:
    """The reader's calendar for a phone: no login, the token is the key."""
    now = clock()
    owner = calendar_feeds.feed_owner(db, token)
    user = accounts.load_account(db, owner, now.astimezone(settings.tz).date()) if owner else None
    if user is None or not may(user, "calendar.view"):
        raise HTTPException(404)
    reader = announcements.reader_of(db, user.role, user.groups, user.children)
    body = calendar_feed.feed(db, reader, site=settings.site, tz=settings.tz, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8")


def feed_links(request: Request, token: str) -> dict[str, str]:
    """The feed's address for a phone's calendar (webcal://) and for a browser (http(s)://)."""
    web = f"{request.base_url}".rstrip("/") + FEED_PATH.format(token=token)
    return {"webcal": "webcal://" + web.split("://", 1)[1], "https": web}


def event_times(fields: dict[str, str], settings: Settings) -> tuple[date, date] | tuple[datetime, datetime]:
    """The form's start and end: two dates for an all-day event (no times given), else two
    instants (both times given)."""
    first = required_date(fields.get("start_day"), "start_day")
    last = optional_date(fields.get("end_day"), "end_day") or first
    starts, ends = fields.get("start_time", ""), fields.get("end_time", "")
    if not starts and not ends:
        return first, last
    if not starts:
        raise FormError(N_("Give the start time too, or neither time for an all-day event."), "start_time")
    if not ends:
        raise FormError(N_("Give the end time too, or neither time for an all-day event."), "end_time")
    start_time, end_time = clock_time(starts, "start_time"), clock_time(ends, "end_time")
    return local_instant(first, start_time, settings.tz), local_instant(last, end_time, settings.tz)


def may_cancel(user: Account, row: dict[str, Any]) -> bool:
    """The office cancels any event, a teacher those of their own groups."""
    if reach(user, RIGHT) == ALL:
        return True
    return row["group_id"] is not None and may(user, RIGHT, group_id=row["group_id"])


def _group_options(db: Database, user: Account) -> list[tuple[str, str]]:
    whole = [(ALL_GROUPS, _("All groups"))] if reach(user, RIGHT) == ALL else []
    return whole + [
        (str(g["id"]), g["name"]) for g in registry.list_groups(db) if may(user, RIGHT, group_id=g["id"])
    ]


def _shown_event(row: dict[str, Any], groups: dict[int, str], tz: ZoneInfo, user: Account) -> dict[str, Any]:
    shown = dict(row)
    shown["group_name"] = groups.get(row["group_id"]) if row["group_id"] else None
    shown["cancellable"] = may_cancel(user, row)
    if not row["all_day"]:
        shown["starts"] = from_db(row["starts_at"]).astimezone(tz)
        shown["ends"] = from_db(row["ends_at"]).astimezone(tz)
    return shown


def _weeks(days: list[dict[str, Any]]) -> list[list[dict[str, Any] | None]]:
    """The month's days as weeks from Monday, blanks before the first and after the last."""
    cells: list[dict[str, Any] | None] = [None] * days[0]["day"].weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[n : n + 7] for n in range(0, len(cells), 7)]
