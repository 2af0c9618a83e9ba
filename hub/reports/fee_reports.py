"""Reports with money: a child's monthly stay report, the accountant's fee summary and the
kitchen's daily meal count. The numbers come from `hub.services.billing`; nothing is computed here
but sums of what the fee engine returned."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.collation import sort_key
from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.reports.model import Cell, Report, Section
from hub.rules.fees import DayFee, format_minutes
from hub.rules.ledger.account import printed
from hub.rules.ledger.matching import reference
from hub.services import billing, ledger, months
from hub.store import registry
from hub.timefmt import month_title, utc_now

FLAG_WORDS = {
    "day_off": "dzień wolny",
    "exempt_age": "zwolnienie (wiek)",
    "exempt_override": "zwolnienie",
    "missing_departure": "brak wyjścia",
    "missing_arrival": "brak wejścia",
    "assumed_times": "czas przyjęty",
    "unbilled_visit": "pobyt nienaliczony",
    "in_progress": "w trakcie",
    "no_times": "bez godzin",
    "grace_waived": "karencja",
}
MEAL_KINDS = {"charge": "opłata", "refund": "odpis"}


def _spans(day: DayFee, tz: ZoneInfo) -> str:
    def clock(moment, assumed: bool) -> str:
        if moment is None:
            return "?"
        return moment.astimezone(tz).strftime("%H:%M") + ("*" if assumed else "")

    return ", ".join(f"{clock(s.start, s.start_assumed)}–{clock(s.end, s.end_assumed)}" for s in day.spans)


def stay_report(db: Database, settings: Settings, child_id: int, year: int, month: int) -> Report:
    """A child's month: each day's stay, free and paid time and fee; meals; the settings used."""
    child = registry.get_child(db, child_id)
    statement = months.statement(db, settings, child_id, year, month)
    tz = settings.tz
    today = utc_now().astimezone(tz).date()
    day_rows = tuple(
        (
            day.day.strftime("%d.%m"),
            _spans(day, tz),
            format_minutes(day.minutes_present),
            format_minutes(day.minutes_free),
            format_minutes(day.minutes_paid),
            format_minutes(day.minutes_billed),
            day.rate.per_hour,
            day.fee,
            ", ".join(FLAG_WORDS.get(flag, flag) for flag in day.flags),
        )
        for day in statement.days
        if day.day <= today and (day.spans or set(day.flags) - {"day_off"})
    )
    days_section = Section(
        title="Pobyt",
        columns=(
            "Dzień",
            "Wejście–wyjście",
            "Obecność",
            "Bezpłatnie",
            "Płatnie",
            "Naliczono",
            "Stawka zł/h",
            "Opłata zł",
            "Uwagi",
        ),
        rows=day_rows,
        totals=(
            "Razem",
            "",
            format_minutes(statement.minutes_present),
            format_minutes(statement.minutes_free),
            format_minutes(statement.minutes_paid),
            format_minutes(statement.minutes_billed),
            "",
            statement.stay_fee,
            "",
        ),
        note=" ".join(band.explain() + "." for band in statement.bands)
        + (" * — godzina przyjęta zgodnie z regulaminem." if any("*" in row[1] for row in day_rows) else ""),
    )
    meal_rows = tuple(
        (line.day.strftime("%d.%m"), line.meal, MEAL_KINDS.get(line.kind, line.kind), line.amount)
        for line in statement.meals
    )
    meals_section = Section(
        title="Posiłki",
        columns=("Dzień", "Posiłek", "Rodzaj", "Kwota zł"),
        rows=meal_rows,
        totals=("Razem", "", "", statement.meals_charged - statement.meals_refunded),
        note="Odpisy za nieobecności zgłoszone w terminie w poprzednim miesiącu."
        if statement.meals_refunded
        else "",
    )
    adjustment_rows = tuple(
        (f"{a.year}-{a.month:02d}", a.day.strftime("%d.%m") if a.day else "", a.description, a.amount)
        for a in statement.adjustments
    )
    sections = [days_section, meals_section]
    if adjustment_rows:
        sections.append(
            Section(
                title="Korekty zamkniętych miesięcy",
                columns=("Miesiąc", "Dzień", "Opis", "Kwota zł"),
                rows=adjustment_rows,
            )
        )
    sections.append(
        Section(
            title="Do zapłaty",
            columns=("Pozycja", "Kwota zł"),
            rows=(
                ("Opłata za pobyt", statement.stay_fee),
                ("Posiłki", statement.meals_charged),
                ("Odpisy za posiłki", -statement.meals_refunded),
                ("Korekty", statement.adjustments_total),
            ),
            totals=("Razem", statement.total),
        )
    )
    facts = [
        ("Dziecko", f"{child['first_name']} {child['last_name']}"),
        ("Grupa", child["group_name"]),
        ("Numer karty", statement.child.card_number or "—"),
        # "Zasady" once, beside the first rule; the others follow under it.
        *(("Zasady" if number == 0 else "", line) for number, line in enumerate(statement.settings_used)),
    ]
    account = ledger.account_number(db, child_id)
    if account:
        facts.append(("Rachunek do wpłat", printed(account)))
        facts.append(("Tytuł przelewu", f"{reference(child_id)} {child['last_name']} {child['first_name']}"))
    if statement.incomplete_days:
        facts.append(
            ("Do wyjaśnienia", ", ".join(day.strftime("%d.%m") for day in statement.incomplete_days))
        )
    return Report(
        name="stay-report",
        title="Miesięczne zestawienie pobytu i opłat",
        subtitle=month_title(year, month),
        generated_at=utc_now().astimezone(tz),
        sections=tuple(sections),
        facts=tuple(facts),
        landscape=True,
    )


def stay_reports(
    db: Database, settings: Settings, year: int, month: int, group: str | None = None
) -> list[Report]:
    """Every child's stay report of the month (of one group), by group and name: the children
    enrolled on any day of it. What a director prints at the month's end, as one PDF."""
    group_id = registry.find_group(db, group)["id"] if group else None
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    enrolled = [
        child["id"]
        for child in registry.list_children(db, group_id=group_id)
        if child["active_from"] <= last.isoformat()
        and (child["active_to"] is None or child["active_to"] >= first.isoformat())
    ]
    if not enrolled:
        raise Refusal(
            "report.no_children",
            N_("No child was enrolled in %(month)s."),
            month=f"{year}-{month:02d}",
        )
    return [stay_report(db, settings, child_id, year, month) for child_id in enrolled]


def fee_summary(
    db: Database,
    settings: Settings,
    year: int,
    month: int,
    group: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """The accountant's month: per child paid hours, fee, meals, refunds, total; group totals."""
    group_id = registry.find_group(db, group)["id"] if group else None
    summary = months.summary(db, settings, year, month, group_id=group_id, progress=progress)
    columns = (
        "Dziecko",
        "Nr karty",
        "Godziny płatne",
        "Opłata za pobyt",
        "Posiłki",
        "Odpisy",
        "Korekty",
        "Razem",
        "Dni do wyjaśnienia",
    )
    sections = []
    for total in summary.groups:
        rows = tuple(
            (
                row.name,
                row.card_number or "",
                row.hours_billed,
                row.stay_fee,
                row.meals_charged,
                row.meals_refunded,
                row.adjustments,
                row.total,
                row.incomplete_days,
            )
            for row in summary.rows
            if row.group == total.group
        )
        sections.append(
            Section(
                title=f"Grupa {total.group}",
                columns=columns,
                rows=rows,
                totals=(
                    f"Razem ({total.children})",
                    "",
                    _hours(total.minutes_billed),
                    total.stay_fee,
                    total.meals_charged,
                    total.meals_refunded,
                    total.adjustments,
                    total.total,
                    total.incomplete_days,
                ),
            )
        )
    everything = summary.total
    sections.append(
        Section(
            title="Przedszkole razem",
            columns=("Dzieci", "Godziny płatne", "Opłata za pobyt", "Posiłki", "Odpisy", "Korekty", "Razem"),
            rows=(
                (
                    everything.children,
                    _hours(everything.minutes_billed),
                    everything.stay_fee,
                    everything.meals_charged,
                    everything.meals_refunded,
                    everything.adjustments,
                    everything.total,
                ),
            ),
        )
    )
    return Report(
        name="fee-summary",
        title="Zestawienie opłat dla księgowości",
        subtitle=month_title(year, month),
        generated_at=utc_now().astimezone(settings.tz),
        sections=tuple(sections),
        landscape=True,
        sheet_name=f"oplaty-{year}-{month:02d}",
    )


def meal_count(db: Database, settings: Settings, day: date) -> Report:
    """The kitchen's count for a day: children expected per group and meal, minus absences
    reported before the cut-off."""
    counts = billing.meal_count(db, settings, day)
    meals = sorted({meal for group in counts.values() for meal in group}, key=sort_key)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (group, *(counts[group].get(meal, 0) for meal in meals)) for group in sorted(counts, key=sort_key)
    )
    totals: tuple[Cell, ...] = (
        "Razem",
        *(sum(counts[group].get(meal, 0) for group in counts) for meal in meals),
    )
    return Report(
        name="meal-count",
        title="Liczba posiłków",
        subtitle=day.strftime("%d.%m.%Y"),
        generated_at=utc_now().astimezone(settings.tz),
        sections=(Section(title="", columns=("Grupa", *meals), rows=rows, totals=totals if rows else None),),
        legend="Dzieci zapisane na dany dzień minus nieobecności zgłoszone przed godziną graniczną."
        if rows
        else "Dzień wolny albo nie ustawiono cen posiłków (ewidencjoner fees set-meal).",
    )


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))
