"""`/replies`: the parents' messages a teacher owes a reply (000 §3.5: within 3 working days,
from the return when absent), overdue first, each with its due day, a link to its thread and
"nie wymaga odpowiedzi" with a reason; `/replies/panel`: the director's view per teacher —
overdue, due today, due later and answered late this month.

Terms come from `hub.services.reply_terms` as of the app's clock (`Clock`), so a test sets
the day the panel is read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.services import reply_terms
from hub.store import replies
from web.auth import actor, require, signed_in
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import FormFields
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

SAVED = {"waived": N_("Marked as needing no reply.")}

router = APIRouter(prefix="/replies", include_in_schema=False)


def due_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    today: date,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    user = signed_in(request)
    saved = SAVED.get(request.query_params.get("saved", ""))
    owed = reply_terms.owed(db, settings, today, user.id)
    failed = extra.get("failed")
    context = {
        "owed": owed,
        "top_error": extra.get("error")
        if failed and failed not in {f"waive-{o.message_id}" for o in owed}
        else None,
        "waived": replies.waivers(db, user.id),
        "today": today,
        "values": {},
        "failed": None,
        "error": None,
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        **extra,
    }
    return templates.TemplateResponse(request, "replies.html", context, status_code=status)


@router.get("", response_class=HTMLResponse, dependencies=[Depends(require("replies.own"))])
def due(request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock) -> HTMLResponse:
    """The teacher's "Do odpowiedzi": what she owes, overdue first."""
    return due_page(request, db, settings, templates, clock().astimezone(settings.tz).date())


@router.post("/{message_id}/no-reply", response_class=HTMLResponse)
def no_reply(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    message_id: RowId,
    user: Annotated[Account, Depends(require("replies.own"))],
) -> Response:
    """The teacher marks a message "nie wymaga odpowiedzi", with the reason: she owes it no more."""
    now = clock()
    try:
        replies.waive(
            db, message_id, user.id, reason=fields.get("reason", ""), author=actor(request), now=now
        )
    except Refusal as exc:
        today = now.astimezone(settings.tz).date()
        return due_page(
            request,
            db,
            settings,
            templates,
            today,
            422,
            values=fields,
            failed=f"waive-{message_id}",
            error=exc,
        )
    return RedirectResponse("/replies?saved=waived", status_code=303)


@router.get("/panel", response_class=HTMLResponse, dependencies=[Depends(require("replies.oversee"))])
def panel(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock
) -> HTMLResponse:
    """The director's panel: per teacher, what is overdue, due today, due later, and the
    replies that came late this month."""
    today = clock().astimezone(settings.tz).date()
    rows = reply_terms.panel(db, settings, today)
    context = {
        "teachers": rows,
        "today": today,
        "totals": {
            "overdue": sum(len(row.overdue) for row in rows),
            "due_today": sum(len(row.due_today) for row in rows),
            "upcoming": sum(len(row.upcoming) for row in rows),
            "late": sum(len(row.late_this_month) for row in rows),
        },
    }
    return templates.TemplateResponse(request, "replies_panel.html", context)
