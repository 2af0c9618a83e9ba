"""What children's days are computed from, read from storage.

A day's taps attributed to the child whose card was valid at the time, with the reader's
mode then (`day_taps`, in SQL); and for a range of days, the same attribution done in
Python over cards and modes loaded once (`TapIndex`, `range_tap_rows`, `range_taps`), with
the range's corrections (`range_corrections`). `hub.services.days` feeds them to the rules.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlite_utils import Database

from hub.rules.attendance import (
    Correction,
    Tap,
)
from hub.rules.attendance import (
    Settings as RuleSettings,
)
from hub.store import cards, corrections, kiosk
from hub.timefmt import from_db, local_day_bounds, to_db


def day_taps(db: Database, day: date, rules: RuleSettings) -> list[Tap]:
    """Every tap of the local day, attributed to the child whose card was valid at the time,
    and the day's kiosk records (`hub.store.kiosk`)."""
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
    ] + kiosk.taps_between(db, start, end)


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
            cards[uid].append(tuple(card))
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


RangeTap = tuple[datetime | None, str, int, str | None, str, str | None, str | None, str | None]
"""A stored tap attributed to a child by the range functions: (at, reader_id, seq, mode,
time_quality, uid, card number, card holder), `at` None for an unknown-time tap (a kiosk
record: no uid). The
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
    Taps of cards assigned to nobody are left out: they belong to no child's day. The
    range's kiosk records come with them. `index`: the cards and modes, if the caller
    loaded them for several ranges."""
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
    for tap in kiosk.taps_between(db, bounds[0], bounds[-1], child_ids):
        assert tap.child_id is not None and tap.at is not None
        day = days[bisect_right(bounds, to_db(tap.at)) - 1]
        found[tap.child_id, day].append(
            (tap.at, tap.reader_id, tap.seq, tap.mode, "clock", None, None, tap.card_holder)
        )
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
