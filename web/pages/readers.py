"""`/readers`: how each card reader is doing — online or not, when it was last heard from,
its firmware and how far its latest update over the air got, how many taps wait in its
journal, free memory, restarts — and its latest status reports (boots, drops and
recoveries), newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlite_utils import Database

from hub.config import Settings
from hub.store import firmware_updates, quarantine, readers
from web.auth import allowed, require
from web.deps import Db, SiteSettings, Templates
from web.i18n import N_
from web.pages.journal_views import local_time

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


@router.get("", response_class=HTMLResponse)
def reader_list(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    today = datetime.now(settings.tz).date()
    context = {
        "readers": reader_rows(db, settings),
        "waiting": [
            {**row, "seen": local_time(row["last_seen"], settings)} for row in quarantine.waiting_readers(db)
        ],
        "week_ago": today - timedelta(days=6),
        "today": today,
        "can_print": allowed(request, "reports.attendance"),
    }
    return templates.TemplateResponse(request, "readers.html", context)
