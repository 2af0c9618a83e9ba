"""Storing teachers' corrections of a child's day, and revoking them.

A correction is checked by building the rules' own `Correction` before it is stored, so
anything the rules would refuse (no reason, a move without a target…) is refused here with
the same sentence. Corrections are never deleted: revoking one records who, when and why.

A correction is for a day that has begun (`refuse_days_ahead`): the group-day page offers
no form for days ahead, and the API and the command line refuse them the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from hub.rules.attendance import Correction, CorrectionKind, TapId
from hub.store import audit, kiosk
from hub.store.db import inserted_id, stored_integer
from hub.store.registry import RegistryError, get_child
from hub.timefmt import from_db, to_db, utc_now


def add_correction(
    db: Database,
    *,
    child_id: int,
    day: date,
    kind: str,
    reason: str,
    author: str,
    at: datetime | None = None,
    target_tap: TapId | None = None,
    target_correction: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Store a correction of `child_id`'s `day`; with `today` (the kindergarten's local
    date), a correction of a later day is refused."""
    if today is not None:
        refuse_days_ahead(day, today)
    get_child(db, child_id)
    if target_tap and target_correction is not None:
        raise RegistryError("a correction targets either a tap or another correction, not both")
    if target_correction is not None:
        target = get_correction(db, target_correction)
        if target["child_id"] != child_id:
            raise RegistryError(f"correction {target_correction} is about another child")
    if target_tap and not _tap_exists(db, target_tap):
        raise RegistryError(f"there is no tap {target_tap}")
    now = utc_now()
    try:
        Correction(
            id="new",
            child_id=child_id,
            day=day,
            kind=cast(CorrectionKind, kind),  # checked by Correction itself
            reason=reason,
            author=author,
            created_at=now,
            at=at,
            target=target_tap or (str(target_correction) if target_correction is not None else None),
        )
    except ValueError as exc:
        raise RegistryError(str(exc).replace("correction new ", "")) from exc
    with db.atomic():
        correction_id = inserted_id(
            db.table("corrections").insert(
                {
                    "child_id": child_id,
                    "day": day.isoformat(),
                    "kind": kind,
                    "at": to_db(at) if at else None,
                    "target_reader": target_tap.reader_id if target_tap else None,
                    "target_seq": target_tap.seq if target_tap else None,
                    "target_correction": target_correction,
                    "reason": reason.strip(),
                    "author": author.strip(),
                    "created_at": to_db(now),
                }
            )
        )
        created = get_correction(db, correction_id)
        audit.record(
            db, actor=author, action="correction.create", entity="correction", entity_id=correction_id,
            after=created, now=now,
        )  # fmt: skip
    return created


DAY_AHEAD = "a day is corrected once it has begun, not ahead"


def _tap_exists(db: Database, tap: TapId) -> bool:
    """A reader's stored tap, or a kiosk's record (a tap of the reader `kiosk:<id>`)."""
    if kiosk.is_kiosk_reader(tap.reader_id):
        return kiosk.has_record(db, tap)
    return bool(
        db.execute("SELECT 1 FROM taps WHERE reader_id = ? AND seq = ?", [tap.reader_id, tap.seq]).fetchone()
    )


def refuse_days_ahead(day: date, today: date) -> None:
    """A correction is for a day that has begun: what happens tomorrow is not known yet."""
    if day > today:
        raise RegistryError(DAY_AHEAD)


def parse_tap_id(text: str) -> TapId:
    """`wejscie#1842` → the tap's identity, as days and corrections show it."""
    reader_id, _, seq = text.partition("#")
    number = stored_integer(seq)
    if not reader_id or number is None:
        raise RegistryError(f"a tap is READER#SEQ, e.g. wejscie#1842, got {text!r}")
    return TapId(reader_id, number)


def revoke_correction(db: Database, correction_id: int, *, author: str, reason: str) -> dict[str, Any]:
    current = get_correction(db, correction_id)
    if current["revoked_at"]:
        raise RegistryError(f"correction {correction_id} was already revoked")
    if not reason.strip() or not author.strip():
        raise RegistryError("revoking a correction needs a reason and who does it")
    with db.atomic():
        db.table("corrections").update(
            correction_id,
            {"revoked_at": to_db(utc_now()), "revoked_by": author.strip(), "revoke_reason": reason.strip()},
        )
        after = get_correction(db, correction_id)
        audit.record(
            db, actor=author, action="correction.revoke", entity="correction", entity_id=correction_id,
            before=current, after=after,
        )  # fmt: skip
    return after


def get_correction(db: Database, correction_id: int) -> dict[str, Any]:
    try:
        return dict(db.table("corrections").get(correction_id))
    except NotFoundError as exc:
        raise RegistryError(f"there is no correction {correction_id}") from exc


def corrections_for(db: Database, day: date, child_ids: list[int] | None = None) -> list[Correction]:
    """The day's corrections as the rules take them (revoked ones included: they stay visible)."""
    rows = db["corrections"].rows_where("day = ?", [day.isoformat()], order_by="id")
    wanted = set(child_ids) if child_ids is not None else None
    return [to_rule(row) for row in rows if wanted is None or row["child_id"] in wanted]


def to_rule(row: dict[str, Any]) -> Correction:
    if row["target_reader"] is not None:
        target: TapId | str | None = TapId(row["target_reader"], row["target_seq"])
    elif row["target_correction"] is not None:
        target = str(row["target_correction"])
    else:
        target = None
    return Correction(
        id=str(row["id"]),
        child_id=row["child_id"],
        day=date.fromisoformat(row["day"]),
        kind=row["kind"],
        reason=row["reason"],
        author=row["author"],
        created_at=from_db(row["created_at"]),
        at=from_db(row["at"]) if row["at"] else None,
        target=target,
        revoked_at=from_db(row["revoked_at"]) if row["revoked_at"] else None,
        revoked_by=row["revoked_by"],
        revoke_reason=row["revoke_reason"],
    )
