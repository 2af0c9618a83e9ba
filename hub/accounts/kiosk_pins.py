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
    `kiosk.locked`, `kiosk.busy` (this kiosk's rate limit)."""
    moment = now or utc_now()
    since = to_db(moment - timedelta(minutes=KIOSK_WINDOW_MINUTES))
    failures = db.execute(
        """SELECT count(*) FROM kiosk_attempts
           WHERE kiosk_id = ? AND at >= ? AND outcome IN ('wrong', 'locked')""",
        [kiosk_id, since],
    ).fetchone()[0]
    if failures >= KIOSK_FAILURES:
        _attempt(db, kiosk_id, None, "busy", moment)
        raise Refusal(
            "kiosk.busy",
            N_("Too many wrong PINs at this kiosk. Wait %(minutes)s minutes or ask a teacher."),
            minutes=KIOSK_WINDOW_MINUTES,
        )
    key = _phone_key(phone)
    candidates = [row for row in _pins(db) if key and _phone_key(row["phone"] or "") == key]
    if not candidates:
        passwords.verify(_dummy_hash(), pin)  # the same time as a wrong PIN: phones are not probed
        _attempt(db, kiosk_id, None, "wrong", moment)
        raise Refusal("kiosk.wrong", N_("Wrong phone number or PIN."))
    for row in candidates:
        locked = row["locked_until"] is not None and from_db(row["locked_until"]) > moment
        if passwords.verify(row["pin_hash"], pin) and not locked:
            return _grant(db, kiosk_id, row["guardian_id"], moment)
    for row in candidates:
        locked = row["locked_until"] is not None and from_db(row["locked_until"]) > moment
        if locked:
            _attempt(db, kiosk_id, row["guardian_id"], "locked", moment)
            raise _locked()
    for row in candidates:
        _count_failure(db, kiosk_id, row, moment)
    if any(row["failed_count"] + 1 >= LOCK_AFTER for row in candidates):
        raise _locked()
    raise Refusal("kiosk.wrong", N_("Wrong phone number or PIN."))


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


def _grant(db: Database, kiosk_id: int, guardian_id: int, moment: datetime) -> KioskPass:
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
        _attempt(db, kiosk_id, guardian_id, "ok", moment)
    return _kiosk_pass(db, guardian_id, token)


def _kiosk_pass(db: Database, guardian_id: int, token: str) -> KioskPass:
    guardian = registry.get_guardian(db, guardian_id)
    children = [registry.get_child(db, link["child_id"]) for link in guardian["children"]]
    return KioskPass(guardian, children, token)


def _count_failure(db: Database, kiosk_id: int, row: dict[str, Any], moment: datetime) -> None:
    failed = row["failed_count"] + 1
    change: dict[str, Any] = {"failed_count": failed}
    if failed >= LOCK_AFTER:
        change = {"failed_count": 0, "locked_until": to_db(moment + timedelta(minutes=LOCK_MINUTES))}
    with db.atomic():
        db.table("guardian_pins").update(row["guardian_id"], change)
        _attempt(db, kiosk_id, row["guardian_id"], "wrong", moment)
        if failed >= LOCK_AFTER:
            audit.record(
                db, actor="system", action="guardian.pin_lock", entity="guardian",
                entity_id=row["guardian_id"], after={"locked_until": change["locked_until"]}, now=moment,
            )  # fmt: skip


def _attempt(db: Database, kiosk_id: int, guardian_id: int | None, outcome: str, moment: datetime) -> None:
    with db.atomic():
        db.table("kiosk_attempts").insert(
            {"at": to_db(moment), "kiosk_id": kiosk_id, "guardian_id": guardian_id, "outcome": outcome}
        )
