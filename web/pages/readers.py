"""`/readers`: how each card reader is doing — online or not, when it was last heard from,
its firmware and how far its latest update over the air got, how many taps wait in its
journal, free memory, restarts — and its latest status reports (boots, drops and
recoveries), newest first.

`POST /readers/update` (right `readers.manage`: the director and the administrator) starts
an update over the air of one reader or of all of them, one first, from the release in the
`firmware_release_dir` setting; the page shows that release's version, or why there is none
to send (hub/services/reader_updates.py, shared with `ewidencjoner readers update`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.services.reader_updates import release_in, start_update
from hub.store import firmware_updates, quarantine, readers
from web.auth import actor, allowed, require
from web.deps import Db, SiteSettings, Templates
from web.forms import FormError, FormFields
from web.i18n import N_, _
from web.pages.journal_views import local_time
from web.templating import Flash

HISTORY = 20
"""Status reports shown per reader."""
MODES = {"toggle": N_("arrivals and departures"), "in": N_("arrivals only"), "out": N_("departures only")}
UPDATE_STATES = {
    "queued": N_("about to start"),
    "waiting": N_("waits for the first reader"),
    "offered": N_("offered"),
    "sending": N_("downloading"),
    "switching": N_("restarting into it"),
    "trial": N_("on trial"),
    "done": N_("done"),
    "failed": N_("failed"),
    "rolled-back": N_("rolled back to the previous version"),
    "held": N_("held: the first reader's update did not succeed"),
}
"""The states of an update over the air (hub/ingest/updates.py, hub/store/firmware_updates.py)."""
ALL_READERS = "all"
"""The update form's choice for every reader (a reader id is never `all`: ids are checked
against the registered ones)."""


def uptime(seconds: int | None) -> str:
    """`3 d 04:05`-style: how long the reader has run since its last restart."""
    if seconds is None:
        return "—"
    whole = timedelta(seconds=seconds)
    hours, rest = divmod(whole.seconds, 3600)
    return f"{whole.days} d {hours:02d}:{rest // 60:02d}" if whole.days else f"{hours:02d}:{rest // 60:02d}"


def reader_rows(db: Database, settings: Settings) -> list[dict[str, Any]]:
    rows = []
    updates = firmware_updates.by_reader(db)
    for reader in readers.list_readers(db):
        history = readers.status_history(db, reader["id"], limit=HISTORY)
        update = updates.get(reader["id"])
        rows.append(
            {
                **reader,
                "seen": local_time(reader["last_seen"], settings),
                "mode_name": MODES.get(reader["mode"], reader["mode"]),
                "uptime": uptime(reader["up"]),
                "fw_update": update and {**update, "state_name": UPDATE_STATES.get(update["state"], "")},
                "history": [
                    {**event, "when": local_time(event["at"], settings), "uptime": uptime(event["up"])}
                    for event in history
                ],
            }
        )
    return rows


router = APIRouter(prefix="/readers", include_in_schema=False, dependencies=[Depends(require("live.view"))])


def page(
    request: Request, db: Db, settings: Settings, templates: Templates, status: int = 200, **extra: Any
) -> HTMLResponse:
    today = datetime.now(settings.tz).date()
    rows = reader_rows(db, settings)
    context: dict[str, Any] = {
        "readers": rows,
        "waiting": [
            {**row, "seen": local_time(row["last_seen"], settings)} for row in quarantine.waiting_readers(db)
        ],
        "week_ago": today - timedelta(days=6),
        "today": today,
        "can_print": allowed(request, "reports.attendance"),
        "can_update": allowed(request, "readers.manage"),
        "release": None,
        "release_refusal": None,
        "error": None,
        "values": {"reader": ""},
        "all_readers": ALL_READERS,
        "update_choices": [(row["id"], f"{row['name']} ({row['id']})") for row in rows],
        "flashes": [],
        **extra,
    }
    if context["can_update"]:
        try:
            context["release"] = release_in(settings.firmware_release_dir)
        except Refusal as refusal:
            context["release_refusal"] = refusal
    return templates.TemplateResponse(request, "readers.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def reader_list(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    started = request.query_params.get("started") == "yes"
    flashes = [Flash(_("The update has started: follow it in the Update column."), "ok")] if started else []
    return page(request, db, settings, templates, flashes=flashes)


@router.post("/update", response_class=HTMLResponse, dependencies=[Depends(require("readers.manage"))])
def update(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    """Start an update over the air of the chosen reader, or of all (one first)."""
    choice = fields.get("reader", "")
    try:
        if not choice:
            raise FormError(N_("Choose a reader, or all readers."), "reader")
        start_update(
            db,
            settings.firmware_release_dir,
            None if choice == ALL_READERS else choice,
            author=actor(request),
            expected_version=fields.get("version", ""),
        )
    except (FormError, Refusal) as exc:
        return page(request, db, settings, templates, 422, values=fields, error=exc)
    return RedirectResponse("/readers?started=yes", status_code=303)
