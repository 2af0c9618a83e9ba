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

from hub.refusal import N_, Label, Refusal
from hub.rules.attendance import Correction, CorrectionKind, TapId
from hub.store import audit, kiosk
from hub.store.db import inserted_id, stored_integer
from hub.store.registry import get_child
from hub.timefmt import from_db, to_db, utc_now

REASON = Label(N_("Reason"))


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
    refuse_wrong_shape(kind, reason, at, target_tap, target_correction)
    if target_correction is not None:
        target = get_correction(db, target_correction)
        if target["child_id"] != child_id:
            raise Refusal(
                "correction.other_child",
                N_("Correction %(id)s is about another child."),
                id=target_correction,
            )
    if target_tap and not _tap_exists(db, target_tap):
        raise Refusal("tap.not_found", N_("There is no tap %(tap)s."), tap=str(target_tap))
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
        detail = str(exc).replace("correction new ", "")
        raise Refusal(
            "correction.invalid", N_("This correction is not valid: %(detail)s."), detail=detail
        ) from exc
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


def refuse_wrong_shape(
    kind: str, reason: str, at: datetime | None, target_tap: TapId | None, target_correction: int | None
) -> None:
    """What each kind of correction needs (`rules.attendance.Correction`), as refusals a
    person can act on; the rules check it again."""
    if not reason.strip():
        raise Refusal("field.required", N_("%(field)s: this is required."), field=REASON)
    if target_tap and target_correction is not None:
        raise Refusal(
            "correction.two_targets", N_("A correction targets either a tap or another correction, not both.")
        )
    needs_time = kind in ("add_arrival", "add_departure", "move")
    if needs_time and at is None:
        raise Refusal("correction.needs_time", N_("This correction needs a time."))
    if not needs_time and at is not None:
        raise Refusal("correction.takes_no_time", N_("This correction takes no time; leave it empty."))
    if kind in ("move", "cancel") and not target_tap and target_correction is None:
        raise Refusal(
            "correction.needs_target", N_("This correction needs the tap or the correction it changes.")
        )
    if kind in ("add_arrival", "add_departure") and target_correction is not None:
        raise Refusal(
            "correction.confirms_only_taps",
            N_("An added arrival or departure can only confirm a tap with an unknown time."),
        )
    if kind in ("mark_absent", "mark_present") and (target_tap or target_correction is not None):
        raise Refusal("correction.takes_no_target", N_("A whole-day mark takes no target; leave it empty."))


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
        raise Refusal("correction.day_ahead", N_("A day is corrected once it has begun, not ahead."))


def parse_tap_id(text: str) -> TapId:
    """`wejscie#1842` → the tap's identity, as days and corrections show it."""
    reader_id, _, seq = text.partition("#")
    number = stored_integer(seq)
    if not reader_id or number is None:
        raise Refusal("tap.bad_id", N_("A tap is READER#SEQ, e.g. wejscie#1842, not “%(tap)s”."), tap=text)
    return TapId(reader_id, number)


def revoke_correction(db: Database, correction_id: int, *, author: str, reason: str) -> dict[str, Any]:
    current = get_correction(db, correction_id)
    if current["revoked_at"]:
        raise Refusal("correction.revoked", N_("Correction %(id)s was already revoked."), id=correction_id)
    if not reason.strip() or not author.strip():
        raise Refusal("revocation.incomplete", N_("A revocation needs a reason and who makes it."))
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
        raise Refusal(
            "correction.not_found", N_("There is no correction with id %(id)s."), id=correction_id
        ) from exc


def corrections_for(db: Database, day: date, child_ids: list[int] | None = None) -> list[Correction]:
    """The day's corrections as the rules take them (revoked ones included: they stay visible)."""
    rows = db["corrections"].rows_where("day = ?", [day.isoformat()], order_by="id")
    wanted = set(child_ids) if child_ids is not None else None
    return [to_rule(row) for row in rows if wanted is None or row["child_id"] in wanted]


def of_child(db: Database, child_id: int) -> list[dict[str, Any]]:
    """Every correction of the child's days, revoked ones too, oldest day first."""
    return list(db["corrections"].rows_where("child_id = ?", [child_id], order_by="day, id"))


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
