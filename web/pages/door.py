"""`/groups/{group}/grid`: the group at the door — every child with their state now and one
tap to record "came now", "left now" or "absent"; `/grid` opens a teacher's own group.

Each tap is a correction of today with a default reason (`hub.services.door`), which the
teacher may revoke and write again on the group's day. After it, the event bus tells every
open presence board and grid (`{"type": "attendance"}`), so they show it at once. Without
a script the buttons are plain forms; `door.js` sends them without leaving the page and
swaps in the grid's rows (`…/grid/rows`) after each change, its own or anyone's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.services import door
from hub.services.notifications import Attribution
from hub.store import registry
from web.auth import actor, allowed, check, require_all
from web.deps import Clock, Db, Events, Page, PageContext
from web.errors import Refused
from web.forms import FormFields
from web.i18n import N_, _
from web.pages.journal_views import day_path
from web.params import RowId
from web.templating import Flash

STATES = {
    "in": N_("in"),
    "left": N_("went home"),
    "absent": N_("absent"),
    "day_off": N_("day off"),
    "missing": N_("missing"),
    "expected": N_("not come yet"),
}
DEFAULT_REASONS = {
    "came": N_("Came without a tap: recorded at the door."),
    "left": N_("Left without a tap: recorded at the door."),
    "absent": N_("Marked absent at the door."),
}
"""The reason each tap's correction gets, in the teacher's language (they may change it
on the group's day: revoke and record again)."""
BUTTONS = {"came": N_("Came now"), "left": N_("Left now"), "absent": N_("Absent")}
DOOR_KINDS = {"came": "arrival", "left": "departure"}
"""The grid's taps the guardians who chose them are told of."""
OFFERED = {
    "expected": ("came", "absent"),
    "missing": ("came", "absent"),
    "absent": ("came",),
    "in": ("left",),
    "left": ("came",),
    "day_off": (),
}
"""The taps each state offers."""

router = APIRouter(include_in_schema=False)


def grid_rows(
    db: Database, settings: Settings, group_id: int, moment: datetime, *, may_correct: bool
) -> dict[str, Any]:
    """The grid's values (its rows and counts), as `door_rows.html` lays them out."""
    rows = []
    for entry in door.group_at_door(db, settings, group_id, moment):
        child = entry.child
        rows.append(
            {
                "id": child["id"],
                "name": f"{child['first_name']} {child['last_name']}",
                "state": entry.state,
                "label": STATES[entry.state],
                "arrived": _clock(entry.arrived.at if entry.arrived else None, settings),
                "departed": _clock(entry.departed.at if entry.departed else None, settings),
                "brought_by": entry.arrived.card_holder if entry.arrived else None,
                "by_kiosk": entry.by_kiosk,
                "actions": OFFERED[entry.state] if may_correct else (),
            }
        )
    counts = {state: sum(1 for row in rows if row["state"] == state) for state in STATES}
    return {
        "rows": rows,
        "counts": counts,
        "buttons": BUTTONS,
        "group_id": group_id,
        "as_of": moment.astimezone(settings.tz).strftime("%H:%M"),
    }


def page(ctx: PageContext, group_id: int, moment: datetime, flashes: list[Flash]) -> HTMLResponse:
    request, db, settings = ctx.request, ctx.db, ctx.settings
    user = check(request, "attendance.view", group_id=group_id)
    group = _group(db, group_id)
    may_correct = allowed(request, "attendance.correct", group_id=group_id)
    values = grid_rows(db, settings, group_id, moment, may_correct=may_correct)
    missing = [row["id"] for row in values["rows"] if row["state"] == "missing"]
    context = {
        **values,
        "group": group,
        "groups": own_first(registry.list_groups(db), user),
        "day_link": day_path(group_id, moment.astimezone(settings.tz).date()),
        "phones": door.guardian_phones(db, missing)
        if missing and allowed(request, "registry.view", group_id=group_id)
        else [],
        "flashes": flashes,
    }
    return ctx.templates.TemplateResponse(request, "door.html", context)


def own_first(groups: list[dict[str, Any]], user: Account) -> list[dict[str, Any]]:
    """The groups with the account's own first (in their given order otherwise)."""
    return sorted(groups, key=lambda group: group["id"] not in user.groups)


@router.get("/grid", response_class=HTMLResponse)
def my_grid(
    request: Request, db: Db, user: Annotated[Account, Depends(require_all("attendance.view"))]
) -> Response:
    """A teacher's own group's grid (the first of them), else the first group's."""
    groups = own_first(registry.list_groups(db), user)
    if not groups and "welcome" in request.query_params:  # a login's landing: the notice alone
        return RedirectResponse("/account/welcome?next=/", status_code=303)
    if not groups:
        raise HTTPException(404, _("There are no groups yet."))
    query = f"?{request.url.query}" if request.url.query else ""  # `?welcome`: the login notice
    return RedirectResponse(f"/groups/{groups[0]['id']}/grid{query}", status_code=303)


@router.get("/groups/{group_id}/grid", response_class=HTMLResponse)
def grid(ctx: Page, clock: Clock, group_id: RowId) -> HTMLResponse:
    done = ctx.request.query_params.get("done", "")
    flashes = [Flash(_("Recorded."), "ok")] if done in BUTTONS else []
    return page(ctx, group_id, clock(), flashes)


@router.get("/groups/{group_id}/grid/rows", response_class=HTMLResponse)
def rows(ctx: Page, clock: Clock, group_id: RowId) -> HTMLResponse:
    """The grid's rows alone, for `door.js` to swap in after a change."""
    request, db, settings = ctx.request, ctx.db, ctx.settings
    check(request, "attendance.view", group_id=group_id)
    _group(db, group_id)
    may_correct = allowed(request, "attendance.correct", group_id=group_id)
    values = grid_rows(db, settings, group_id, clock(), may_correct=may_correct)
    return ctx.templates.TemplateResponse(request, "door_rows.html", values)


@router.post("/groups/{group_id}/grid/{child_id}", response_class=HTMLResponse)
def record(
    ctx: Page, clock: Clock, events: Events, fields: FormFields, group_id: RowId, child_id: RowId
) -> Response:
    request, db, settings = ctx.request, ctx.db, ctx.settings
    check(request, "attendance.correct", group_id=group_id)
    _group(db, group_id)
    action = fields.get("action", "")
    reason = fields.get("reason", "").strip() or (_(DEFAULT_REASONS[action]) if action in BUTTONS else "")
    try:
        with db.atomic():  # the correction and its notifications to the guardians, together
            door.record_at_door(
                db, settings, group_id=group_id, child_id=child_id, action=action, reason=reason,
                author=actor(request), now=clock(),
            )  # fmt: skip
            if action in DOOR_KINDS:
                request.app.state.attendance_notices.record(
                    db,
                    child_id,
                    DOOR_KINDS[action],
                    clock(),
                    Attribution("door", holder=request.state.user.name),
                )
    except Refusal as exc:
        raise Refused(422, exc) from exc
    request.app.state.wake_sender()
    events.publish({"type": "attendance", "group_id": group_id, "child_id": child_id})
    return RedirectResponse(f"/groups/{group_id}/grid?done={action}#child-{child_id}", status_code=303)


def _clock(moment: datetime | None, settings: Settings) -> str | None:
    return moment.astimezone(settings.tz).strftime("%H:%M") if moment else None


def _group(db: Database, group_id: int) -> dict[str, Any]:
    try:
        return registry.get_group(db, group_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
