"""Children's days from storage: the stored taps and corrections fed to the attendance rules.

Nothing is materialised: a day is computed from its inputs whenever it is asked for, so it
is always the pure function of everything that has arrived, in whatever order (a reader
that was offline for an hour changes the morning as soon as its taps are stored).
Taps count on the local day of their time; an unknown-time tap on the day it was received.
The stored inputs are read by `hub.store.day_inputs`; who is in now is `presence`, and a
day's JSON shape `day_json`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import (
    CompleteDay,
    DayResult,
    Inconsistency,
    Tap,
    TapId,
    complete_visits,
    compute_day,
    day_inconsistencies,
    day_off_reason,
    unknown_card_items,
)
from hub.services.conflicts import conflict_items
from hub.store import corrections, kiosk, registry, site_settings
from hub.store.day_inputs import TapIndex, day_taps, range_corrections, range_tap, range_tap_rows, range_taps
from hub.timefmt import from_db, local_day_bounds, utc_now

FEE_CHUNK = 500
"""Children whose taps `range_fee_days` reads at once (and reports as done together)."""


@dataclass(frozen=True)
class ChildDay:
    child: dict[str, Any]
    result: DayResult


def compute_days(
    db: Database,
    settings: Settings,
    day: date,
    *,
    group_id: int | None = None,
    child_id: int | None = None,
    now: datetime | None = None,
) -> list[ChildDay]:
    """The day of every child attending on `day` (of one group, or one child)."""
    rules = site_settings.rules_for(db, settings)
    if child_id is not None:
        children = [registry.get_child(db, child_id)]
    else:
        children = registry.list_children(db, group_id=group_id, on=day)
    taps_by_child: dict[int | None, list[Tap]] = defaultdict(list)
    for tap in day_taps(db, day, rules):
        taps_by_child[tap.child_id].append(tap)
    fixes_by_child = defaultdict(list)
    for correction in corrections.corrections_for(db, day, [child["id"] for child in children]):
        fixes_by_child[correction.child_id].append(correction)
    moment = now or utc_now()
    return [
        ChildDay(
            child,
            compute_day(
                child["id"],
                day,
                taps_by_child[child["id"]],
                fixes_by_child[child["id"]],
                now=moment,
                settings=rules,
            ),
        )
        for child in children
    ]


def compute_range(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    children: list[dict[str, Any]],
    *,
    attending_only: bool = True,
    now: datetime | None = None,
) -> Iterator[tuple[date, list[ChildDay]]]:
    """`compute_days` for each day `first`..`last` and the given `children` (rows of
    `registry.list_children`), with a month's inputs loaded in one query per table instead of
    one per day. `attending_only`: on each day only the children attending that day (as
    `compute_days` lists them), otherwise all of them (as it does for one child)."""
    rules = site_settings.rules_for(db, settings)
    ids = {child["id"] for child in children}
    taps_by_day = range_taps(db, first, last, rules, ids)
    fixes_by_day = range_corrections(db, first, last, ids)
    moment = now or utc_now()
    day = first
    while day <= last:
        text = day.isoformat()
        yield (
            day,
            [
                ChildDay(
                    child,
                    compute_day(
                        child["id"],
                        day,
                        taps_by_day.get((child["id"], day), ()),
                        fixes_by_day.get((child["id"], day), ()),
                        now=moment,
                        settings=rules,
                    ),
                )
                for child in children
                if not attending_only
                or (
                    child["active_from"] <= text
                    and (child["active_to"] is None or child["active_to"] >= text)
                )
            ],
        )
        day += timedelta(days=1)


def range_fee_days(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    children: list[dict[str, Any]],
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[DayResult | CompleteDay]:
    """What the fee summary needs of `compute_range`'s days (each child's days `first`..`last`
    on which it attends), for 60,000 children in seconds rather than minutes:

    - a day with neither taps nor corrections is left out: it has no visit, so it bills
      nothing and is complete;
    - the common day (timed taps only, no corrections, every visit with both ends) comes as
      a `CompleteDay`, made from the stored rows without building a `Tap` or an event;
    - any other day as `compute_day` computes it.

    tests/services/test_days_fee.py checks that the summary of these equals the summary of
    `compute_range`'s days. Children are read `FEE_CHUNK` at a time (their taps in one
    go), and `progress` is told how many children are done after each chunk."""
    rules = site_settings.rules_for(db, settings)
    ids = {child["id"] for child in children}
    index = TapIndex.load(db, ids)
    fixes = range_corrections(db, first, last, ids)
    fixed_days: dict[int, list[date]] = defaultdict(list)
    for child_id, day in fixes:
        fixed_days[child_id].append(day)
    moment = now or utc_now()
    window = timedelta(seconds=rules.debounce_s)
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    text = {day: day.isoformat() for day in span}
    off = {day: day_off_reason(day, rules.closed_days) for day in span}
    for start in range(0, len(children), FEE_CHUNK):
        chunk = {child["id"]: child for child in children[start : start + FEE_CHUNK]}
        taps = range_tap_rows(db, first, last, rules, set(chunk), index)
        for child_id in chunk.keys() & fixed_days.keys():
            for day in fixed_days[child_id]:
                taps.setdefault((child_id, day), [])
        for (child_id, day), rows in taps.items():
            child, when = chunk[child_id], text[day]
            if child["active_from"] > when or (child["active_to"] is not None and child["active_to"] < when):
                continue  # not attending that day
            day_fixes = fixes.get((child_id, day), ())
            if not day_fixes and all(row[0] is not None for row in rows):
                visits = complete_visits([row[:4] for row in rows], window)  # type: ignore[misc]
                if visits is not None:
                    yield CompleteDay(child_id, day, off[day], visits)
                    continue
            child_taps = [range_tap(child_id, row) for row in rows]
            yield compute_day(child_id, day, child_taps, day_fixes, now=moment, settings=rules)
        if progress:
            progress(len(chunk))


def inconsistencies(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    now: datetime | None = None,
    *,
    group_id: int | None = None,
) -> list[Inconsistency]:
    """The inconsistency log ("dziennik niezgodności") for local days `first`..`last`; with
    `group_id` only that group's children (unknown cards belong to no group: left out)."""
    rules = site_settings.rules_for(db, settings)
    closed_at = {
        (row["year"], row["month"]): from_db(row["closed_at"])
        for row in db.query("SELECT year, month, closed_at FROM closed_months")
    }
    items: list[Inconsistency] = []
    day = first
    while day <= last:
        for child_day in compute_days(db, settings, day, group_id=group_id, now=now):
            child = child_day.child
            items += day_inconsistencies(
                child_day.result,
                active_from=date.fromisoformat(child["active_from"]),
                active_to=date.fromisoformat(child["active_to"]) if child["active_to"] else None,
                month_closed_at=closed_at.get((day.year, day.month)),
                settings=rules,
            )
        if group_id is None:
            items += unknown_card_items(
                day, [tap for tap in day_taps(db, day, rules) if tap.child_id is None], rules
            )
        day += timedelta(days=1)
    if group_id is None:  # a conflicting tap belongs to no group until someone resolves it
        items += conflict_items(db, first, last, settings.tz)
    items += kiosk_items(db, first, last, settings.tz, group_id=group_id)
    return items


def kiosk_items(
    db: Database, first: date, last: date, tz: ZoneInfo, *, group_id: int | None = None
) -> list[Inconsistency]:
    """One item per kiosk record of local days `first`..`last` no teacher has reviewed yet:
    a guardian's PIN, not the child's card, stands behind it."""
    start, end = local_day_bounds(first, last, tz)
    return [
        Inconsistency(
            "kiosk_record",
            row["child_id"],
            from_db(row["at"]).astimezone(tz).date(),
            f"kiosk record {row['id']} ({row['direction']}) by {row['guardian']}",
            taps=(TapId(f"{kiosk.READER_PREFIX}{row['kiosk_id']}", row["id"]),),
        )
        for row in kiosk.records_between(db, start, end, unreviewed=True)
        if group_id is None or row["group_id"] == group_id
    ]
