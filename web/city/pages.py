"""The panel's pages: the city's kindergartens today, attendance and fees by month, and one
kindergarten with its groups. Aggregates only (`hub.city.panel_queries`): no page lists a
child or shows a child's number.

- `/`: each kindergarten's children enrolled today and present now, and the city's total;
- `/attendance?month=YYYY-MM`: each kindergarten's month as the attendance statistics count
  it (open days, present, the rate, the average stay); the current month up to yesterday;
- `/fees?month=YYYY-MM` (by default the last month): each kindergarten's billed month (stay
  fees, meals charged and refunded, due), the city's total; the fee resolution in force and
  the kindergartens that set their own fees instead (read-only: `city resolution` sets it);
  and each kindergarten's receivables now (in arrears, children in arrears, as of its latest
  money change) with the city's total;
- `/sites/{site}?month=YYYY-MM`: a kindergarten's groups (names and counts) today, its month
  (by default the last one) by group, what it billed, and its own fee settings if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.city import panel_queries as queries
from hub.rules.attendance.calendar import working_days
from hub.rules.fees.money import format_minutes, format_pln
from hub.rules.statistics import Tally
from web.city.auth import CurrentOfficer
from web.city.deps import Panel, PanelState
from web.city.figures import MONTH_MAX_AGE, TODAY_MAX_AGE, Figure
from web.i18n import current_language
from web.pages.statistics import percent

MONTH_PATTERN = r"^20[0-9][0-9]-(0[1-9]|1[0-2])$"
MonthParam = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM, 2000-01 to 2099-12")]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class AttendanceLine:
    """A table's row as shown: the tally's figures in the reader's language."""

    open_days: int
    present: int
    rate: str
    average_stay: str


def attendance_line(tally: Tally) -> AttendanceLine:
    average, rate = tally.average_stay, tally.rate
    return AttendanceLine(
        tally.open_days,
        tally.present,
        percent(rate) if rate is not None else "—",
        format_minutes(average) if average is not None else "—",
    )


def chosen_month(text: str | None, default: date) -> date:
    if text is None:
        return default.replace(day=1)
    year, month = map(int, text.split("-"))
    return date(year, month, 1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def counted_days(first: date, today: date) -> list[date]:
    """The month's working days the statistics count: those before today (today's not over)."""
    return [day for day in working_days(first.year, first.month) if day < today]


def month_links(first: date) -> dict[str, str]:
    return {"previous": f"{previous_month(first):%Y-%m}", "next": f"{next_month(first):%Y-%m}"}


def render(panel: PanelState, request: Request, name: str, context: dict[str, Any]) -> Response:
    return panel.templates.TemplateResponse(request, name, context)


def today_by_site(panel: PanelState, today: date) -> Figure[dict[str, queries.Today]]:
    return panel.figures.get(
        ("today", today), lambda: queries.today_by_site(panel.db.conn(), today), TODAY_MAX_AGE
    )


def attendance_of(panel: PanelState, first: date, site: str | None = None) -> Figure[dict[Any, Tally]]:
    days = tuple(counted_days(first, panel.today()))
    return panel.figures.get(
        ("attendance", days, site), lambda: queries.attendance(panel.db.conn(), days, site), MONTH_MAX_AGE
    )


def fee_summary(panel: PanelState, first: date) -> Figure[queries.FeeSummary]:
    return panel.figures.get(
        ("fees", first),
        lambda: queries.fee_summary(panel.db.conn(), first.year, first.month),
        MONTH_MAX_AGE,
    )


def receivables(panel: PanelState) -> Figure[queries.Receivables]:
    return panel.figures.get(("receivables",), lambda: queries.receivables(panel.db.conn()), TODAY_MAX_AGE)


@lru_cache(maxsize=4096)
def _money(amount: Decimal, language: str) -> str:
    return format_pln(amount, locale=language)


def money(amount: Decimal) -> str:
    """`web.i18n.money`, kept: a page's amounts are the same kept figures page after page,
    and formatting one (Babel) costs as much as the rest of a row."""
    return _money(amount, current_language())


def as_of(panel: PanelState, *figures: Figure[Any]) -> str:
    """When the oldest of the page's figures was computed, as the city's local time."""
    return min(figure.computed_at for figure in figures).astimezone(panel.tz).strftime("%H:%M:%S")


@router.get("/", response_class=HTMLResponse)
def city(request: Request, panel: Panel, _officer: CurrentOfficer) -> Response:
    conn, today = panel.db.conn(), panel.today()
    figure = today_by_site(panel, today)
    counts = figure.value
    sites = queries.sites(conn)
    rows = [(site, counts.get(site.site, queries.Today())) for site in sites]
    total = queries.Today(
        sum(figures.enrolled for _site, figures in rows), sum(figures.present_now for _site, figures in rows)
    )
    context = {"rows": rows, "total": total, "today": today, "as_of": as_of(panel, figure)}
    return render(panel, request, "city_home.html", context)


@router.get("/attendance", response_class=HTMLResponse)
def attendance(
    request: Request, panel: Panel, _officer: CurrentOfficer, month: MonthParam = None
) -> Response:
    conn, today = panel.db.conn(), panel.today()
    first = chosen_month(month, today)
    figure = attendance_of(panel, first)
    tallies = figure.value
    sites = queries.sites(conn)
    rows = [(site, attendance_line(tallies.get(site.site, Tally()))) for site in sites]
    total = attendance_line(sum(tallies.values(), Tally()))
    context = {
        "rows": rows,
        "total": total,
        "month": first,
        "links": month_links(first),
        "today": today,
        "as_of": as_of(panel, figure),
    }
    return render(panel, request, "city_attendance.html", context)


@router.get("/fees", response_class=HTMLResponse)
def fees(request: Request, panel: Panel, _officer: CurrentOfficer, month: MonthParam = None) -> Response:
    conn, today = panel.db.conn(), panel.today()
    first = chosen_month(month, previous_month(today.replace(day=1)))
    figure, owed = fee_summary(panel, first), receivables(panel)
    summary = figure.value
    sites = queries.sites(conn)
    names = {site.site: site.name for site in sites}
    resolution = queries.resolution_in_force(conn, today)
    overrides = [
        (names.get(override.site, override.site), override, differing(resolution, override))
        for override in queries.overrides_in_force(conn, today)
    ]
    context = {
        "rows": [(site, summary.by_site.get(site.site, queries.Billed())) for site in sites],
        "total": summary.total,
        "receivables": [(site, owed.value.by_site.get(site.site, queries.Owed())) for site in sites],
        "receivables_total": owed.value.total,
        "month": first,
        "links": month_links(first),
        "resolution": resolution,
        "overrides": overrides,
        "today": today,
        "as_of": as_of(panel, figure, owed),
    }
    return render(panel, request, "city_fees.html", context)


@router.get("/sites/{site}", response_class=HTMLResponse)
def site_page(
    request: Request, panel: Panel, _officer: CurrentOfficer, site: str, month: MonthParam = None
) -> Response:
    conn, today = panel.db.conn(), panel.today()
    found = queries.site(conn, site)
    if found is None:
        raise HTTPException(404)
    first = chosen_month(month, previous_month(today.replace(day=1)))
    groups = panel.figures.get(
        ("groups", site, today), lambda: queries.groups_today(panel.db.conn(), site, today), TODAY_MAX_AGE
    ).value
    counted = today_by_site(panel, today), attendance_of(panel, first, site), fee_summary(panel, first)
    figures = counted[0].value.get(site, queries.Today())
    tallies = counted[1].value
    billed = counted[2].value.by_site.get(site, queries.Billed())
    resolution = queries.resolution_in_force(conn, today)
    override = next(iter(queries.overrides_in_force(conn, today, site)), None)
    context = {
        "site": found,
        "figures": figures,
        "groups": [(group, attendance_line(tallies.get(group.group_id, Tally()))) for group in groups],
        "ungrouped": figures.enrolled - sum(group.enrolled for group in groups),
        "total": attendance_line(sum(tallies.values(), Tally())),
        "billed": billed,
        "month": first,
        "links": month_links(first),
        "override": override and (override, differing(resolution, override)),
        "today": today,
        "as_of": as_of(panel, *counted),
    }
    return render(panel, request, "city_site.html", context)


def differing(resolution: queries.Resolution | None, override: queries.Override) -> list[str]:
    """The settings a site's own document sets otherwise than the city's resolution."""
    city: dict[str, Any] = resolution.document if resolution else {}
    return sorted(key for key, value in override.document.items() if city.get(key) != value)
