"""What a reader shows for a new tap, at a cost that does not grow with the child's day.

The answer is defined by the full computation: the child's day as `compute_day` reads it
from everything stored (the tap included), the tap's outcome in it. Recomputing the day for
every tap made a flood from one card quadratic (bench/README.md, `ingest_flood.py`). So the
classifier keeps, per child-day, where the walk of the day's taps stands (the debounce
anchor, in or out) and extends it by each tap stored after all the day's taps it has seen:
with a debounce window, a tap that comes after every earlier one never changes what those
earlier taps were, and its own outcome depends only on that standing.

The walk (and the card rows and names read for it) is only trusted while nothing else
could have changed the day: any commit by another connection (`PRAGMA data_version`), any
write on this connection to the tables in `WATCHED` (temporary triggers delete a marker row
in the connection's temp schema), a rolled-back transaction (the marker row written in it
is gone with it), a tap out of order, a day with corrections, a zero debounce window. Then
the day is computed in full again. tests/services/test_acks.py checks on generated
histories that every ack equals the full computation's.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import DayResult, Tap, TapId, compute_day
from hub.rules.attendance import Settings as RuleSettings
from hub.store import cards, corrections, kiosk, registry, site_settings
from hub.store.taps import TapRow
from hub.timefmt import from_db, local_day_bounds, utc_now

OUTCOME_TO_ACK = {"arrival": "in", "departure": "out"}
FIXED = {"in": "in", "out": "out"}
"""The ack of a tap of a reader in a fixed mode; a toggle reader's depends on the walk."""
MAX_DAYS = 1024
"""Child-days whose walk is kept (least recently used first out): a day's worth of a big
kindergarten; a child-day not kept is computed in full at its next tap."""
MAX_UIDS = 10_000
"""Card UIDs whose rows are kept (a flood of made-up UIDs must not fill the memory)."""
WATCHED = {
    "children": ("INSERT", "UPDATE", "DELETE"),
    "cards": ("INSERT", "UPDATE", "DELETE"),
    "corrections": ("INSERT", "UPDATE", "DELETE"),
    "reader_modes": ("INSERT", "UPDATE", "DELETE"),
    "settings": ("INSERT", "UPDATE", "DELETE"),
    "closed_days": ("INSERT", "UPDATE", "DELETE"),
    "taps": ("UPDATE", "DELETE"),
    "kiosk_records": ("INSERT", "UPDATE", "DELETE"),
}
"""The tables a child's day and name are read from, and the writes to them (on this
connection) that end every walk. New taps are read by rowid instead."""


def ack_of(result: DayResult, tap: TapId, moment: datetime) -> str:
    """`in`, `out` or `unknown` for `tap` in the computed day: a debounced tap shows what the
    tap it merged into showed; a redundant one where the child is at `moment`."""
    outcome = result.outcome_of(tap)
    kind = outcome.outcome if outcome else "unknown"
    if kind == "debounced" and outcome is not None and isinstance(outcome.detail, TapId):
        merged = result.outcome_of(outcome.detail)
        kind = merged.outcome if merged else kind
    if kind == "redundant":
        kind = "arrival" if result.visit_at(moment) else "departure"
    return OUTCOME_TO_ACK.get(kind, "unknown")


@dataclass
class DayWalk:
    """Where the walk of one child's day stands after its last tap (in `tap_order`), as
    `timed_taps_day` walks it: enough to classify a tap that comes after all of them.

    Only for a day without corrections and with a debounce window: then a tap never changes
    what an earlier one was (it cannot close a visit at the very instant of an earlier
    redundant tap), so each ack is final when given.
    """

    start: str
    end: str
    cards: list[tuple[str, str, str | None]]
    """The child's card rows (uid, valid_from, revoked_at): which new taps are the child's."""
    window: timedelta
    last: tuple[datetime, str, int] | None = None
    """The last tap walked, by `tap_order`."""
    anchor_at: datetime | None = None
    """The time of the burst's first tap (the debounce anchor)."""
    inside: str | None = None
    """None before the first counted tap, then "in" or "out": what the anchor and every tap
    of its burst show."""
    acks: dict[TapId, str] = field(default_factory=dict)
    """Acks of stored taps not classified yet (the rest of a batch)."""

    def owns(self, uid: str, instant: str) -> int:
        """How many of the child's cards make a tap of `uid` at `instant` the child's on this
        day (more than one: the full computation must say what the tap is)."""
        if not self.start <= instant < self.end:
            return 0
        return sum(
            uid == card_uid and valid_from <= instant and (revoked_at is None or revoked_at > instant)
            for card_uid, valid_from, revoked_at in self.cards
        )

    def extend(self, tap: Tap) -> bool:
        """Add a tap of this day; False when it is not after every tap seen: the walk cannot
        tell what it changed, the day must be computed in full."""
        if not tap.timed:
            self.acks[tap.id] = "unknown"  # unconfirmed: without corrections it stays so
            return True
        assert tap.at is not None
        key = (tap.at, tap.reader_id, tap.seq)
        if self.last is not None and key <= self.last:
            return False
        self.last = key
        if self.anchor_at is None or tap.at - self.anchor_at >= self.window:
            # A counted tap: an arrival or departure, or a redundant one (an `in` tap while
            # in, an `out` tap while out), which shows where the child is: the same answer.
            self.anchor_at = tap.at
            self.inside = FIXED.get(tap.mode) or ("out" if self.inside == "in" else "in")
        self.acks[tap.id] = self.inside or "unknown"
        return True


class AckClassifier:
    """What a reader shows for a new tap: the child's name and whether it was an arrival.

    Runs inside ingest's transaction, after the tap (and the rest of its batch) is inserted,
    so the day includes the tap. See the module docstring for how it stays cheap.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: sqlite3.Connection | None = None
        self._data_version = -1
        self._generation = 0
        self._watermark = 0
        self._rules: RuleSettings | None = None
        self._modes: dict[str, tuple[list[str], list[str]]] = {}
        """By reader: the starts of its modes (sorted) and the modes."""
        self._walks: OrderedDict[tuple[int, date], DayWalk] = OrderedDict()
        self._walks_by_uid: dict[str, set[tuple[int, date]]] = {}
        """Which walks a card's new taps may extend."""
        self._cards_by_uid: dict[str, list[tuple[str, str | None, int]]] = {}
        self._children: dict[int, dict[str, Any]] = {}

    def __call__(self, db: Database, tap: TapRow) -> tuple[str, str]:
        instant = tap.at or tap.received_at
        changed = self._catch_up(db)
        child_id = self._child_of(db, tap.uid, instant)
        ack: str | None  # None until the walk's or a computed ack is found
        if child_id is None:
            ack, name = "unknown", ""
        else:
            if child_id not in self._children:
                self._children[child_id] = registry.get_child(db, child_id)
            name = registry.short_name(self._children[child_id])
            day = from_db(instant).astimezone(self.settings.tz).date()
            walk = self._walks.get((child_id, day))
            ack = walk.acks.pop(TapId(tap.reader_id, tap.seq), None) if walk else None
            if ack is None:
                ack, changed = self._compute(db, child_id, day, tap), True
            else:
                self._walks.move_to_end((child_id, day))
        if changed:  # (an ack taken in a transaction rolled back is missed, and computed again)
            self._mark(db)
        return ack, name

    def _child_of(self, db: Database, uid: str, instant: str) -> int | None:
        """The child whose card `uid` was valid at `instant`, as `cards.child_for_tap` finds it
        (the card rows of a UID are read once, until anything but new taps changes)."""
        rows = self._cards_by_uid.get(uid)
        if rows is None:
            if len(self._cards_by_uid) >= MAX_UIDS:
                self._cards_by_uid.clear()
            rows = db.execute(
                "SELECT valid_from, revoked_at, child_id FROM cards WHERE uid = ? ORDER BY id", [uid]
            ).fetchall()
            self._cards_by_uid[uid] = rows
        valid = [child for start, end, child in rows if start <= instant and (end is None or end > instant)]
        if len(valid) > 1:  # two cards at once: whichever the cards module picks
            card = cards.child_for_tap(db, uid, instant)
            return card["child_id"] if card else None
        return valid[0] if valid else None

    # -- the full computation --------------------------------------------------------------

    def _compute(self, db: Database, child_id: int, day: date, tap: TapRow) -> str:
        """The ack from the child's whole day; the day's walk starts again from it."""
        assert self._rules is not None
        rules = self._rules
        start, end = local_day_bounds(day, day, rules.tz)
        card_rows = [
            (row["uid"], row["valid_from"], row["revoked_at"])
            for row in db.query(
                "SELECT uid, valid_from, revoked_at FROM cards WHERE child_id = ? ORDER BY id", [child_id]
            )
        ]
        taps = child_day_taps(db, child_id, start, end)
        fixes = corrections.corrections_for(db, day, [child_id])
        result = compute_day(child_id, day, [t for _, t in taps], fixes, now=utc_now(), settings=rules)
        this = TapId(tap.reader_id, tap.seq)
        ack = ack_of(result, this, from_db(tap.at or tap.received_at))
        self._forget((child_id, day))
        if fixes or rules.debounce_s <= 0 or any(kiosk.is_kiosk_reader(t.reader_id) for _, t in taps):
            return ack  # a kiosk record is no card's tap: such a day is computed in full
        walk = DayWalk(start, end, card_rows, timedelta(seconds=rules.debounce_s))
        if not all(walk.extend(item) for _, item in sorted(taps, key=lambda pair: _order(pair[1]))):
            return ack  # a tap given twice (two of the child's cards at once): no walk
        this_rowid = next((rowid for rowid, item in taps if item.id == this), None)
        for rowid, item in taps:
            if this_rowid is None or rowid <= this_rowid:
                walk.acks.pop(item.id, None)  # classified already, or being classified now
        self._walks[(child_id, day)] = walk
        for uid, _, _ in card_rows:
            self._walks_by_uid.setdefault(uid, set()).add((child_id, day))
        while len(self._walks) > MAX_DAYS:
            self._forget(next(iter(self._walks)))
        return ack

    def _forget(self, key: tuple[int, date]) -> None:
        walk = self._walks.pop(key, None)
        for uid, _, _ in walk.cards if walk else ():
            self._walks_by_uid.get(uid, set()).discard(key)

    # -- keeping the walks true --------------------------------------------------------------

    def _catch_up(self, db: Database) -> bool:
        """Forget every walk if anything but new taps may have changed a day since the last
        call; otherwise extend the walks by the taps stored since. True if anything changed."""
        data_version = db.execute("PRAGMA data_version").fetchone()[0]
        if db.conn is not self._conn or data_version != self._data_version or not self._marked(db):
            self._reset(db, data_version)
            return True
        rows = db.execute(
            "SELECT rowid, reader_id, seq, uid, at, received_at, time_quality FROM taps WHERE rowid > ? "
            "ORDER BY rowid",
            [self._watermark],
        ).fetchall()
        if not rows:
            return False
        self._watermark = rows[-1][0]
        new: dict[tuple[int, date], list[Tap | None]] = {}
        for _, reader_id, seq, uid, at, received_at, quality in rows:
            instant = at or received_at
            for key in self._walks_by_uid.get(uid, ()):
                walk = self._walks.get(key)
                owners = walk.owns(uid, instant) if walk else 0
                if owners:
                    tap = self._tap(key[0], reader_id, seq, at, quality, instant) if owners == 1 else None
                    new.setdefault(key, []).append(tap)
        for key, taps in new.items():
            walk = self._walks[key]
            if None in taps or not all(walk.extend(tap) for tap in sorted(taps, key=_order)):  # type: ignore[arg-type]
                self._forget(key)
        return True

    def _tap(
        self, child_id: int, reader_id: str, seq: int, at: str | None, quality: str, instant: str
    ) -> Tap | None:
        """A new tap as `child_day_taps` reads it; None if the rules would refuse it."""
        try:
            return Tap(
                reader_id,
                seq,
                child_id,
                from_db(at) if at and quality != "unknown" else None,
                quality,  # type: ignore[arg-type]
                self._mode(reader_id, instant),  # type: ignore[arg-type]
            )
        except ValueError:
            return None

    def _mode(self, reader_id: str, instant: str) -> str | None:
        """The reader's mode at `instant`, as `day_taps` finds it."""
        starts, modes = self._modes.get(reader_id, ([], []))
        position = bisect_right(starts, instant)
        return modes[position - 1] if position else None

    def _reset(self, db: Database, data_version: int) -> None:
        self._walks.clear()
        self._walks_by_uid.clear()
        self._cards_by_uid.clear()
        self._children.clear()
        self._conn = db.conn
        self._data_version = data_version
        self._rules = site_settings.rules_for(db, self.settings)
        self._modes = {}
        for reader_id, valid_from, mode in db.execute(
            "SELECT reader_id, valid_from, mode FROM reader_modes ORDER BY reader_id, valid_from"
        ):
            starts, modes = self._modes.setdefault(reader_id, ([], []))
            starts.append(valid_from)
            modes.append(mode)
        self._watermark = db.execute("SELECT coalesce(max(rowid), 0) FROM taps").fetchone()[0]
        db.execute("CREATE TEMP TABLE IF NOT EXISTS ack_walks_valid (generation INTEGER NOT NULL)")
        for table, writes in WATCHED.items():
            for write in writes:
                db.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS ack_walks_{table}_{write.lower()} "
                    f"AFTER {write} ON main.{table} BEGIN DELETE FROM ack_walks_valid; END"
                )

    def _marked(self, db: Database) -> bool:
        try:
            rows = db.execute("SELECT generation FROM temp.ack_walks_valid").fetchall()
        except sqlite3.OperationalError:  # created in a transaction that was rolled back
            return False
        return rows == [(self._generation,)]

    def _mark(self, db: Database) -> None:
        """Note in the transaction that the walks are up to date with it: a rollback (or a
        watched write, through the triggers) takes the note away."""
        self._generation += 1
        opened = not db.conn.in_transaction
        db.execute("DELETE FROM temp.ack_walks_valid")
        db.execute("INSERT INTO temp.ack_walks_valid VALUES (?)", [self._generation])
        if opened and db.conn.in_transaction:
            db.conn.commit()  # our own implicit transaction: leave none open


def _order(tap: Tap) -> tuple[Any, ...]:
    """`tap_order` with unknown-time taps first (they are not walked)."""
    return (True, tap.at, tap.reader_id, tap.seq) if tap.timed else (False,)


def child_day_taps(db: Database, child_id: int, start: str, end: str) -> list[tuple[int, Tap]]:
    """`day_taps` for one child, with each tap's rowid: only the taps of the child's cards
    are read (by the `taps_by_uid_and_day` index), with the same attribution; its kiosk
    records with rowid 0 (they are not taps, a walk never starts after them)."""
    instant = cards.TAP_INSTANT
    rows = db.query(
        f"""SELECT t.rowid AS rowid, t.reader_id, t.seq, t.uid, t.at, t.time_quality, k.child_id, k.number,
                   k.holder,
                   (SELECT m.mode FROM reader_modes m
                    WHERE m.reader_id = t.reader_id AND m.valid_from <= {instant}
                    ORDER BY m.valid_from DESC LIMIT 1) AS mode
            FROM taps t
            JOIN cards k ON k.uid = t.uid AND k.valid_from <= {instant}
                 AND (k.revoked_at IS NULL OR k.revoked_at > {instant})
            WHERE t.uid IN (SELECT uid FROM cards WHERE child_id = :child)
              AND {instant} >= :start AND {instant} < :end AND k.child_id = :child""",
        {"child": child_id, "start": start, "end": end},
    )
    return [
        (
            row["rowid"],
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
            ),
        )
        for row in rows
    ] + [(0, tap) for tap in kiosk.taps_between(db, start, end, {child_id})]
