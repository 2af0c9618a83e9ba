"""Guardians' kiosk PINs: setting one, and a kiosk's way from a phone number and a PIN to
the guardian's own children.

At the kiosk a guardian types their phone number (who they are) and their PIN (that it is
them). Only an argon2 hash of the PIN is stored (`hub.accounts.passwords`). Guessing is
bounded twice: `LOCK_AFTER` wrong PINs in a row lock that guardian's PIN for
`LOCK_MINUTES` (the right PIN is refused too, so guessing on cannot find it), and a kiosk
that met `KIOSK_FAILURES` wrong phone numbers or PINs within `KIOSK_WINDOW_MINUTES` stops
taking any until the window has passed. A PIN that was right gives the kiosk a pass (a
random token, only its hash stored) for `PASS_SECONDS`: long enough to pick the child and
the direction, for that guardian's children only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlite_utils import Database

from hub.accounts import passwords
from hub.refusal import N_, Refusal
from hub.store import audit, kiosk, registry
from hub.store.db import inserted_id
from hub.timefmt import from_db, to_db, utc_now

LOCK_AFTER = 5
LOCK_MINUTES = 15
KIOSK_FAILURES = 20
KIOSK_WINDOW_MINUTES = 15
PASS_SECONDS = 120
PIN_PATTERN = re.compile(r"[0-9]{4,8}\Z")
PHONE_DIGITS = 9
"""A phone number is compared by its last nine digits (a Polish number without +48)."""


@dataclass(frozen=True)
class KioskPass:
    """What a right PIN opens: the guardian, their children, and the pass's token."""

    guardian: dict[str, Any]
    children: list[dict[str, Any]]
    token: str


def set_pin(db: Database, guardian_id: int, pin: str, *, author: str, now: datetime | None = None) -> None:
    """Set (or replace) the guardian's PIN; a new PIN also lifts a lock."""
    guardian = registry.get_guardian(db, guardian_id)
    if not _phone_key(guardian["phone"] or ""):
        raise Refusal(
            "kiosk.no_phone",
            N_("A PIN needs the guardian's phone number on record: the kiosk asks for both."),
        )
    if not PIN_PATTERN.match(pin or ""):
        raise Refusal("kiosk.pin_format", N_("A PIN has 4 to 8 digits."))
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise Refusal("kiosk.pin_easy", N_("This PIN is too easy to guess: use mixed digits."))
    moment = to_db(now or utc_now())
    had = db.execute("SELECT 1 FROM guardian_pins WHERE guardian_id = ?", [guardian_id]).fetchone()
    with db.atomic():
        db.table("guardian_pins").insert(
            {
                "guardian_id": guardian_id,
                "pin_hash": passwords.hash_password(pin),
                "set_at": moment,
                "set_by": author,
                "failed_count": 0,
                "locked_until": None,
                "pass_hash": None,
                "pass_expires_at": None,
                "pass_kiosk": None,
            },
            replace=True,
        )
        audit.record(
            db, actor=author, action="guardian.pin", entity="guardian", entity_id=guardian_id,
            before={"pin": "set"} if had else None, after={"pin": "set", "set_at": moment}, now=now,
        )  # fmt: skip


def pin_state(db: Database, guardian_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """When the guardian's PIN was set and whether it is locked now; None without a PIN."""
    row = db.execute(
        "SELECT set_at, set_by, locked_until FROM guardian_pins WHERE guardian_id = ?", [guardian_id]
    ).fetchone()
    if row is None:
        return None
    locked = row[2] is not None and from_db(row[2]) > (now or utc_now())
    return {"set_at": row[0], "set_by": row[1], "locked_until": row[2] if locked else None}


def open_pass(db: Database, *, kiosk_id: int, phone: str, pin: str, now: datetime | None = None) -> KioskPass:
    """The guardian whose phone number and PIN these are, with a pass; else a refusal:
    `kiosk.wrong` (no such phone with a PIN, or a wrong PIN: the kiosk cannot tell which),
    `kiosk.locked`, `kiosk.busy` (this kiosk's rate limit).

    The attempt counts as a wrong one before the PIN is checked (`_charge`), and is taken
    back if the PIN was right: guesses sent at the same time, each checked while the
    others are, all count towards both limits."""
    moment = now or utc_now()
    attempt_id, candidates, some_locked = _charge(db, kiosk_id, _phone_key(phone), moment)
    if not candidates:
        passwords.verify(_dummy_hash(), pin)  # the same time as a wrong PIN: phones are not probed
        raise Refusal("kiosk.wrong", N_("Wrong phone number or PIN."))
    for row in candidates:
        if passwords.verify(row["pin_hash"], pin):
            return _grant(db, kiosk_id, row["guardian_id"], attempt_id, candidates, moment)
    if _lock_spent(db, candidates, moment) or some_locked:
        raise _locked()
    raise Refusal("kiosk.wrong", N_("Wrong phone number or PIN."))


def _charge(
    db: Database, kiosk_id: int, key: str, moment: datetime
) -> tuple[int, list[dict[str, Any]], bool]:
    """In one write transaction: check the kiosk's and the PINs' limits, then record the
    attempt as wrong and count a wrong PIN for every guardian it may be (the unlocked
    ones with this phone). Returns the attempt, those guardians, and whether some other
    guardian with this phone is locked; raises `kiosk.busy` or `kiosk.locked`."""
    since = to_db(moment - timedelta(minutes=KIOSK_WINDOW_MINUTES))
    refusal: Refusal
    with db.atomic():
        failures = db.execute(
            """SELECT count(*) FROM kiosk_attempts
               WHERE kiosk_id = ? AND at >= ? AND outcome IN ('wrong', 'locked')""",
            [kiosk_id, since],
        ).fetchone()[0]
        if failures >= KIOSK_FAILURES:
            _attempt(db, kiosk_id, None, "busy", moment)
            refusal = Refusal(
                "kiosk.busy",
                N_("Too many wrong PINs at this kiosk. Wait %(minutes)s minutes or ask a teacher."),
                minutes=KIOSK_WINDOW_MINUTES,
            )
        else:
            found = [row for row in _pins(db) if key and _phone_key(row["phone"] or "") == key]
            open_ = [row for row in found if not _is_locked(row, moment)]
            if found and not open_:
                _attempt(db, kiosk_id, found[0]["guardian_id"], "locked", moment)
                refusal = _locked()
            else:
                for row in open_:
                    db.execute(
                        "UPDATE guardian_pins SET failed_count = failed_count + 1 WHERE guardian_id = ?",
                        [row["guardian_id"]],
                    )
                guardian_id = open_[0]["guardian_id"] if open_ else None
                attempt_id = _attempt(db, kiosk_id, guardian_id, "wrong", moment)
                return attempt_id, open_, len(open_) < len(found)
    raise refusal


def _is_locked(row: dict[str, Any], moment: datetime) -> bool:
    """Locked, or its wrong tries are spent by guesses still being checked."""
    locked = row["locked_until"] is not None and from_db(row["locked_until"]) > moment
    return locked or row["failed_count"] >= LOCK_AFTER


def _lock_spent(db: Database, candidates: list[dict[str, Any]], moment: datetime) -> bool:
    """After a wrong PIN: lock the PINs whose wrong tries are spent. Whether any of the
    candidates is locked now (by this attempt or one made at the same time)."""
    locked_until = to_db(moment + timedelta(minutes=LOCK_MINUTES))
    any_locked = False
    with db.atomic():
        for row in candidates:
            failed, until = db.execute(
                "SELECT failed_count, locked_until FROM guardian_pins WHERE guardian_id = ?",
                [row["guardian_id"]],
            ).fetchone()
            if failed >= LOCK_AFTER:
                db.table("guardian_pins").update(
                    row["guardian_id"], {"failed_count": 0, "locked_until": locked_until}
                )
                audit.record(
                    db, actor="system", action="guardian.pin_lock", entity="guardian",
                    entity_id=row["guardian_id"], after={"locked_until": locked_until}, now=moment,
                )  # fmt: skip
                any_locked = True
            elif until is not None and from_db(until) > moment:
                any_locked = True
    return any_locked


def use_pass(db: Database, *, kiosk_id: int, token: str, now: datetime | None = None) -> KioskPass:
    """The guardian of a pass this kiosk holds, while it is valid."""
    moment = now or utc_now()
    row = db.execute(
        """SELECT guardian_id, pass_expires_at FROM guardian_pins
           WHERE pass_hash = ? AND pass_kiosk = ?""",
        [_token_hash(token or ""), kiosk_id],
    ).fetchone()
    if row is None or from_db(row[1]) <= moment:
        raise Refusal("kiosk.pass_expired", N_("The time to choose has run out: type the PIN again."))
    return _kiosk_pass(db, row[0], token)


def record(
    db: Database,
    *,
    kiosk_id: int,
    kiosk_login: str,
    token: str,
    child_id: int,
    direction: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the arrival or departure of one of the pass's guardian's children."""
    opened = use_pass(db, kiosk_id=kiosk_id, token=token, now=now)
    if child_id not in {child["id"] for child in opened.children}:
        raise Refusal("kiosk.not_own_child", N_("This child is not among the children of this guardian."))
    return kiosk.record(
        db,
        kiosk_id=kiosk_id,
        kiosk_login=kiosk_login,
        guardian_id=opened.guardian["id"],
        child_id=child_id,
        direction=direction,
        now=now,
    )


def close_pass(db: Database, *, kiosk_id: int, token: str) -> None:
    """The guardian is done: the pass stops working at once."""
    with db.atomic():
        db.execute(
            """UPDATE guardian_pins SET pass_hash = NULL, pass_expires_at = NULL
               WHERE pass_hash = ? AND pass_kiosk = ?""",
            [_token_hash(token or ""), kiosk_id],
        )


@cache
def _dummy_hash() -> str:
    """A hash to verify against when no PIN is there, made once, at the first need."""
    return passwords.hash_password(secrets.token_urlsafe(12))


def _locked() -> Refusal:
    return Refusal(
        "kiosk.locked",
        N_("The PIN is locked after %(count)s wrong tries: wait %(minutes)s minutes or ask a teacher."),
        count=LOCK_AFTER,
        minutes=LOCK_MINUTES,
    )


def _pins(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            """SELECT p.guardian_id, p.pin_hash, p.failed_count, p.locked_until, g.phone
               FROM guardian_pins p JOIN guardians g ON g.id = p.guardian_id ORDER BY p.guardian_id"""
        )
    )


def _phone_key(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isascii() and ch.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _grant(
    db: Database,
    kiosk_id: int,
    guardian_id: int,
    attempt_id: int,
    charged: list[dict[str, Any]],
    moment: datetime,
) -> KioskPass:
    """The PIN was right: the attempt was not a wrong one after all (for the kiosk, for
    this guardian, and for another guardian with the same phone it was counted against)."""
    token = secrets.token_urlsafe(24)
    with db.atomic():
        db.table("guardian_pins").update(
            guardian_id,
            {
                "failed_count": 0,
                "locked_until": None,
                "pass_hash": _token_hash(token),
                "pass_expires_at": to_db(moment + timedelta(seconds=PASS_SECONDS)),
                "pass_kiosk": kiosk_id,
            },
        )
        for row in charged:
            if row["guardian_id"] != guardian_id:
                db.execute(
                    "UPDATE guardian_pins SET failed_count = max(failed_count - 1, 0) WHERE guardian_id = ?",
                    [row["guardian_id"]],
                )
        db.table("kiosk_attempts").update(attempt_id, {"guardian_id": guardian_id, "outcome": "ok"})
    return _kiosk_pass(db, guardian_id, token)


def _kiosk_pass(db: Database, guardian_id: int, token: str) -> KioskPass:
    guardian = registry.get_guardian(db, guardian_id)
    children = [registry.get_child(db, link["child_id"]) for link in guardian["children"]]
    return KioskPass(guardian, children, token)


def _attempt(db: Database, kiosk_id: int, guardian_id: int | None, outcome: str, moment: datetime) -> int:
    with db.atomic():
        table = db.table("kiosk_attempts")
        table.insert(
            {"at": to_db(moment), "kiosk_id": kiosk_id, "guardian_id": guardian_id, "outcome": outcome}
        )
        return inserted_id(table)
