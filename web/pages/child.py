"""`/children/{id}`: a child for the staff — data, guardians, cards, and a month's attendance
as a calendar (present with times, absent, day off), month by month back through history.

Personal data (date of birth, notes, guardians' phone and e-mail) is shown only to those
with the right to see it; the attendance is for everyone who may read the journal.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date, get_day_names
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attendance import DayResult
from hub.services import billing
from hub.store import cards, registry
from web import i18n
from web.auth import allowed, check
from web.deps import Db, SiteSettings, Templates
from web.errors import Refused
from web.forms import FormError, month
from web.pages.journal_views import DAYS_OFF, day_path
from web.params import RowId
from web.personal_data import note_read


def month_weeks(
    results: list[DayResult], year: int, number: int, today: date, settings: Settings
) -> list[list[dict[str, Any] | None]]:
    """The month as weeks from Monday: each day with its status and times; None pads the
    first and last week. Days after today, or before the child started, have no status."""
    by_day = {result.day: result for result in results}
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(year, number):
        row: list[dict[str, Any] | None] = []
        for day in week:
            if day.month != number:
                row.append(None)
                continue
            result = by_day.get(day) if day <= today else None
            row.append({"day": day, **_day_cell(result, settings)})
        weeks.append(row)
    return weeks


def _day_cell(result: DayResult | None, settings: Settings) -> dict[str, Any]:
    if result is None:
        return {"status": None, "times": [], "off": None, "flagged": False}

    def clock(event: Any) -> str:
        return event.at.astimezone(settings.tz).strftime("%H:%M") if event else "?"

    return {
        "status": result.status,
        "times": [f"{clock(visit.arrival)}–{clock(visit.departure)}" for visit in result.visits],
        "off": DAYS_OFF.get(result.day_off, result.day_off) if result.day_off else None,
        "flagged": result.flags.any,
    }


router = APIRouter(prefix="/children", include_in_schema=False)


@router.get("/{child_id}", response_class=HTMLResponse)
def child(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, child_id: RowId
) -> HTMLResponse:
    check(request, "attendance.view", child_id=child_id)
    try:
        found = registry.get_child(db, child_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
    note_read(request, db, child_id, "child.page")
    today = datetime.now(settings.tz).date()
    error = None
    try:
        shown = request.query_params.get("month")
        year, number = month(shown, "month") if shown else (today.year, today.month)
    except FormError as exc:
        error, (year, number) = exc, (today.year, today.month)
    first = date(year, number, 1)
    results = billing.month_days(db, settings, year, number, child_id=child_id)
    weeks = month_weeks(results, year, number, today, settings)
    language = i18n.current_language()
    context = {
        "child": found,
        "guardians": registry.guardians_of(db, child_id),
        "cards": cards.list_cards(db, child_id=child_id, include_revoked=True),
        "month": first,
        "month_title": format_date(first, "LLLL y", locale=language),
        "weekdays": [get_day_names("abbreviated", locale=language)[n] for n in range(7)],
        "weeks": weeks,
        "present": sum(1 for week in weeks for cell in week if cell and cell["status"] == "present"),
        "absent": sum(1 for week in weeks for cell in week if cell and cell["status"] == "absent"),
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": _next_month(first).strftime("%Y-%m") if _next_month(first) <= today else None,
        "today": today,
        "group_day": lambda day: day_path(found["group_id"], day),
        "error": error,
        "can_see_personal": allowed(request, "registry.view", child_id=child_id),
        "can_edit_registry": allowed(request, "registry.edit", child_id=child_id),
        "can_manage_cards": allowed(request, "cards.edit"),
        "can_print_stay": allowed(request, "reports.fees", child_id=child_id),
        "can_see_group": allowed(request, "attendance.view", group_id=found["group_id"]),
        "can_see_observations": allowed(request, "observations.view", child_id=child_id),
    }
    return templates.TemplateResponse(request, "child.html", context, status_code=422 if error else 200)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
