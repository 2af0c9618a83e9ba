"""The reports a kindergarten keeps, each as HTML (print), PDF, CSV and XLSX.

`build(name, …)` is the one entry point the CLI (`ewidencjoner report NAME`) and the web
(`/reports/NAME`) share; `render.render(report, fmt)` turns the result into bytes.
Builders live in `attendance_sheets.py` (no money), `attendance_stats.py` (frekwencja),
`fee_reports.py` (fees and meals) and `money_reports.py` (ledgers, reminders, receivables,
arrears); `pedagogy.py` builds the printouts of a work plan and of the readiness
information, which their own pages (`/reports/work-plan/…`, `/reports/readiness/…`) render
the same way; `my_data.py` a person's "my data" download (`/account/data.pdf`), in the
reader's language rather than the reports' Polish.
Reports may import services, the store, the rules and the basics; never ingest, accounts,
the CLI or the web (checked by `lint-imports`, see pyproject.toml).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.reports import attendance_sheets, attendance_stats, fee_reports, money_reports
from hub.reports.model import Report, Section
from hub.reports.render import FORMATS, MEDIA_TYPES, render, render_every_child
from hub.store import registry

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "REPORTS",
    "Period",
    "Report",
    "Section",
    "build",
    "build_every_child",
    "progress_steps",
    "render",
    "render_every_child",
]


@dataclass(frozen=True)
class ReportInfo:
    title: str
    period: str
    """"day", "month", "range", "now" or "month-or-year" (a month or a school year): what the
    report needs to be told."""


REPORTS: dict[str, ReportInfo] = {
    "daily-sheet": ReportInfo("Lista obecności (dzienna, grupa)", "day"),
    "monthly-grid": ReportInfo("Miesięczna ewidencja obecności (grupa)", "month"),
    "evacuation": ReportInfo("Lista ewakuacyjna (kto jest teraz w budynku)", "now"),
    "reader-health": ReportInfo("Dziennik pracy czytników", "range"),
    "stay-report": ReportInfo("Miesięczne zestawienie pobytu i opłat (dziecko)", "month"),
    "fee-summary": ReportInfo("Zestawienie opłat dla księgowości", "month"),
    "meal-count": ReportInfo("Liczba posiłków dla kuchni", "day"),
    "ledger-statement": ReportInfo("Wyciąg z konta opłat (dziecko)", "day"),
    "reminder": ReportInfo("Przypomnienie o zaległej opłacie (dziecko)", "day"),
    "receivables": ReportInfo("Należności i wpłaty (księgowość)", "month"),
    "arrears": ReportInfo("Zaległości w opłatach", "day"),
    "attendance-stats": ReportInfo(
        "Frekwencja (grupa lub przedszkole, miesiąc lub rok szkolny)", "month-or-year"
    ),
}

EVERY_CHILD = frozenset({"stay-report"})
"""The per-child reports also made for every child at once (`build_every_child`)."""


@dataclass(frozen=True)
class Period:
    day: date | None = None
    month: tuple[int, int] | None = None
    first: date | None = None
    last: date | None = None
    school_year: int | None = None
    """The year a school year starts in (2026: 1 September 2026 – 31 August 2027)."""


def progress_steps(name: str, db: Database, period: Period, group: str | None = None) -> int:
    """How many steps `build` reports to its `progress` for report `name`: the groups of a
    daily sheet, groups × days of a monthly grid, the children of a fee summary (a city's
    takes a while); 1 for the reports that report none."""
    groups = 1 if group else len(registry.list_groups(db))
    if name == "daily-sheet":
        return groups
    if name == "monthly-grid" and period.month:
        return groups * calendar.monthrange(*period.month)[1]
    if name == "fee-summary":
        group_id = registry.find_group(db, group)["id"] if group else None
        return len(registry.list_children(db, group_id=group_id))
    return 1


def build(
    name: str,
    db: Database,
    settings: Settings,
    period: Period,
    group: str | None = None,
    child_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    copayer_id: int | None = None,
) -> Report:
    """Make report `name` for `period` (and one group or child, where it applies; a child's
    ledger statement on a co-payer's ledger with `copayer_id`)."""
    if name not in REPORTS:
        raise Refusal(
            "report.unknown",
            N_("There is no report “%(name)s”; there are: %(known)s."),
            name=name,
            known=", ".join(REPORTS),
        )
    kind = REPORTS[name].period
    extra: dict[str, Callable[[int], None]] = {"progress": progress} if progress else {}
    if kind == "day" and not period.day:
        raise Refusal("report.needs_day", N_("Report %(name)s needs a day (--date YYYY-MM-DD)."), name=name)
    if kind == "month" and not period.month:
        raise Refusal("report.needs_month", N_("Report %(name)s needs a month (--month YYYY-MM)."), name=name)
    if kind == "month-or-year" and (period.month is None) == (period.school_year is None):
        raise Refusal(
            "report.needs_month_or_year",
            N_("Report %(name)s needs a month (--month YYYY-MM) or a school year (--school-year YYYY)."),
            name=name,
        )
    # The checks above give each day report its day and each month report its month.
    if name == "daily-sheet":
        assert period.day is not None
        return attendance_sheets.daily_sheet(db, settings, period.day, group, **extra)
    if name == "monthly-grid":
        assert period.month is not None
        year, month = period.month
        return attendance_sheets.monthly_grid(db, settings, year, month, group, **extra)
    if name == "evacuation":
        return attendance_sheets.evacuation_list(db, settings)
    if name == "attendance-stats":
        return attendance_stats.attendance_stats(
            db, settings, month=period.month, start_year=period.school_year, group=group
        )
    if name == "stay-report":
        if child_id is None:
            raise Refusal("report.needs_child", N_("The stay report is for one child (--child ID)."))
        assert period.month is not None
        year, month = period.month
        return fee_reports.stay_report(db, settings, child_id, year, month)
    if name == "fee-summary":
        assert period.month is not None
        year, month = period.month
        return fee_reports.fee_summary(db, settings, year, month, group, **extra)
    if name == "meal-count":
        assert period.day is not None
        return fee_reports.meal_count(db, settings, period.day)
    if name in ("ledger-statement", "reminder"):
        if child_id is None:
            raise Refusal(
                "report.needs_child", N_("Report %(name)s is for one child (--child ID)."), name=name
            )
        assert period.day is not None
        if name == "reminder":
            return money_reports.reminder(db, settings, child_id, period.day)
        return money_reports.ledger_statement(db, settings, child_id, period.day, copayer_id)
    if name == "receivables":
        assert period.month is not None
        return money_reports.receivables(db, settings, *period.month, group)
    if name == "arrears":
        assert period.day is not None
        return money_reports.arrears(db, settings, period.day, group)
    first = period.first or period.day or date.today()
    return attendance_sheets.reader_health(db, settings, first, period.last or first)


def build_every_child(
    name: str, db: Database, settings: Settings, period: Period, group: str | None = None
) -> list[Report]:
    """Report `name` of every child (of one group) for `period`, by group and name: the month's
    stay reports a director prints, rendered together by `render_every_child`."""
    if name not in EVERY_CHILD:
        raise Refusal(
            "report.not_every_child",
            N_("Report %(name)s is not made for every child at once; only %(known)s is."),
            name=name,
            known=", ".join(sorted(EVERY_CHILD)),
        )
    if not period.month:
        raise Refusal("report.needs_month", N_("Report %(name)s needs a month (--month YYYY-MM)."), name=name)
    return fee_reports.stay_reports(db, settings, *period.month, group)
