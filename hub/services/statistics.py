"""Attendance statistics from storage: the children's computed days (`days.compute_range`)
and the absences reported ahead, counted by `hub.rules.statistics`, per child, group and
month (`statistics`).

A child is counted in the group the register has it in now (the register keeps no history
of moves between groups).

Days after today are not asked for: they have no status yet and would only swell the days
to resolve. Today counts once its closing time has passed (until then it is to resolve).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import CompleteDay, DayResult, compute_day, stay_minutes
from hub.rules.statistics import CountedDay, Tally, counted_day, open_days_between, tally_by
from hub.services import days
from hub.store import absences, registry, site_settings
from hub.timefmt import utc_now


def counted_days(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    children: list[dict[str, Any]],
    *,
    now: datetime | None = None,
) -> Iterator[CountedDay]:
    """Each of `children`'s enrolled days `first`..`last` (at most today) as the statistics
    count it.

    A school year of a kindergarten is 50,000 child-days, so the days come the fee summary's
    way (`days.range_fee_days`): the common day of timed taps as a `CompleteDay`, any other
    day with taps or corrections as `compute_day` computes it. A day with neither is the same
    for every child (its day off and status depend on the day only): `compute_day` is asked
    once per such day. tests/services/test_statistics.py checks the counts equal those of
    `compute_range`'s days."""
    moment = now or utc_now()
    last = min(last, moment.astimezone(settings.tz).date())
    if last < first or not children:
        return
    ids = {child["id"] for child in children}
    reported = {
        (row["child_id"], date.fromisoformat(row["day"]))
        for row in absences.list_absences(db, first=first, last=last)
        if row["child_id"] in ids
    }
    seen: set[tuple[int, date]] = set()
    for found in days.range_fee_days(db, settings, first, last, children, now=moment):
        key = (found.child_id, found.day)
        if isinstance(found, CompleteDay):
            if not found.visits:
                continue  # counted below as a day with nothing recorded
            minutes = sum(stay_minutes(arrival, departure) for arrival, departure in found.visits)
            yield CountedDay(found.child_id, found.day, found.day_off, "present", minutes, key in reported)
        else:
            yield counted_day(found, key in reported)
        seen.add(key)
    rules = site_settings.rules_for(db, settings)
    empty: dict[date, DayResult] = {}
    for child in children:
        start = max(first, date.fromisoformat(child["active_from"]))
        end = min(last, date.fromisoformat(child["active_to"])) if child["active_to"] else last
        day = start
        while day <= end:
            if (child["id"], day) not in seen:
                if day not in empty:
                    empty[day] = compute_day(child["id"], day, (), (), now=moment, settings=rules)
                nothing = empty[day]
                yield CountedDay(
                    child["id"], day, nothing.day_off, nothing.status, None, (child["id"], day) in reported
                )
            day += timedelta(days=1)


@dataclass(frozen=True)
class ChildStatistics:
    child_id: int
    name: str
    """"Surname First-name", as the registers list children."""
    tally: Tally


@dataclass(frozen=True)
class GroupStatistics:
    group_id: int
    name: str
    children: tuple[ChildStatistics, ...]
    """In Polish alphabetical order (the register's, `registry.list_children`); only children
    enrolled on some day of the period."""
    total: Tally


@dataclass(frozen=True)
class Statistics:
    """A period's attendance statistics of one group or the whole kindergarten: plain data,
    what the page, the `attendance-stats` report and the yearly archive are made from."""

    first: date
    last: date
    counted_to: date | None
    """The last day counted (today at the latest); None when the period has not begun."""
    open_days: int
    """The kindergarten's working days `first`..`counted_to`."""
    groups: tuple[GroupStatistics, ...]
    months: tuple[tuple[int, int, Tally], ...]
    """Year, month and the scope's tally, for each month counted, in order."""
    total: Tally


def statistics(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    *,
    group_id: int | None = None,
    now: datetime | None = None,
) -> Statistics:
    """The statistics of `first`..`last` for group `group_id` (None: every group)."""
    moment = now or utc_now()
    counted_to = min(last, moment.astimezone(settings.tz).date())
    texts = first.isoformat(), last.isoformat()
    children = [
        child
        for child in registry.list_children(db, group_id=group_id)
        if child["active_from"] <= texts[1] and (child["active_to"] is None or child["active_to"] >= texts[0])
    ]
    counted = list(counted_days(db, settings, first, last, children, now=moment))
    by_child = tally_by(counted, lambda day: day.child_id)
    groups = []
    for group in registry.list_groups(db):
        if group_id is not None and group["id"] != group_id:
            continue
        rows = [
            ChildStatistics(child["id"], f"{child['last_name']} {child['first_name']}",
                            by_child.get(child["id"], Tally()))
            for child in children
            if child["group_id"] == group["id"]
        ]  # fmt: skip
        total = sum((row.tally for row in rows), Tally())
        groups.append(GroupStatistics(group["id"], group["name"], tuple(rows), total))
    months = tally_by(counted, lambda day: (day.day.year, day.day.month))
    closed = site_settings.rules_for(db, settings).closed_days
    return Statistics(
        first=first,
        last=last,
        counted_to=counted_to if counted_to >= first else None,
        open_days=open_days_between(first, counted_to, closed) if counted_to >= first else 0,
        groups=tuple(groups),
        months=tuple((year, month, months[year, month]) for year, month in sorted(months)),
        total=sum((group.total for group in groups), Tally()),
    )


def tally_as_dict(tally: Tally) -> dict[str, Any]:
    """A tally as JSON: the counts, the average stay in minutes and the rate in percent (a
    decimal string, "93.5", so no float rounding creeps in); None where there is none."""
    rate = tally.rate
    return {
        **asdict(tally),
        "average_stay_minutes": tally.average_stay,
        "rate_percent": None if rate is None else str(rate),
    }


def statistics_as_dict(found: Statistics) -> dict[str, Any]:
    """The statistics as `ewidencjoner attendance-stats --json` prints them."""
    return {
        "first": found.first.isoformat(),
        "last": found.last.isoformat(),
        "counted_to": found.counted_to.isoformat() if found.counted_to else None,
        "open_days": found.open_days,
        "groups": [
            {
                "group_id": group.group_id,
                "name": group.name,
                "children": [
                    {"child_id": child.child_id, "name": child.name, **tally_as_dict(child.tally)}
                    for child in group.children
                ],
                "total": tally_as_dict(group.total),
            }
            for group in found.groups
        ],
        "months": [
            {"month": f"{year}-{month:02d}", **tally_as_dict(tally)} for year, month, tally in found.months
        ],
        "total": tally_as_dict(found.total),
    }
