"""`/year-end`: the administrator's end-of-year routine on one page (003 rozdz. IV.8): for
the last ended school year (or one chosen), each step — close the messages, write the
archive, verify it, back up, purge — with its state read from what is recorded, the next
step highlighted and its button.

`year_end.view` (the administrator and the director, who controls the routine) reads the
page; only `year_end.run` (the administrator) does a step: `POST /year-end/{step}` with the
year, one step at a time and only the next one (`hub.services.year_end.perform`). Writing
the archive and the backup take a while: the routes are plain `def`, run in the thread
pool, so the event loop keeps serving everyone else meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.year_end import STEPS, Step, last_ended, school_year_name
from hub.services import retention, year_end
from hub.store.db import stored_integer
from web.auth import allowed, require
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import FormError, FormFields
from web.i18n import N_, _
from web.templating import Flash

router = APIRouter(prefix="/year-end", include_in_schema=False)
YEARS_SHOWN = 6
"""The chooser's school years: the last ended and the five before it (the journal's term)."""
DONE = N_("Done: %(step)s.")
Viewer = Annotated[Account, Depends(require("year_end.view"))]
Runner = Annotated[Account, Depends(require("year_end.run"))]


def year_options(now: datetime, settings: Settings) -> list[tuple[str, str]]:
    last = last_ended(now.astimezone(settings.tz).date())
    return [(str(year), school_year_name(year)) for year in range(last, last - YEARS_SHOWN, -1)]


def chosen_year(text: str, options: list[tuple[str, str]]) -> int:
    year = stored_integer(text)
    if year is None or str(year) not in {value for value, _label in options}:
        raise FormError(N_("Choose a school year from the list."), "year")
    return year


def page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Templates,
    now: datetime,
    text: str,
    status: int = 200,
    error: Exception | None = None,
    flashes: list[Flash] | None = None,
) -> Response:
    options = year_options(now, settings)
    context: dict[str, Any] = {
        "year_options": options,
        "values": {"year": text or options[0][0]},
        "error": error,
        "flashes": flashes or [],
        "state": None,
        "step_names": year_end.STEP_NAMES,
        "may_run": allowed(request, "year_end.run"),
    }
    try:
        year = chosen_year(text or options[0][0], options)
    except FormError as exc:
        context["error"] = exc
        return templates.TemplateResponse(request, "year_end.html", context, status_code=422)
    state = year_end.status(db, year)
    context["destination"], context["destination_error"] = None, None
    try:
        context["destination"] = year_end.destination(settings, make=False)
    except Refusal as exc:
        context["destination_error"] = exc
    context.update(
        {
            "state": state,
            "steps": {entry.step: entry for entry in state.steps},
            "purge_plan": retention.plan(db, settings, now) if state.next == "purge" else [],
        }
    )
    return templates.TemplateResponse(request, "year_end.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def routine(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, _user: Viewer
) -> Response:
    done = request.query_params.get("done", "")
    flashes = [Flash(_(DONE) % {"step": _(year_end.STEP_NAMES[done])}, "ok")] if done in STEPS else []
    year = request.query_params.get("year", "")
    return page(request, db, settings, templates, clock(), year, flashes=flashes)


@router.post("/{step}", response_class=HTMLResponse)
def do_step(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    fields: FormFields,
    user: Runner,
    step: Step,
) -> Response:
    """Do the routine's next step for the school year chosen (a long one in this thread)."""
    now, text = clock(), fields.get("year", "")
    try:
        year = chosen_year(text, year_options(now, settings))
        year_end.perform(db, settings, year, step, actor=user.login, now=now)
    except (FormError, Refusal) as exc:
        return page(request, db, settings, templates, clock(), text, 422, exc)
    return RedirectResponse(f"/year-end?year={year}&done={step}", status_code=303)
