"""`/cards`: giving a card to a child, revoking one (with a reason; its history stays), and
the cards tapped lately that belong to nobody, each assignable to a child in one step.

An unknown card is assigned from the start of the day it was first seen (or a day the
person picks), so the child's earlier taps of that day are attributed at once
(`hub.cards.assign_card_from_day`); a card handed out now may start counting from now.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database
from starlette.datastructures import QueryParams

from hub.config import Settings
from hub.refusal import Refusal
from hub.services.typed_uid import card_uid_from_typed
from hub.store import cards, registry
from hub.store.db import stored_integer
from hub.timefmt import from_db, local_day_bounds
from web.auth import actor, require
from web.deps import Db, SiteSettings, Templates, today
from web.errors import Refused
from web.forms import FormError, FormFields, optional_date, required_text
from web.i18n import N_, _
from web.pages.journal_views import local_time
from web.paging import Paged, paged
from web.params import RowId
from web.templating import Flash

UNKNOWN_DAYS = 7
"""How far back the list of unknown cards looks."""
UNKNOWN_PAGE = 10
"""Unknown cards on one page: each has its assignment form."""
SAVED = {
    "assigned": N_("The card was assigned."),
    "revoked": N_("The card was revoked; its earlier taps stay with the child."),
}


def unknown_card_rows(db: Database, settings: Settings, today: date) -> list[dict[str, Any]]:
    """Cards tapped in the last `UNKNOWN_DAYS` days that belong to nobody, newest first, with
    the local day each was first seen (the default day its assignment counts from)."""
    since = local_day_bounds(today - timedelta(days=UNKNOWN_DAYS - 1), today, settings.tz)[0]
    rows = []
    for row in cards.unknown_cards(db, since):
        first, last = (from_db(row[key]).astimezone(settings.tz) for key in ("first_seen", "last_seen"))
        rows.append(
            {
                **row,
                "first_day": first.date(),
                "first_clock": first.strftime("%d.%m %H:%M"),
                "last_clock": last.strftime("%d.%m %H:%M"),
            }
        )
    return rows


def _unknown_page(
    db: Database, settings: Settings, query: QueryParams, uid: str | None
) -> Paged[dict[str, Any]]:
    """The page of unknown cards asked for, or the one with card `uid` (named by the address,
    or its assignment refused)."""
    rows = unknown_card_rows(db, settings, today(settings))
    named = [number for number, row in enumerate(rows) if row["uid"] == uid]
    return paged(rows, query, "unknown_page", UNKNOWN_PAGE, showing=named[0] if named else -1)


router = APIRouter(prefix="/cards", include_in_schema=False, dependencies=[Depends(require("cards.edit"))])


def page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    query = request.query_params
    show_all = query.get("show") == "all"
    children = registry.list_children(db, on=today(settings))
    saved = SAVED.get(query.get("saved", ""))
    context = {
        "cards": [
            {
                **card,
                "since": local_time(card["valid_from"], settings),
                "ended": local_time(card["revoked_at"], settings),
            }
            for card in cards.list_cards(db, include_revoked=show_all)
        ],
        "show_all": show_all,
        "unknown": _unknown_page(
            db, settings, query, extra.get("values", {}).get("unknown") or query.get("uid")
        ),
        "unknown_days": UNKNOWN_DAYS,
        "child_options": [
            (child["id"], f"{child['last_name']} {child['first_name']} ({child['group_name']})")
            for child in children
        ],
        "today": today(settings),
        "highlight": query.get("uid", ""),
        "values": {"child_id": query.get("child", ""), "from_day": today(settings).isoformat()},
        "failed": None,
        "error": None,
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        **extra,
    }
    return templates.TemplateResponse(request, "cards.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def card_list(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    return page(request, db, settings, templates)


@router.post("", response_class=HTMLResponse)
def assign(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    """A new card, or an unknown one from the list (then `unknown` names its UID)."""
    failed = f"unknown-{fields['unknown']}" if fields.get("unknown") else "new"
    try:
        uid = _typed_uid(db, required_text(fields.get("uid"), "uid"))
        child_id = _child_id(db, fields.get("child_id", ""))
        author, number, holder = actor(request), fields.get("number", ""), fields.get("holder", "")
        if fields.get("from_now") == "yes":
            cards.assign_card(db, uid=uid, child_id=child_id, author=author, number=number, holder=holder)
        else:
            day = optional_date(fields.get("from_day"), "from_day") or today(settings)
            if day > today(settings):
                raise FormError(N_("A card counts from today or an earlier day."), "from_day")
            cards.assign_card_from_day(
                db,
                day=day,
                tz=settings.tz,
                uid=uid,
                child_id=child_id,
                author=author,
                number=number,
                holder=holder,
            )
    except (FormError, Refusal) as exc:
        return page(request, db, settings, templates, 422, values=fields, failed=failed, error=exc)
    return RedirectResponse("/cards?saved=assigned", status_code=303)


def _typed_uid(db: Database, typed: str) -> str:
    """The UID as typed by hand or by a USB desk reader (`hub.services.typed_uid`)."""
    try:
        return card_uid_from_typed(db, typed)
    except Refusal as refusal:
        raise FormError(refusal.template, "uid", **refusal.params) from refusal


@router.post("/{card_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields, card_id: RowId
) -> Response:
    try:
        cards.get_card(db, card_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
    try:
        reason = required_text(fields.get("reason"), "reason")
        cards.revoke_card(db, card_id, author=actor(request), reason=reason)
    except (FormError, Refusal) as exc:
        return page(
            request, db, settings, templates, 422, values=fields, failed=f"revoke-{card_id}", error=exc
        )
    return RedirectResponse("/cards?saved=revoked", status_code=303)


def _child_id(db: Database, value: str) -> int:
    child_id = stored_integer(value)
    if child_id is None:
        raise FormError(N_("Choose a child."), "child_id")
    try:
        return int(registry.get_child(db, child_id)["id"])
    except Refusal as exc:
        raise FormError(N_("Choose a child."), "child_id") from exc
