"""Children's days from storage: the stored taps and corrections fed to the attendance rules.

Nothing is materialised: a day is computed from its inputs whenever it is asked for, so it
is always the pure function of everything that has arrived, in whatever order (a reader
that was offline for an hour changes the morning as soon as its taps are stored).
Taps count on the local day of their time; an unknown-time tap on the day it was received.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import (
    CompleteDay,
    Correction,
    DayResult,
    Event,
    Inconsistency,
    Presence,
    Tap,
    complete_visits,
    compute_day,
    day_inconsistencies,
    day_off_reason,
    presence_at,
    unknown_card_items,
)
from hub.rules.attendance import (
    Settings as RuleSettings,
)
from hub.services.conflicts import conflict_items
from hub.store import cards, corrections, registry, site_settings
from hub.timefmt import from_db, local_day_bounds, to_db, utc_now

FEE_CHUNK = 500
"""Children whose taps `range_fee_days` reads at once (and reports as done together)."""


@dataclass(frozen=True)
class ChildDay:
    child: dict[str, Any]
    result: DayResult


def day_taps(db: Database, day: date, rules: RuleSettings) -> list[Tap]:
    """Every tap of the local day, attributed to the child whose card was valid at the time."""
    start, end = local_day_bounds(day, day, rules.tz)
    instant = cards.TAP_INSTANT
    rows = db.query(
        f"""SELECT t.reader_id, t.seq, t.uid, t.at, t.time_quality, k.child_id, k.number, k.holder,
                   (SELECT m.mode FROM reader_modes m
                    WHERE m.reader_id = t.reader_id AND m.valid_from <= {instant}
                    ORDER BY m.valid_from DESC LIMIT 1) AS mode
            FROM taps t
            LEFT JOIN cards k ON k.uid = t.uid AND k.valid_from <= {instant}
                 AND (k.revoked_at IS NULL OR k.revoked_at > {instant})
            WHERE {instant} >= :start AND {instant} < :end""",
        {"start": start, "end": end},
    )
    return [
        Tap(
            reader_id=row["reader_id"],
            seq=row["seq"],
            child_id=row["child_id"],
            at=from_db(row["at"]) if row["at"] and row["time_quality"] != "unknown" else None,
            time_quality=row["time_quality"],
            mode=row["mode"],
            card_uid=row["uid"],
            card_number=row["number"],
            card_holder=row["holder"],
        )
        for row in rows
    ]


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


CardRow = tuple[str, str | None, int, str | None, str | None]
"""A card as attribution needs it: (valid_from, revoked_at, child_id, number, holder)."""


class TapIndex(NamedTuple):
    """Every card by UID and every reader's mode history, loaded once for a range, so taps
    are attributed in Python with the same comparisons `day_taps` makes in SQL (stored
    instants are ASCII, so text order is the same in both)."""

    cards: dict[str, list[CardRow]]
    """By UID, in card id order."""
    uids: dict[int, list[str]]
    """Each child's UIDs, past and present."""
    modes: dict[str, tuple[list[str], list[str]]]
    """By reader: (valid_from list, mode list), sorted by valid_from."""

    @staticmethod
    def load(db: Database, child_ids: set[int] | None = None) -> TapIndex:
        """The index of every card, or of the cards of `child_ids` (enough to attribute their
        taps: a card row of another child never makes a tap theirs)."""
        cards: dict[str, list[CardRow]] = defaultdict(list)
        uids: dict[int, list[str]] = defaultdict(list)
        rows = _rows_for_children(
            db,
            "SELECT id, uid, valid_from, revoked_at, child_id, number, holder FROM cards",
            "1",
            [],
            child_ids,
        )
        for _, uid, *card in sorted(rows):  # by id
            cards[uid].append(tuple(card))  # type: ignore[arg-type]
            if uid not in uids[card[2]]:
                uids[card[2]].append(uid)
        modes: dict[str, tuple[list[str], list[str]]] = {}
        for reader_id, valid_from, mode in db.execute(
            "SELECT reader_id, valid_from, mode FROM reader_modes ORDER BY reader_id, valid_from"
        ):
            starts, kinds = modes.setdefault(reader_id, ([], []))
            starts.append(valid_from)
            kinds.append(mode)
        return TapIndex(dict(cards), dict(uids), modes)


RangeTap = tuple[datetime | None, str, int, str | None, str, str, str | None, str | None]
"""A stored tap attributed to a child by the range functions: (at, reader_id, seq, mode,
time_quality, uid, card number, card holder), `at` None for an unknown-time tap. The
fields of its `Tap` (the child is the key it is filed under), as a plain tuple: a city's
month is 2.5 million of them. It starts with `complete_day`'s tuple."""


def range_tap(child_id: int, row: RangeTap) -> Tap:
    at, reader_id, seq, mode, quality, uid, number, holder = row
    return Tap(reader_id, seq, child_id, at, quality, mode, uid, number, holder)  # type: ignore[arg-type]


def range_tap_rows(
    db: Database,
    first: date,
    last: date,
    rules: RuleSettings,
    child_ids: set[int] | None = None,
    index: TapIndex | None = None,
) -> dict[tuple[int, date], list[RangeTap]]:
    """The taps of local days `first`..`last` by (child, day), as `day_taps` attributes them
    (one query per 500 cards, attribution in Python), only those of `child_ids` if given.
    Taps of cards assigned to nobody are left out: they belong to no child's day. `index`:
    the cards and modes, if the caller loaded them for several ranges."""
    bounds = [local_day_bounds(first + timedelta(days=n), first + timedelta(days=n), rules.tz)[0]
              for n in range((last - first).days + 2)]  # fmt: skip
    days = [first + timedelta(days=n) for n in range(len(bounds) - 1)]
    index = index or TapIndex.load(db, child_ids)
    if child_ids is None:
        uids = list(index.cards)
    else:
        uids = list(dict.fromkeys(uid for child_id in child_ids for uid in index.uids.get(child_id, ())))
    found: dict[tuple[int, date], list[RangeTap]] = defaultdict(list)
    instant = cards.TAP_INSTANT
    cards_of, modes = index.cards, index.modes
    for chunk in range(0, len(uids), 500):
        rows = db.execute(
            f"""SELECT t.reader_id, t.seq, t.uid, t.at, t.time_quality, {instant}
                FROM taps t WHERE t.uid IN ({",".join("?" * len(uids[chunk : chunk + 500]))})
                AND {instant} >= ? AND {instant} < ?""",
            [*uids[chunk : chunk + 500], bounds[0], bounds[-1]],
        )
        for reader_id, seq, uid, at, quality, moment in rows:
            day: date | None = None
            for valid_from, revoked_at, child_id, number, holder in cards_of[uid]:
                if valid_from > moment or (revoked_at is not None and revoked_at <= moment):
                    continue
                if child_ids is not None and child_id not in child_ids:
                    continue
                if day is None:
                    day = days[bisect_right(bounds, moment) - 1]
                    history = modes.get(reader_id)
                    position = bisect_right(history[0], moment) if history else 0
                    mode = history[1][position - 1] if history and position else None
                    when = from_db(at) if at and quality != "unknown" else None
                found[child_id, day].append((when, reader_id, seq, mode, quality, uid, number, holder))
    return found


def range_taps(
    db: Database, first: date, last: date, rules: RuleSettings, child_ids: set[int] | None = None
) -> dict[tuple[int, date], list[Tap]]:
    """`day_taps` for every day `first`..`last` at once, by (child, day) (`range_tap_rows`)."""
    return {
        (child_id, day): [range_tap(child_id, row) for row in rows]
        for (child_id, day), rows in range_tap_rows(db, first, last, rules, child_ids).items()
    }


def range_corrections(
    db: Database, first: date, last: date, child_ids: set[int] | None = None
) -> dict[tuple[int, date], list[Correction]]:
    """The corrections of days `first`..`last` by (child, day), as `corrections_for` gives them."""
    found: dict[tuple[int, date], list[Correction]] = defaultdict(list)
    columns = [column.name for column in db["corrections"].columns]
    where, params = "day >= ? AND day <= ?", [first.isoformat(), last.isoformat()]
    found_rows = _rows_for_children(db, "SELECT * FROM corrections", where, params, child_ids)
    rows = [dict(zip(columns, row, strict=True)) for row in found_rows]
    for row in sorted(rows, key=lambda row: row["id"]):
        correction = corrections.to_rule(row)
        found[correction.child_id, correction.day].append(correction)
    return found


def _rows_for_children(
    db: Database, select: str, where: str, params: list[Any], child_ids: set[int] | None
) -> list[tuple[Any, ...]]:
    """The rows of `select` WHERE `where` on a table with a `child_id`, only those of
    `child_ids` if given (500 ids a query), in no particular order."""
    if child_ids is None:
        return db.execute(f"{select} WHERE {where}", params).fetchall()
    ids = sorted(child_ids)
    found: list[tuple[Any, ...]] = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        marks = ",".join("?" * len(part))
        found += db.execute(f"{select} WHERE {where} AND child_id IN ({marks})", [*params, *part])
    return found


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

    tests/test_fee_days.py checks that the summary of these equals the summary of
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


def presence_now(db: Database, settings: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    """Who is in the building now, per group: the evacuation list's basis.

    Each group also says how many of its children attend today (`attending`), how many of
    them are in (`count`) and how many came and have already gone (`left`)."""
    moment = now or utc_now()
    today = moment.astimezone(settings.tz).date()
    days = compute_days(db, settings, today, now=moment)
    present: dict[int, Presence] = {
        entry.child_id: entry for entry in presence_at([d.result for d in days], moment)
    }
    groups: dict[int, dict[str, Any]] = {}
    for child_day in days:
        child = child_day.child
        group = groups.setdefault(
            child["group_id"],
            {
                "group_id": child["group_id"],
                "group": child["group_name"],
                "children": [],
                "attending": 0,
                "left": 0,
            },
        )
        group["attending"] += 1
        entry = present.get(child["id"])
        if entry is None and child_day.result.status == "present":
            group["left"] += 1
        elif entry is not None:
            group["children"].append(
                {
                    "child_id": child["id"],
                    "name": f"{child['first_name']} {child['last_name']}",
                    "since": entry.since,
                    "certain": entry.certain,
                    "why": entry.why,
                    "brought_by": entry.brought_by,
                }
            )
    for group in groups.values():
        group["count"] = len(group["children"])
    return sorted(groups.values(), key=lambda group: group["group"])


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
    return items


def day_as_dict(child_day: ChildDay, tz: ZoneInfo) -> dict[str, Any]:
    """A child's day for JSON: local clock times beside the stored instants."""
    result = child_day.result

    def event(item: Event | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {
            "at": to_db(item.at),
            "clock": item.at.astimezone(tz).strftime("%H:%M"),
            "source": item.source,
            "tap": str(item.tap) if item.tap else None,
            "card_number": item.card_number,
            "card_holder": item.card_holder,
            "correction": item.added_by or item.moved_by,
        }

    flags = result.flags
    return {
        "child_id": child_day.child["id"],
        "name": f"{child_day.child['first_name']} {child_day.child['last_name']}",
        "group": child_day.child["group_name"],
        "day": result.day.isoformat(),
        "status": result.status,
        "day_off": result.day_off,
        "minutes": result.minutes,
        "visits": [{"arrival": event(v.arrival), "departure": event(v.departure)} for v in result.visits],
        "flags": {
            "missing_departure": len(flags.missing_departure),
            "missing_arrival": len(flags.missing_arrival),
            "unconfirmed_taps": [str(tap.id) for tap in flags.unconfirmed_taps],
            "closed_day_taps": [str(tap) for tap in flags.closed_day_taps],
            "outside_hours_taps": [str(tap) for tap in flags.outside_hours_taps],
            "redundant_taps": [str(tap) for tap in flags.redundant_taps],
            "rejected_corrections": [o.correction_id for o in flags.rejected_corrections],
        },
        "taps": [{"tap": str(o.tap), "outcome": o.outcome} for o in result.tap_outcomes],
        "corrections": [
            {"id": o.correction_id, "state": o.state, "detail": o.detail} for o in result.correction_outcomes
        ],
    }


def inconsistency_as_dict(item: Inconsistency) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "child_id": item.child_id,
        "day": item.day.isoformat(),
        "detail": item.detail,
        "taps": [str(tap) for tap in item.taps],
        "correction_id": item.correction_id,
        "card_uid": item.card_uid,
    }
