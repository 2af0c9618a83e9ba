"""`/messages/years`: the administrator closes a school year's messages after 31 August,
and only then may remove them (procedure 000 §3.6: nothing is deleted during the year).

Closing makes the year's messages read only (no reply, marked closed in every thread);
removing refuses a year not closed (`hub.store.messages.remove_closed_year`). Both are
audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.school_year import school_year_label, school_year_of
from hub.store import messages as store
from web.auth import require
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import FormFields
from web.i18n import N_, _
from web.pages.messages import render
from web.templating import Flash

SAVED = {
    "closed": N_("The school year's messages were closed."),
    "removed": N_("The closed school year's messages were removed."),
}

YearsCloser = Annotated[Account, Depends(require("messages.close"))]

router = APIRouter(prefix="/messages/years", include_in_schema=False)


def years_page(
    request: Request,
    db: Db,
    settings: Settings,
    templates: Templates,
    now: datetime,
    status: int = 200,
    error: Exception | None = None,
) -> Response:
    saved = request.query_params.get("saved", "")
    context = {
        "years": store.years(db),
        "current": school_year_label(school_year_of(now.astimezone(settings.tz).date())),
        "error": error,
        "flashes": [Flash(_(SAVED[saved]), "ok")] if saved in SAVED else [],
    }
    return render(request, templates, "messages_years.html", context, status)


@router.get("", response_class=HTMLResponse)
def years(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    _user: YearsCloser,
) -> Response:
    return years_page(request, db, settings, templates, clock())


@router.post("/close", response_class=HTMLResponse)
def close_year(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    user: YearsCloser,
) -> Response:
    now = clock()
    try:
        store.close_year(
            db, fields.get("year", ""), actor=user.login, today=now.astimezone(settings.tz).date(), now=now
        )
    except Refusal as exc:
        return years_page(request, db, settings, templates, now, 422, exc)
    return RedirectResponse("/messages/years?saved=closed", status_code=303)


@router.post("/remove", response_class=HTMLResponse)
def remove_year(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    user: YearsCloser,
) -> Response:
    now = clock()
    try:
        store.remove_closed_year(
            db, fields.get("year", ""), attachments_dir=settings.attachments_dir, actor=user.login, now=now
        )
    except Refusal as exc:
        return years_page(request, db, settings, templates, now, 422, exc)
    return RedirectResponse("/messages/years?saved=removed", status_code=303)
