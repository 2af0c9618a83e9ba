"""`/statistics`: attendance statistics (frekwencja) of a group or the whole kindergarten, for
a month or a school year, a table per group with a row per child and the totals.

Who sees it: whoever makes the attendance printouts (`reports.attendance`): the director,
the administrator, the secretary, an inspector granted it, and every teacher for every
group — the procedures give a teacher "wgląd w statystyki wszystkich wychowanków" (000
§6.2j) and a teacher "wgląd w statystyki wszystkich uczniów" (003 rozdz. II), as they
already see every child's presence. A teacher's page opens on their own group.

The figures are `hub.services.statistics`'; the print view and the downloads are the
`attendance-stats` report, made from the same statistics.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hub import reports
from hub.accounts.rights import Account
from hub.rules.fees import format_minutes
from hub.rules.school_year import school_year_end, school_year_label, school_year_of, school_year_start
from hub.rules.statistics import Tally
from hub.services.statistics import statistics
from hub.store import registry
from hub.store.db import stored_integer
from web.auth import require_all
from web.deps import Db, SiteSettings, Templates
from web.forms import FormError
from web.i18n import N_, _, current_language, month_name

PERIOD = re.compile(r"(?P<year>[0-9]{4})(-(?P<month>[0-9]{2}))?")
YEARS_BACK = 2
"""School years offered before the current one."""
FIRST_YEAR, LAST_YEAR = 2000, 2098
SCHOOL_MONTHS = (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Line:
    """A table's row as shown: a name and the tally's figures in the reader's language."""

    name: str
    open_days: int
    present: int
    absent_reported: int
    absent_unreported: int
    pending: int
    days_off: int
    average_stay: str
    rate: str


def line(name: str, tally: Tally) -> Line:
    average, rate = tally.average_stay, tally.rate
    return Line(
        name, tally.open_days, tally.present, tally.absent_reported, tally.absent_unreported,
        tally.pending, tally.days_off,
        format_minutes(average) if average is not None else "—",
        percent(rate) if rate is not None else "—",
    )  # fmt: skip


def percent(rate: Any) -> str:
    """`93,5 %` in Polish (a no-break space before the sign, as Polish typesetting has it),
    `93.5%` in English."""
    language = current_language()
    number = format_decimal(rate, "#,##0.0", locale=language)
    return f"{number}\u00a0%" if language == "pl" else f"{number}%"


def parse_period(text: str, today: date) -> tuple[date, date, tuple[int, int] | None, int | None]:
    """`2026` (the school year 2026/27) or `2026-11` (a month): its first and last day, and
    the month or the school year as the report takes it. Empty: this month."""
    if not text:
        text = f"{today:%Y-%m}"
    found = PERIOD.fullmatch(text)
    if not found or not FIRST_YEAR <= int(found["year"]) <= LAST_YEAR:
        raise FormError(N_("Choose a month or a school year from the list."), "period")
    year = int(found["year"])
    if found["month"] is None:
        first, last = school_year_start(year), school_year_end(year)
        return first, last, None, year
    month = int(found["month"])
    if not 1 <= month <= 12:
        raise FormError(N_("Choose a month or a school year from the list."), "period")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), (year, month), None


def period_options(today: date) -> list[tuple[str, str]]:
    """Each school year from `YEARS_BACK` ago to this one, newest first, followed by its
    months up to this one."""
    options = []
    current = school_year_of(today)
    for year in range(current, current - YEARS_BACK - 1, -1):
        options.append((str(year), school_year_label(year)))
        first = school_year_start(year)
        for offset in range(12):
            month = date(
                first.year + (first.month + offset - 1) // 12, (first.month + offset - 1) % 12 + 1, 1
            )
            if month > today:
                break
            options.append((f"{month:%Y-%m}", f"— {month_name(month)}"))
    return options


@router.get("/statistics", response_class=HTMLResponse)
def attendance_statistics(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    user: Annotated[Account, Depends(require_all("reports.attendance"))],
) -> HTMLResponse:
    query = request.query_params
    today = datetime.now(settings.tz).date()
    groups = registry.list_groups(db)
    own = next((group["id"] for group in groups if group["id"] in user.groups), None)
    values = {
        "group": query.get("group", str(own) if own else ""),
        "period": query.get("period", f"{today:%Y-%m}"),
    }
    context: dict[str, Any] = {
        "values": values,
        "group_options": [("", _("Whole kindergarten"))] + [(str(g["id"]), g["name"]) for g in groups],
        "period_options": period_options(today),
        "error": None,
        "found": None,
    }
    try:
        first, last, month, start_year = parse_period(values["period"], today)
        group_id = chosen_group(values["group"], groups)
    except FormError as exc:
        context["error"] = exc
        return templates.TemplateResponse(request, "statistics.html", context, status_code=422)
    found = statistics(db, settings, first, last, group_id=group_id)
    report_query: dict[str, Any] = (
        {"month": f"{month[0]}-{month[1]:02d}"} if month else {"school_year": start_year}
    )
    if group_id is not None:
        report_query["group"] = group_id
    context.update(
        {
            "found": found,
            "title": month_name(first) if month else school_year_label(start_year or 0),
            "whole": line("", found.total),
            "groups": [
                (group, [line(child.name, child.tally) for child in group.children], line("", group.total))
                for group in found.groups
            ],
            "months": [(month_name(date(y, m, 1)), line("", t)) for y, m, t in found.months]
            if not month
            else [],
            "report_href": "/reports/attendance-stats?" + urlencode(report_query),
            "formats": reports.FORMATS,
        }
    )
    return templates.TemplateResponse(request, "statistics.html", context)


def chosen_group(text: str, groups: list[dict[str, Any]]) -> int | None:
    """The group asked for by id ("" for the whole kindergarten); anything else is a form error."""
    if not text:
        return None
    group_id = stored_integer(text)
    if group_id is None or all(group["id"] != group_id for group in groups):
        raise FormError(N_("Choose one of the groups."), "group")
    return group_id
