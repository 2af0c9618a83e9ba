"""Fees and meals from storage: the registry, the days and the absences fed to `hub.rules.fees`.

The fee engine is pure; this module gathers what it needs — each child's billing data,
each day computed by the attendance rules, the absences, the dated fee settings — and
returns its statements, the accountant's summary and the kitchen's count.
"""

from __future__ import annotations

import calendar
import gc
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import DayResult
from hub.rules.attendance import Settings as RuleSettings
from hub.rules.fees import (
    AbsenceReport,
    Adjustment,
    Child,
    FeeSettings,
    FeeSummary,
    MonthStatement,
    SummaryRow,
    daily_meal_count,
    index_absences,
    month_statement,
    summarise,
    summary_rows,
)
from hub.services import days
from hub.store import absences, cards, fee_settings, registry, site_settings
from hub.store.db import connect
from hub.timefmt import utc_now

Progress = Callable[[int], None]


def fee_child(db: Database, child: dict[str, Any]) -> Child:
    """The fee engine's view of a registry row: name, enrolment, exemption, card numbers."""
    return _fee_child(child, [card["number"] for card in cards.list_cards(db, child_id=child["id"])])


def fee_children(db: Database, children: list[dict[str, Any]]) -> list[Child]:
    """`fee_child` of each row, the cards read in one query (a city has 60,000 children)."""
    numbers: dict[int, list[str | None]] = defaultdict(list)
    for card in cards.list_cards(db):
        numbers[card["child_id"]].append(card["number"])
    return [_fee_child(child, numbers[child["id"]]) for child in children]


def _fee_child(child: dict[str, Any], numbers: list[str | None]) -> Child:
    return Child(
        child_id=child["id"],
        name=f"{child['last_name']} {child['first_name']}",
        group=child["group_name"],
        birth_date=date.fromisoformat(child["birth_date"]) if child["birth_date"] else None,
        exempt=child["fee_exempt"],
        enrolled_from=date.fromisoformat(child["active_from"]),
        enrolled_until=date.fromisoformat(child["active_to"]) if child["active_to"] else None,
        card_number=", ".join(number for number in numbers if number) or None,
    )


def month_days(
    db: Database,
    settings: Settings,
    year: int,
    month: int,
    *,
    group_id: int | None = None,
    child_id: int | None = None,
) -> list[DayResult]:
    """Every child's computed day of the month (of one group, or one child), the month's taps
    and corrections loaded at once (`days.compute_range`)."""
    if child_id is not None:
        children = [registry.get_child(db, child_id)]
    else:
        children = registry.list_children(db, group_id=group_id)
    last = calendar.monthrange(year, month)[1]
    results = []
    for day, child_days in days.compute_range(
        db, settings, date(year, month, 1), date(year, month, last), children, attending_only=child_id is None
    ):
        results += [
            child_day.result for child_day in child_days if child_day.child["active_from"] <= day.isoformat()
        ]
    return results


def _absence_window(year: int, month: int) -> tuple[date, date]:
    """This month's and the previous one's: refunds for the previous month are settled now."""
    first = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    return first, date(year, month, calendar.monthrange(year, month)[1])


def statement(
    db: Database,
    settings: Settings,
    child_id: int,
    year: int,
    month: int,
    *,
    adjustments: Iterable[Adjustment] = (),
) -> MonthStatement:
    """The child's month as computed now; `adjustments` from closed months are added as lines
    (`hub.services.months` decides which are due)."""
    child = registry.get_child(db, child_id)
    window = _absence_window(year, month)
    return month_statement(
        fee_child(db, child),
        year,
        month,
        month_days(db, settings, year, month, child_id=child_id),
        fee_settings.load(db),
        site_settings.rules_for(db, settings),
        absences=absences.engine_reports(db, *window, child_id=child_id),
        adjustments=adjustments,
    )


SUMMARY_PART = 5_000
"""Children whose summary rows are computed together. A month of several parts (a city's)
is computed by one process per CPU, a part at a time; a kindergarten's is one part, here."""


@dataclass(frozen=True)
class _Part:
    """One part of a month's summary: plain data, so a worker process can be sent it."""

    settings: Settings
    year: int
    month: int
    fees: FeeSettings
    rules: RuleSettings
    rows: list[dict[str, Any]]
    """The children's registry rows, and their fee view in the same order."""
    children: list[Child]
    absences: list[AbsenceReport]
    adjustments: list[Adjustment]
    now: datetime


def _part_rows(db: Database, part: _Part, progress: Progress | None = None) -> list[SummaryRow]:
    first = date(part.year, part.month, 1)
    last = date(part.year, part.month, calendar.monthrange(part.year, part.month)[1])
    month = days.range_fee_days(db, part.settings, first, last, part.rows, now=part.now, progress=progress)
    return summary_rows(
        part.children,
        month,
        part.year,
        part.month,
        part.fees,
        part.rules,
        absences=part.absences,
        adjustments=part.adjustments,
    )


def _part_rows_apart(path: str, part: _Part) -> list[SummaryRow]:
    """`_part_rows` in a worker process, on its own connection (WAL lets readers share), with
    the cyclic garbage collector off: a part makes millions of short-lived tuples and no
    cycles, and the collector's passes over them were a fifth of the time."""
    gc.disable()
    db = connect(path)
    try:
        return _part_rows(db, part)
    finally:
        db.close()
        gc.enable()


def summary(
    db: Database,
    settings: Settings,
    year: int,
    month: int,
    group_id: int | None = None,
    progress: Progress | None = None,
    *,
    adjustments: Iterable[Adjustment] = (),
    workers: int | None = None,
) -> FeeSummary:
    """The accountant's month for every child (of one group); `adjustments` as for `statement`.
    The days come from `days.range_fee_days` (the days `month_days` gives, the common ones
    reduced to their visits); `progress` counts children. More than `SUMMARY_PART` children
    are computed in parts by `workers` processes (default: one per CPU), which are spawned:
    a script that asks for a city's summary needs the `if __name__ == "__main__":` guard."""
    rows = registry.list_children(db, group_id=group_id)
    children = fee_children(db, rows)
    reports = absences.engine_reports(db, *_absence_window(year, month))
    carried = list(adjustments)
    fees, rules, now = fee_settings.load(db), site_settings.rules_for(db, settings), utc_now()
    parts = []
    for start in range(0, len(rows), SUMMARY_PART):
        ids = {row["id"] for row in rows[start : start + SUMMARY_PART]}
        parts.append(
            _Part(settings, year, month, fees, rules, rows[start : start + SUMMARY_PART],
                  children[start : start + SUMMARY_PART], [a for a in reports if a.child_id in ids],
                  [a for a in carried if a.child_id in ids], now)
        )  # fmt: skip
    path = _file_of(db)
    workers = min(workers or _cpus(), len(parts))
    if workers <= 1 or path is None:
        return summarise(year, month, [row for part in parts for row in _part_rows(db, part, progress)])
    found: list[SummaryRow] = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = {pool.submit(_part_rows_apart, path, part): len(part.rows) for part in parts}
        for job in as_completed(jobs):
            found += job.result()
            if progress:
                progress(jobs[job])
    return summarise(year, month, found)


def _file_of(db: Database) -> str | None:
    """The database's file, or None for one in memory (a worker cannot open that)."""
    for _, name, path in db.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def meal_count(db: Database, settings: Settings, day: date) -> dict[str, dict[str, int]]:
    """The kitchen's count: group → meal → children expected minus absences reported in time."""
    fees = fee_settings.load(db)
    rules = site_settings.rules_for(db, settings)
    children = fee_children(db, registry.list_children(db, on=day))
    index = index_absences(absences.engine_reports(db, day, day), fees.meals, rules.tz)
    return daily_meal_count(children, day, fees.meals, index, rules.closed_days)
