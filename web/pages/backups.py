"""`/admin/backups`: the register of copies (procedure 003, rozdz. XII.2: every copy of the
journal, when it was made and for whom) with the backup settings; "make a backup now" with
its purpose, "record an extra copy handed to someone", and "verify again".

Right `backups.manage` (the administrator and the director). A backup made here is written
by the request's thread into the `backup_dir` setting, as `ewidencjoner backup run` writes
it (hub/services/backups.py), and the oldest past `backup_keep` are removed.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.services import backups
from hub.store import backups as register
from hub.store.db import stored_integer
from hub.timefmt import utc_now
from web.auth import actor, require
from web.deps import Db, SiteSettings, Templates
from web.forms import FormError, FormFields
from web.i18n import N_, _
from web.pages.journal_views import local_time
from web.templating import Flash

router = APIRouter(
    prefix="/admin/backups", include_in_schema=False, dependencies=[Depends(require("backups.manage"))]
)
DONE: dict[str, tuple[str, Literal["ok", "error"]]] = {
    "made": (N_("Backup no. %(id)s is made and verified."), "ok"),
    "unverified": (N_("Backup no. %(id)s is made but failed its verification: verify it again."), "error"),
    "recorded": (N_("Copy no. %(id)s is recorded in the register."), "ok"),
    "verified": (N_("Backup no. %(id)s is whole and sound."), "ok"),
}
"""What the page says after a change, by the query key its redirect carries."""


def rows(db: Database, settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "when": local_time(row["created_at"], settings),
            "removed": local_time(row["removed_at"], settings) if row["removed_at"] else None,
            "size_mb": f"{row['size_bytes'] / 1_000_000:.1f}" if row["size_bytes"] is not None else "—",
        }
        for row in register.entries(db)
    ]


def page(
    request: Request, db: Db, settings: Settings, templates: Templates, status: int = 200, **extra: Any
) -> HTMLResponse:
    entries = rows(db, settings)
    context: dict[str, Any] = {
        "entries": entries,
        "settings": settings,
        "sources": [
            (str(row["id"]), f"{row['id']}: {row['when']}")
            for row in entries
            if row["kind"] == register.BACKUP and not row["removed_at"]
        ],
        "run_values": {"purpose": backups.ROUTINE_PURPOSE},
        "copy_values": {},
        "run_error": None,
        "copy_error": None,
        "verify_error": None,
        "flashes": [],
        **extra,
    }
    return templates.TemplateResponse(request, "backups.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def backup_register(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    flashes = []
    for key, (message, kind) in DONE.items():
        number = stored_integer(request.query_params.get(key, ""))
        if number is not None:
            flashes.append(Flash(_(message) % {"id": number}, kind))
    return page(request, db, settings, templates, flashes=flashes)


@router.post("/run", response_class=HTMLResponse)
def run_backup(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    """Make a backup now into the backup directory, for the purpose given."""
    try:
        if settings.backup_dir is None:
            raise FormError(N_("No backup directory is set (the backup_dir setting)."))
        made = backups.make_backup(
            db,
            database=settings.database,
            backup_dir=settings.backup_dir,
            site=settings.site,
            made_by=actor(request),
            purpose=fields.get("purpose", ""),
            now=utc_now(),
        )
    except (FormError, Refusal) as exc:
        return page(request, db, settings, templates, 422, run_values=fields, run_error=exc)
    backups.remove_beyond(db, settings.backup_dir, settings.backup_keep, actor=actor(request), now=utc_now())
    key = "made" if made.verified else "unverified"
    return RedirectResponse(f"/admin/backups?{key}={made.backup_id}", status_code=303)


@router.post("/copies", response_class=HTMLResponse)
def record_copy(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    """Record an extra copy of the journal handed to someone."""
    source = fields.get("source", "")
    try:
        source_id = stored_integer(source) if source else None
        if source and source_id is None:
            raise FormError(N_("Choose a backup from the list."), "source")
        copy_id = backups.record_copy(
            db,
            made_by=actor(request),
            recipient=fields.get("recipient", ""),
            location=fields.get("location", ""),
            source_backup_id=source_id,
            now=utc_now(),
        )
    except (FormError, Refusal) as exc:
        return page(request, db, settings, templates, 422, copy_values=fields, copy_error=exc)
    return RedirectResponse(f"/admin/backups?recorded={copy_id}", status_code=303)


@router.post("/{backup_id}/verify", response_class=HTMLResponse)
def verify_backup(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, backup_id: str
) -> Response:
    """Check a backup again: every file's SHA-256 and SQLite's integrity check."""
    try:
        number = stored_integer(backup_id)
        if number is None:
            raise backups.not_in_register(backup_id)
        found = backups.verify_entry(db, number, actor=actor(request), now=utc_now())
    except Refusal as exc:
        return page(request, db, settings, templates, 422, verify_error=exc)
    if found:
        return page(request, db, settings, templates, 422, verify_error=found[0])
    return RedirectResponse(f"/admin/backups?verified={number}", status_code=303)
