"""`/announcements`: announcements (ogłoszenia) the reader is concerned by, current and past,
publishing one and withdrawing it with a reason; and the box of current ones on each
reader's home page (`home_announcements`, a template context processor).

The director, the secretary and the administrator publish for anyone; a teacher for their
own groups only (`announcements.publish`, reach own groups); everyone reads what concerns
them (`hub.rules.agenda`). The home pages (the live page, a teacher's group at the door, a
parent's children) include `announcements_home.html`, which asks for the day's ones only
when it is drawn, by the app's clock (`Clock`), so a test sets the day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts.rights import ALL, Account, may, reach
from hub.refusal import Refusal
from hub.rules.agenda import AUDIENCES, EVERYONE, GROUP, PARENTS, STAFF, Reader
from hub.services import announcements as publishing
from hub.store import announcements, registry
from hub.store.db import stored_integer
from web.auth import check, deny
from web.deps import Clock, Page
from web.forms import FormError, FormFields, required_date
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

AUDIENCE_NAMES = {
    EVERYONE: N_("Everyone"),
    STAFF: N_("Staff"),
    PARENTS: N_("Parents"),
    GROUP: N_("Group"),
}
SAVED = {
    "published": N_("The announcement was published."),
    "withdrawn": N_("The announcement was withdrawn."),
}
DEFAULT_DAYS = 7
"""How long a new announcement is shown unless its author says otherwise."""
RIGHT = "announcements.publish"

router = APIRouter(prefix="/announcements", include_in_schema=False)


def reader_for(db: Database, user: Account) -> Reader:
    """The signed-in account as the audiences see it."""
    return announcements.reader_of(db, user.role, user.groups, user.children)


def home_announcements(request: Request) -> dict[str, Any]:
    """A template context processor: `home_announcements()` gives the announcements a home
    page shows its reader today (read only when a template calls it)."""

    def current() -> list[dict[str, Any]]:
        user = getattr(request.state, "user", None)
        if user is None or not may(user, "announcements.view"):
            return []
        state = request.app.state
        today = state.clock().astimezone(state.settings.tz).date()
        return announcements.current_for_reader(state.db, reader_for(state.db, user), today)

    return {"home_announcements": current}


def may_withdraw(user: Account, row: dict[str, Any]) -> bool:
    """The office withdraws any announcement, a teacher those of their own groups."""
    if reach(user, RIGHT) == ALL:
        return True
    return row["audience"] == GROUP and may(user, RIGHT, group_id=row["group_id"])


def audience_options(db: Database, user: Account) -> list[tuple[str, str]]:
    """What the publishing form offers this account: every audience for the office, a
    teacher only their own groups."""
    groups = [g for g in registry.list_groups(db) if may(user, RIGHT, group_id=g["id"])]
    whole = (
        [(a, _(AUDIENCE_NAMES[a])) for a in (EVERYONE, PARENTS, STAFF)] if reach(user, RIGHT) == ALL else []
    )
    return whole + [(f"{GROUP}:{g['id']}", _("Group: %(name)s") % {"name": g["name"]}) for g in groups]


def announcements_page(
    page: Page, user: Account, today: date, *, status: int = 200, **extra: Any
) -> Response:
    db = page.db
    rows = announcements.for_reader(db, reader_for(db, user))
    current = [row for row in rows if announcements.is_current(row, today)]
    others = [row for row in rows if not announcements.is_current(row, today)]
    for row in rows:
        row["withdrawable"] = may_withdraw(user, row) and not row["withdrawn_at"]
    saved = page.request.query_params.get("saved", "")
    context = {
        "current": current,
        "others": others,
        "today": today,
        "group_names": {g["id"]: g["name"] for g in registry.list_groups(db)},
        "audience_names": AUDIENCE_NAMES,
        "can_publish": may(user, RIGHT),
        "audience_options": audience_options(db, user) if may(user, RIGHT) else [],
        "values": {
            "shown_from": today.isoformat(),
            "shown_to": (today + timedelta(days=DEFAULT_DAYS)).isoformat(),
        },
        "error": None,
        "withdrawing": None,
        "flashes": [Flash(_(SAVED[saved]), "ok")] if saved in SAVED else [],
        **extra,
    }
    return page.templates.TemplateResponse(page.request, "announcements.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def announcement_list(page: Page, clock: Clock, request: Request) -> Response:
    user = check(request, "announcements.view")
    return announcements_page(page, user, clock().astimezone(page.settings.tz).date())


@router.post("", response_class=HTMLResponse)
def publish(page: Page, clock: Clock, request: Request, fields: FormFields) -> Response:
    user = check(request, RIGHT)
    audience, group_id = chosen_audience(fields.get("audience", ""))
    if group_id is not None:
        check(request, RIGHT, group_id=group_id)
    elif reach(user, RIGHT) != ALL and audience in AUDIENCES:
        deny(request, RIGHT, "not for every child")
        raise HTTPException(403)
    now = clock()
    try:
        publishing.publish(
            page.db,
            title=fields.get("title", ""),
            body=fields.get("body", ""),
            audience=audience,
            group_id=group_id,
            shown_from=required_date(fields.get("shown_from"), "shown_from"),
            shown_to=required_date(fields.get("shown_to"), "shown_to"),
            author=user.login,
            author_id=user.id,
            today=now.astimezone(page.settings.tz).date(),
            now=now,
        )
    except (FormError, Refusal) as exc:
        today = now.astimezone(page.settings.tz).date()
        return announcements_page(page, user, today, status=422, values=fields, error=exc)
    request.app.state.wake_sender()
    return RedirectResponse("/announcements?saved=published", status_code=303)


@router.post("/{announcement_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    page: Page, clock: Clock, request: Request, fields: FormFields, announcement_id: RowId
) -> Response:
    user = check(request, RIGHT)
    try:
        row = announcements.get_announcement(page.db, announcement_id)
    except Refusal as exc:
        raise HTTPException(404, str(exc)) from exc
    if not may_withdraw(user, row):
        target = f"group {row['group_id']}" if row["group_id"] else None
        deny(request, RIGHT, "not theirs" if target else "not for every child", target=target)
        raise HTTPException(403)
    now = clock()
    try:
        announcements.withdraw(
            page.db, announcement_id, reason=fields.get("reason", ""), author=user.login, now=now
        )
    except Refusal as exc:
        today = now.astimezone(page.settings.tz).date()
        return announcements_page(page, user, today, status=422, error=exc, withdrawing=announcement_id)
    return RedirectResponse("/announcements?saved=withdrawn", status_code=303)


def chosen_audience(value: str) -> tuple[str, int | None]:
    """The form's audience: `everyone`, `staff`, `parents` or `group:<id>`; anything else is
    passed on as it is, for the hub to refuse."""
    kind, _sep, number = value.partition(":")
    if kind == GROUP:
        return GROUP, stored_integer(number)
    return kind, None
