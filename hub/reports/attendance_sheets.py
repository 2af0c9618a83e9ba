"""Reports that need no money: the daily sheet, the monthly grid, the evacuation list and the
reader health log. Each builder reads through `hub.services.days` and returns a `Report`."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.reports.model import Cell, Report, Section
from hub.rules.attendance import DayResult, Event, day_off_reason
from hub.services import days
from hub.services.presence import presence_now
from hub.store import registry, site_settings
from hub.timefmt import from_db, local_day_bounds, month_title, utc_now

GRID_MARKS = {"present": "o", "absent": "n"}
GRID_LEGEND = (
    "o — obecne, n — nieobecne, w — dzień wolny, puste — brak danych (dzień jeszcze trwa lub nie minął)."
)

Progress = Callable[[int], None]


def _no_progress(_: int) -> None:
    return None


def _groups(db: Database, group: str | None) -> list[dict[str, Any]]:
    return [registry.find_group(db, group)] if group else registry.list_groups(db)


def _clock(event: Event | None, settings: Settings) -> str:
    return event.at.astimezone(settings.tz).strftime("%H:%M") if event else ""


def _people(events: Iterable[Event | None]) -> str:
    """Who brought or collected the child, each named once: "mama, babcia"."""
    return ", ".join(dict.fromkeys(event.card_holder for event in events if event and event.card_holder))


def _remarks(result: DayResult) -> str:
    flags = result.flags
    notes = []
    if result.status == "absent":
        notes.append("nieobecne")
    if flags.missing_departure:
        notes.append("brak odbicia wyjścia")
    if flags.missing_arrival:
        notes.append("brak odbicia wejścia")
    if flags.unconfirmed_taps:
        notes.append(f"odbicia bez godziny do potwierdzenia: {len(flags.unconfirmed_taps)}")
    for outcome in result.correction_outcomes:
        if outcome.state == "applied":
            correction = next(c for c in result.corrections if c.id == outcome.correction_id)
            notes.append(f"korekta ({correction.author}): {correction.reason}")
    return "; ".join(notes)


def daily_sheet(
    db: Database, settings: Settings, day: date, group: str | None = None, progress: Progress = _no_progress
) -> Report:
    """The daily attendance sheet (lista obecności), one section per group."""
    sections = []
    for group_row in _groups(db, group):
        rows = []
        for number, child_day in enumerate(days.compute_days(db, settings, day, group_id=group_row["id"]), 1):
            result = child_day.result
            visits = result.visits
            rows.append(
                (
                    number,
                    f"{child_day.child['last_name']} {child_day.child['first_name']}",
                    ", ".join(_clock(v.arrival, settings) for v in visits),
                    ", ".join(
                        v.arrival.card_holder or "" for v in visits if v.arrival and v.arrival.card_holder
                    ),
                    ", ".join(_clock(v.departure, settings) for v in visits),
                    ", ".join(
                        v.departure.card_holder or ""
                        for v in visits
                        if v.departure and v.departure.card_holder
                    ),
                    _remarks(result),
                )
            )
        present = sum(1 for child_day in rows if child_day[2])
        sections.append(
            Section(
                title=f"Grupa {group_row['name']}"
                + (f" — {group_row['teachers']}" if group_row["teachers"] else ""),
                columns=("Lp.", "Dziecko", "Przyjście", "Przyprowadził(a)", "Wyjście", "Odebrał(a)", "Uwagi"),
                rows=tuple(rows),
                note=f"Obecnych: {present} z {len(rows)}.",
            )
        )
        progress(1)
    off = day_off_reason(day, site_settings.rules_for(db, settings).closed_days)
    return Report(
        name="daily-sheet",
        title="Lista obecności",
        subtitle=f"{day.strftime('%d.%m.%Y')}" + (f" — dzień wolny: {off}" if off else ""),
        generated_at=utc_now().astimezone(settings.tz),
        sections=tuple(sections),
        signature="Podpis nauczyciela",
    )


def monthly_grid(
    db: Database, settings: Settings, year: int, month: int, group: str | None = None,
    progress: Progress = _no_progress,
) -> Report:  # fmt: skip
    """Children × days of the month: present, absent or day off. The month is computed at once
    (`days.compute_range`); `progress` counts groups × days, as the day-by-day grid did."""
    month_days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    closed = site_settings.rules_for(db, settings).closed_days
    now = utc_now()
    groups = _groups(db, group)
    children = registry.list_children(db, group_id=groups[0]["id"] if group else None)
    marks: dict[int, dict[int, dict[date, str]]] = {group_row["id"]: {} for group_row in groups}
    names: dict[int, str] = {}
    place = {child["id"]: number for number, child in enumerate(children)}  # alphabetical, in Polish
    for day, child_days in days.compute_range(db, settings, month_days[0], month_days[-1], children, now=now):
        for child_day in child_days:
            child, result = child_day.child, child_day.result
            names[child["id"]] = f"{child['last_name']} {child['first_name']}"
            mark = "w" if result.day_off else GRID_MARKS.get(result.status, "")
            marks[child["group_id"]].setdefault(child["id"], {})[day] = mark
        progress(len(groups))
    working = [day for day in month_days if day_off_reason(day, closed) is None]
    sections = []
    for group_row in groups:
        group_marks = marks[group_row["id"]]
        rows: list[tuple[Cell, ...]] = [
            (names[child_id], *(group_marks[child_id].get(day, "") for day in month_days),
             sum(1 for mark in group_marks[child_id].values() if mark == "o"))
            for child_id in sorted(group_marks, key=place.__getitem__)
        ]  # fmt: skip
        sections.append(
            Section(
                title=f"Grupa {group_row['name']}",
                columns=("Dziecko", *(str(day.day) for day in month_days), "Obecności"),
                rows=tuple(rows),
                note=f"Dni pracy w miesiącu: {len(working)}.",
            )
        )
    return Report(
        name="monthly-grid",
        title="Miesięczna ewidencja obecności",
        subtitle=month_title(year, month),
        generated_at=now.astimezone(settings.tz),
        sections=tuple(sections),
        landscape=True,
        legend=GRID_LEGEND,
        signature="Podpis nauczyciela",
    )


def evacuation_list(db: Database, settings: Settings, now: datetime | None = None) -> Report:
    """Who is in the building at this moment, per group, with when it was printed."""
    moment = now or utc_now()
    groups = presence_now(db, settings, moment)
    sections = []
    for group in groups:
        rows = tuple(
            (
                number,
                child["name"],
                child["since"].astimezone(settings.tz).strftime("%H:%M") if child["since"] else "?",
                child["brought_by"] or "",
                "" if child["certain"] else "sprawdzić: " + child["why"],
            )
            for number, child in enumerate(group["children"], 1)
        )
        sections.append(
            Section(
                title=f"Grupa {group['group']}: {group['count']}",
                columns=("Lp.", "Dziecko", "W budynku od", "Przyprowadził(a)", "Uwagi"),
                rows=rows,
            )
        )
    total = sum(group["count"] for group in groups)
    local = moment.astimezone(settings.tz)
    return Report(
        name="evacuation",
        title="Lista ewakuacyjna",
        subtitle=f"Stan na {local.strftime('%d.%m.%Y, godz. %H:%M')} — w budynku dzieci: {total}",
        generated_at=local,
        sections=tuple(sections),
        signature="Sprawdził(a)",
    )


def reader_health(db: Database, settings: Settings, first: date, last: date) -> Report:
    """Per reader: online and offline periods, the largest queue and resets, from its status log."""
    start, end = local_day_bounds(first, last, settings.tz)
    sections = []
    for reader in db["readers"].rows_where(order_by="id"):
        events = list(
            db["reader_events"].rows_where(
                "reader_id = ? AND at >= ? AND at < ?", [reader["id"], start, end], order_by="at, id"
            )
        )
        rows = []
        periods = [list(run) for _, run in groupby(events, key=lambda event: event["online"])]
        for index, period in enumerate(periods):
            began = from_db(period[0]["at"])
            ended = from_db(periods[index + 1][0]["at"]) if index + 1 < len(periods) else None
            queues = [event["queue"] for event in period if event["queue"] is not None]
            resets = [event["resets"] for event in period if event["resets"] is not None]
            rows.append(
                (
                    began.astimezone(settings.tz).strftime("%d.%m %H:%M"),
                    ended.astimezone(settings.tz).strftime("%d.%m %H:%M") if ended else "teraz",
                    "w sieci" if period[0]["online"] else "poza siecią",
                    _duration(began, ended or min(utc_now(), from_db(end))),
                    max(queues) if queues else None,
                    max(resets) if resets else None,
                    period[-1]["fw"] or "",
                )
            )
        sections.append(
            Section(
                title=f"{reader['name']} ({reader['id']}), tryb {reader['mode']}",
                columns=("Od", "Do", "Stan", "Czas", "Kolejka maks.", "Resety czytnika", "Oprogramowanie"),
                rows=tuple(rows),
            )
        )
    return Report(
        name="reader-health",
        title="Dziennik pracy czytników",
        subtitle=f"{first.strftime('%d.%m.%Y')} – {last.strftime('%d.%m.%Y')}",
        generated_at=utc_now().astimezone(settings.tz),
        sections=tuple(sections),
        landscape=True,
    )


def _duration(began: datetime, ended: datetime) -> str:
    minutes = max(0, int((ended - began) / timedelta(minutes=1)))
    return f"{minutes // 60} h {minutes % 60:02d} min"
