"""The `attendance-stats` report (Frekwencja): `hub.services.statistics` as a `Report`.

A month or a school year, one group or the whole kindergarten: a table per group (a row per
child and the group's totals); for the whole kindergarten a first table with a row per
group; for a school year a last table month by month. What each column counts is defined in
`hub.rules.statistics`; the legend says it in short.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from sqlite_utils import Database

from hub.config import Settings
from hub.reports.model import Cell, Minutes, Percent, Report, Section
from hub.rules.school_year import school_year_end, school_year_label, school_year_start
from hub.rules.statistics import Tally
from hub.services.statistics import Statistics, statistics
from hub.store import registry
from hub.timefmt import month_title, utc_now

COLUMNS = (
    "Dni otwarte",
    "Obecności",
    "Nieobecności zgłoszone",
    "Nieobecności niezgłoszone",
    "Do wyjaśnienia",
    "Dni wolne",
    "Średni pobyt",
    "Frekwencja",
)
LEGEND = (
    "Dni otwarte — dni pracy przedszkola, w których dziecko było zapisane (bez dni do wyjaśnienia); "
    "frekwencja = obecności ÷ dni otwarte. Nieobecność zgłoszona — zgłoszona z wyprzedzeniem przez "
    "rodzica lub sekretariat. Do wyjaśnienia — dzień jeszcze trwa albo są tylko odbicia bez godziny. "
    "Dni wolne — święta i dni zamknięcia przedszkola od poniedziałku do piątku (nie są nieobecnością). "
    "Średni pobyt — z dni obecności z godziną wejścia i wyjścia. Grupa i przedszkole: sumy dni dzieci."
)


def tally_cells(tally: Tally) -> tuple[Cell, ...]:
    average = tally.average_stay
    rate = tally.rate
    return (
        tally.open_days,
        tally.present,
        tally.absent_reported,
        tally.absent_unreported,
        tally.pending,
        tally.days_off,
        Minutes(average) if average is not None else None,
        Percent(rate) if rate is not None else None,
    )


def attendance_stats(
    db: Database,
    settings: Settings,
    *,
    month: tuple[int, int] | None = None,
    start_year: int | None = None,
    group: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The statistics of `month` (year, month) or of the school year starting in September
    of `start_year`, for `group` (a name or id; None: the whole kindergarten)."""
    moment = now or utc_now()
    if month is not None:
        year, number = month
        first = date(year, number, 1)
        last = date(year, number, calendar.monthrange(year, number)[1])
        period = month_title(year, number)
    else:
        assert start_year is not None
        first, last = school_year_start(start_year), school_year_end(start_year)
        period = f"rok szkolny {school_year_label(start_year)}"
    group_row = registry.find_group(db, group) if group else None
    found = statistics(db, settings, first, last, group_id=group_row["id"] if group_row else None, now=moment)
    return Report(
        name="attendance-stats",
        title="Frekwencja",
        subtitle=period + (f" — grupa {group_row['name']}" if group_row else " — całe przedszkole"),
        generated_at=moment.astimezone(settings.tz),
        sections=sections(found, whole=group_row is None, by_month=month is None),
        facts=facts(found),
        landscape=True,
        legend=LEGEND,
    )


def facts(found: Statistics) -> tuple[tuple[str, str], ...]:
    if found.counted_to is None:
        return (("Stan", "okres jeszcze się nie zaczął"),)
    return (
        ("Policzone dni", f"{found.first:%d.%m.%Y} – {found.counted_to:%d.%m.%Y}"),
        ("Dni pracy przedszkola", str(found.open_days)),
    )


def sections(found: Statistics, *, whole: bool, by_month: bool) -> tuple[Section, ...]:
    made = []
    if whole and len(found.groups) > 1:
        made.append(
            Section(
                title="Całe przedszkole",
                columns=("Grupa", "Dzieci", *COLUMNS),
                rows=tuple((g.name, len(g.children), *tally_cells(g.total)) for g in found.groups),
                totals=("Razem", sum(len(g.children) for g in found.groups), *tally_cells(found.total)),
            )
        )
    for group in found.groups:
        made.append(
            Section(
                title=f"Grupa {group.name}",
                columns=("Dziecko", *COLUMNS),
                rows=tuple((child.name, *tally_cells(child.tally)) for child in group.children),
                totals=("Razem", *tally_cells(group.total)) if group.children else None,
                note="" if group.children else "Żadne dziecko nie było zapisane w tym okresie.",
            )
        )
    if by_month:
        made.append(
            Section(
                title="Miesiąc po miesiącu",
                columns=("Miesiąc", *COLUMNS),
                rows=tuple((month_title(year, month), *tally_cells(t)) for year, month, t in found.months),
                totals=("Razem", *tally_cells(found.total)) if found.months else None,
            )
        )
    return tuple(made)
