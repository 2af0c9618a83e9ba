"""`/reports`: every report of `hub.reports`, as a print view or a download."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlite_utils import Database

from hub import reports
from hub.accounts.rights import OWN_CHILDREN, may, reach
from hub.config import Settings
from hub.refusal import Refusal
from hub.store import registry
from web.auth import allowed, check, signed_in
from web.deps import Db, SiteSettings, Templates
from web.errors import API_ERRORS, Refused
from web.i18n import N_, _
from web.params import Day, RowId

TITLES = {
    "daily-sheet": N_("Daily attendance sheet (group)"),
    "monthly-grid": N_("Monthly attendance grid (group)"),
    "evacuation": N_("Evacuation list (who is in the building now)"),
    "reader-health": N_("Reader health log"),
    "stay-report": N_("Monthly stay and fee report (child)"),
    "fee-summary": N_("Fee summary for the accountant"),
    "meal-count": N_("Meal count for the kitchen"),
    "ledger-statement": N_("Statement of the fee account (child)"),
    "reminder": N_("Reminder of an overdue fee (child)"),
    "receivables": N_("Receivables and payments for the accountant"),
    "arrears": N_("Arrears"),
    "attendance-stats": N_("Attendance statistics (group or kindergarten, month or school year)"),
}
"""Each report's name on the list, translated; the print view keeps the report's Polish title."""
FEE_REPORTS = frozenset(
    {"stay-report", "fee-summary", "meal-count", "ledger-statement", "reminder", "receivables", "arrears"}
)
"""Reports that need `reports.fees`; the others need `reports.attendance`."""
PARENT_REPORTS = frozenset({"stay-report", "ledger-statement", "reminder"})
"""The reports a parent may have of their own child (and of no other)."""
SCOPES = {
    "daily-sheet": "group",
    "monthly-grid": "group",
    "fee-summary": "group",
    "stay-report": "child",
    "ledger-statement": "child",
    "reminder": "child",
    "receivables": "group",
    "arrears": "group",
    "attendance-stats": "group",
}
"""Which reports are made for one group (optional: all groups) or one child (required)."""
REPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    303: {"description": "Not signed in: to the login page (a report is a page too)"},
    **{status: API_ERRORS[status] for status in (400, 403, 404, 422)},
}


router = APIRouter(prefix="/reports", dependencies=[Depends(signed_in)], responses=REPORT_ERRORS)


@router.get("", response_class=HTMLResponse, summary="The list of reports", include_in_schema=False)
def report_index(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "reports.html",
        {
            "reports": [
                (name, info.period, SCOPES.get(name, ""))
                for name, info in reports.REPORTS.items()
                if allowed(request, report_right(name)) or (name in PARENT_REPORTS and parent_of(request))
            ],
            "titles": TITLES,
            "formats": reports.FORMATS,
            "every_child": [name for name in reports.EVERY_CHILD if allowed(request, report_right(name))],
            "today": datetime.now(settings.tz).date(),
            "group_options": [(group["id"], group["name"]) for group in registry.list_groups(db)],
            "child_options": [
                (child["id"], f"{child['last_name']} {child['first_name']} ({child['group_name']})")
                for child in registry.list_children(db)
                if allowed(request, "reports.fees") or parent_of(request, child["id"])
            ],
        },
    )


@router.get(
    "/{name}",
    summary="One report as html (print view), pdf, csv or xlsx",
    response_class=Response,
    responses={200: {"content": {media_type: {} for media_type in reports.MEDIA_TYPES.values()}}},
)
def report(
    request: Request,
    db: Db,
    settings: SiteSettings,
    name: str,
    day: Annotated[Day | None, Query(alias="date")] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    school_year: Annotated[int | None, Query(ge=2000, le=2098)] = None,
    first: Annotated[Day | None, Query(alias="from")] = None,
    last: Annotated[Day | None, Query(alias="to")] = None,
    group: str | None = None,
    child: RowId | None = None,
    copayer: RowId | None = None,
    every_child: bool = False,
    fmt: Annotated[str, Query(alias="format", pattern="^(html|pdf|csv|xlsx)$")] = "html",
) -> Response:
    if name not in reports.REPORTS:
        raise HTTPException(404, _("There is no report called %(name)s.") % {"name": name})
    own_child = name in PARENT_REPORTS and child is not None and copayer is None and parent_of(request, child)
    if every_child or not own_child:
        check(request, report_right(name))  # a parent asking for another child's report: 403, logged
    today = datetime.now(settings.tz).date()
    period = reports.Period(
        day=day or (today if reports.REPORTS[name].period == "day" else None),
        month=(int(month[:4]), int(month[5:])) if month else None,
        first=first,
        last=last,
        school_year=school_year,
    )
    if every_child:
        return _every_child(db, settings, name, period, group or None, fmt)
    try:
        built = reports.build(
            name, db, settings, period, group=group or None, child_id=child, copayer_id=copayer
        )
    except Refusal as exc:
        raise Refused(422, exc) from exc
    body = reports.render(built, fmt)
    headers = {}
    if fmt != "html":
        headers["Content-Disposition"] = f'attachment; filename="{built.file_stem}.{fmt}"'
    return Response(body, media_type=reports.MEDIA_TYPES[fmt], headers=headers)


def _every_child(
    db: Database, settings: Settings, name: str, period: reports.Period, group: str | None, fmt: str
) -> Response:
    """Every child's report `name` (of `group`) as one PDF: the month's stay reports a
    director prints (`reports.build_every_child`)."""
    try:
        body = reports.render_every_child(reports.build_every_child(name, db, settings, period, group), fmt)
    except Refusal as exc:
        raise Refused(422, exc) from exc
    disposition = f'attachment; filename="{name}-every-child.pdf"'
    return Response(body, media_type=reports.MEDIA_TYPES["pdf"], headers={"Content-Disposition": disposition})


def report_right(name: str) -> str:
    return "reports.fees" if name in FEE_REPORTS else "reports.attendance"


def parent_of(request: Request, child_id: int | None = None) -> bool:
    """A parent's account (their own children only), and with `child_id`, that child is theirs:
    a parent gets no report but their own child's stay report (the procedures' "raport"), its
    fee account's statement and reminder."""
    user = request.state.user
    return (
        user is not None
        and reach(user, "attendance.view") == OWN_CHILDREN
        and (child_id is None or may(user, "attendance.view", child_id=child_id))
    )
