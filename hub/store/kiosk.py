"""Arrivals and departures recorded at the kiosk, and how the days read them.

A guardian whose child forgot the card records the arrival or departure at the entrance's
kiosk with a PIN (`hub.accounts.kiosk_pins`). The record enters the attendance rules as a
tap of the child on a reader in a fixed mode (`in` for an arrival, `out` for a departure),
held by the guardian: the rules debounce it, count it and let a teacher move or cancel it
exactly as a card's tap. Its reader id, `kiosk:<account id>`, can never be a real reader's
(a colon is not allowed there: `hub.wire.READER_ID_PATTERN`), so the day, the board and
the inconsistency log can show it as a kiosk record. Every record is an item of the
inconsistency log until a teacher marks it reviewed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any, Literal

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from hub.refusal import N_, Refusal
from hub.rules.attendance import Tap, TapId
from hub.store import audit
from hub.store.db import inserted_id
from hub.timefmt import from_db, to_db, utc_now

Direction = Literal["in", "out"]
READER_PREFIX = "kiosk:"
"""The reader id of a kiosk's records: `kiosk:<the kiosk account's id>`."""


def is_kiosk_reader(reader_id: str) -> bool:
    return reader_id.startswith(READER_PREFIX)


def record(
    db: Database,
    *,
    kiosk_id: int,
    kiosk_login: str,
    guardian_id: int,
    child_id: int,
    direction: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store an arrival (`in`) or departure (`out`) made at a kiosk now; the caller has
    checked that the guardian is the child's (`hub.accounts.kiosk_pins`)."""
    if direction not in ("in", "out"):
        raise Refusal("kiosk.direction", N_("Choose an arrival or a departure."))
    moment = to_db(now or utc_now())
    with db.atomic():
        record_id = inserted_id(
            db.table("kiosk_records").insert(
                {
                    "at": moment,
                    "kiosk_id": kiosk_id,
                    "guardian_id": guardian_id,
                    "child_id": child_id,
                    "direction": direction,
                }
            )
        )
        row = dict(db.table("kiosk_records").get(record_id))
        audit.record(
            db, actor=kiosk_login, action="kiosk.record", entity="child", entity_id=child_id,
            after=row, now=now,
        )  # fmt: skip
    return row


def get_record(db: Database, record_id: int) -> dict[str, Any]:
    try:
        return dict(db.table("kiosk_records").get(record_id))
    except NotFoundError as exc:
        raise Refusal("kiosk.no_record", N_("There is no kiosk record %(id)s."), id=record_id) from exc


def has_record(db: Database, tap: TapId) -> bool:
    """Whether `tap` names a stored kiosk record (`kiosk:<kiosk id>#<record id>`)."""
    row = db.execute("SELECT kiosk_id FROM kiosk_records WHERE id = ?", [tap.seq]).fetchone()
    return row is not None and tap.reader_id == f"{READER_PREFIX}{row[0]}"


def mark_reviewed(db: Database, record_id: int, *, author: str, now: datetime | None = None) -> None:
    """A teacher saw the record in the inconsistency log and agrees with it (or corrected
    the day): it leaves the log. Marking it again changes nothing."""
    if get_record(db, record_id)["reviewed_at"]:
        return
    moment = to_db(now or utc_now())
    with db.atomic():
        db.table("kiosk_records").update(record_id, {"reviewed_at": moment, "reviewed_by": author})
        audit.record(
            db, actor=author, action="kiosk.review", entity="kiosk_record", entity_id=record_id,
            before={"reviewed_at": None}, after={"reviewed_at": moment}, now=now,
        )  # fmt: skip


def records_between(
    db: Database, start: str, end: str, *, child_ids: set[int] | None = None, unreviewed: bool = False
) -> list[dict[str, Any]]:
    """The records made in [start, end) (stored instants), oldest first, with the guardian's
    and the child's names and the group."""
    rows = db.query(
        f"""SELECT r.*, g.name AS guardian, c.first_name, c.last_name, c.group_id
            FROM kiosk_records r JOIN guardians g ON g.id = r.guardian_id
            JOIN children c ON c.id = r.child_id
            WHERE r.at >= ? AND r.at < ? {"AND r.reviewed_at IS NULL" if unreviewed else ""}
            ORDER BY r.at, r.id""",
        [start, end],
    )
    return [row for row in rows if child_ids is None or row["child_id"] in child_ids]


def records_of_child(db: Database, child_id: int) -> list[dict[str, Any]]:
    """The child's kiosk records, oldest first, with the guardian's name."""
    return list(
        db.query(
            """SELECT r.*, g.name AS guardian FROM kiosk_records r JOIN guardians g ON g.id = r.guardian_id
               WHERE r.child_id = ? ORDER BY r.at, r.id""",
            [child_id],
        )
    )


def taps_between(db: Database, start: str, end: str, child_ids: set[int] | None = None) -> list[Tap]:
    """The records of [start, end) as the rules' taps: a reader in the record's direction,
    the guardian as the card's holder."""
    return [
        Tap(
            reader_id=f"{READER_PREFIX}{row['kiosk_id']}",
            seq=row["id"],
            child_id=row["child_id"],
            at=from_db(row["at"]),
            time_quality="clock",
            mode=row["direction"],
            card_holder=row["guardian"],
        )
        for row in records_between(db, start, end, child_ids=child_ids)
    ]


def taps_by_child_day(
    db: Database, start: str, end: str, day_of: Any, child_ids: set[int] | None = None
) -> dict[tuple[int, date], list[Tap]]:
    """`taps_between` filed by (child, local day); `day_of(instant)` gives the day."""
    found: dict[tuple[int, date], list[Tap]] = defaultdict(list)
    for tap in taps_between(db, start, end, child_ids):
        assert tap.child_id is not None and tap.at is not None
        found[tap.child_id, day_of(tap.at)].append(tap)
    return found
