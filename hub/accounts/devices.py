"""Device cookies: a browser that logged in to an account before is trusted for that account.

Without them, anyone who knows the director's e-mail address blocks her account with a few
wrong passwords, and again right after the administrator unblocks it. With them (OWASP's
"Slow Down Online Guessing Attacks with Device Cookies"), a successful login gives the
browser a device cookie for that account, and a login attempt is judged by where it comes
from:

- from a trusted browser (its cookie is signed with the site's key, names this account and
  is still on record), wrong passwords count for that browser alone: after `lockout_after`
  of them it is refused for `LOCKOUT_MINUTES`, and the account is not touched;
- from an unknown browser, wrong passwords count for the account, which is blocked as the
  procedures require until the administrator issues a one-time password; trusted browsers
  still log in meanwhile.

The cookie holds `<account id>.<nonce>.<signature>` for each account that logged in on the
browser (at most `MAX_ACCOUNTS`, an office computer is shared); the database keeps only a
hash of each nonce, so a copy of it opens nothing, and a forged or another account's cookie
makes the attempt an unknown browser's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from hub.timefmt import from_db, to_db

TRUST_DAYS = 180
"""A browser is trusted this long after its last successful login."""
LOCKOUT_MINUTES = 15
"""How long a trusted browser is refused after `lockout_after` wrong passwords in a row."""
MAX_ACCOUNTS = 5
"""Accounts one browser is trusted for; a further login forgets the oldest."""
SEPARATOR = "~"


@dataclass(frozen=True)
class Device:
    """A trusted browser of one account, as recorded."""

    id: str
    """The SHA-256 of the cookie's nonce."""
    user_id: int
    failures: int
    locked_until: datetime | None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def recognise(db: Database, cookie: str, user_id: int, now: datetime) -> Device | None:
    """The trusted browser the cookie proves for this account, or None (no cookie, a wrong
    signature, another account's token, forgotten or trusted too long ago)."""
    for token in _tokens(cookie):
        nonce = _verified_nonce(db, token, user_id)
        if nonce is None:
            continue
        row = db.execute(
            "SELECT user_id, last_used_at, failures, locked_until FROM trusted_devices WHERE id = ?",
            [_digest(nonce)],
        ).fetchone()
        if row is None or row[0] != user_id or now - from_db(row[1]) > timedelta(days=TRUST_DAYS):
            return None
        return Device(_digest(nonce), user_id, row[2], from_db(row[3]) if row[3] else None)
    return None


def trust(db: Database, user_id: int, cookie: str, now: datetime, *, replaces: Device | None) -> str:
    """Remember the browser for the account after a successful login (a new nonce each time;
    the one it `replaces` and the account's browsers unused for `TRUST_DAYS` are forgotten);
    return the cookie's new value, the browser's other accounts kept."""
    nonce = secrets.token_hex(16)
    stale = to_db(now - timedelta(days=TRUST_DAYS))
    with db.atomic():
        db.execute(
            "DELETE FROM trusted_devices WHERE user_id = ? AND (id = ? OR last_used_at < ?)",
            [user_id, replaces.id if replaces else "", stale],
        )
        db.table("trusted_devices").insert(
            {"id": _digest(nonce), "user_id": user_id, "created_at": to_db(now), "last_used_at": to_db(now)}
        )
    others = [token for token in _tokens(cookie) if not token.startswith(f"{user_id}.")]
    return SEPARATOR.join([_signed(db, user_id, nonce), *others][:MAX_ACCOUNTS])


def count_failure(db: Database, device: Device, lockout_after: int, now: datetime) -> bool:
    """A wrong password typed on a trusted browser; True when it is now locked out."""
    failures = device.failures + 1
    locked = failures >= lockout_after
    with db.atomic():
        db.table("trusted_devices").update(
            device.id,
            {"failures": 0, "locked_until": to_db(now + timedelta(minutes=LOCKOUT_MINUTES))}
            if locked
            else {"failures": failures},
        )
    return locked


def _tokens(cookie: str) -> list[str]:
    return [token for token in (cookie or "").split(SEPARATOR) if token][:MAX_ACCOUNTS]


def _verified_nonce(db: Database, token: str, user_id: int) -> str | None:
    account, _, rest = token.partition(".")
    nonce, _, signature = rest.partition(".")
    if account != str(user_id) or not nonce or not signature:
        return None
    expected = _signed(db, user_id, nonce).rpartition(".")[2]
    return nonce if hmac.compare_digest(expected.encode(), signature.encode()) else None


def _signed(db: Database, user_id: int, nonce: str) -> str:
    (key,) = db.execute("SELECT key FROM signing_keys WHERE name = 'device_cookie'").fetchone()
    signature = hmac.new(bytes.fromhex(key), f"{user_id}.{nonce}".encode(), hashlib.sha256).hexdigest()
    return f"{user_id}.{nonce}.{signature}"


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
