"""Sessions kept in the database, so logging out, the idle timeout and an administrator's
unblock really end them (a cookie alone could be replayed).

The browser holds a random token; the database only its SHA-256, so a copy of the database
opens no session. Each session has its own CSRF token for the forms and scripts of its pages.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.timefmt import from_db, to_db, utc_now

TOUCH_EVERY = timedelta(seconds=30)
"""`last_seen_at` is written at most this often: the idle timeout needs no finer clock."""


@dataclass(frozen=True)
class NewSession:
    token: str
    """The cookie's value: shown to the browser once, never stored."""
    csrf_token: str


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    db: Database,
    *,
    user_id: int,
    ip: str | None,
    user_agent: str | None,
    previous_login_at: str | None,
    previous_login_ip: str | None,
    failures_since: int,
    now: datetime | None = None,
) -> NewSession:
    """Open a session; the previous login and the failures since are kept for the notice the
    person sees right after logging in."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    moment = to_db(now or utc_now())
    db.table("sessions").insert(
        {
            "id": token_id(token),
            "user_id": user_id,
            "csrf_token": csrf,
            "created_at": moment,
            "last_seen_at": moment,
            "ip": ip,
            "user_agent": (user_agent or "")[:300] or None,
            "previous_login_at": previous_login_at,
            "previous_login_ip": previous_login_ip,
            "failures_since": failures_since,
        }
    )
    return NewSession(token, csrf)


def lookup(
    db: Database, token: str, *, idle_minutes: int, now: datetime | None = None
) -> dict[str, Any] | None:
    """The open session for `token`, its last use moved to now; None if there is none or it
    was idle longer than `idle_minutes` (it is then ended)."""
    if not token:
        return None
    moment = now or utc_now()
    rows = list(db["sessions"].rows_where("id = ? AND ended_at IS NULL", [token_id(token)]))
    if not rows:
        return None
    session = rows[0]
    last_seen = from_db(session["last_seen_at"])
    if moment - last_seen > timedelta(minutes=idle_minutes):
        end(db, session["id"], "idle", now=moment)
        return None
    if moment - last_seen >= TOUCH_EVERY:
        with db.atomic():
            db.table("sessions").update(session["id"], {"last_seen_at": to_db(moment)})
    return session


def is_open(db: Database, session_id: str) -> bool:
    return bool(
        db.execute("SELECT 1 FROM sessions WHERE id = ? AND ended_at IS NULL", [session_id]).fetchone()
    )


def end(db: Database, session_id: str, reason: str, *, now: datetime | None = None) -> None:
    with db.atomic():
        db.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
            [to_db(now or utc_now()), reason, session_id],
        )


def end_all(
    db: Database, user_id: int, reason: str, *, keep: str | None = None, now: datetime | None = None
) -> int:
    """End every open session of an account (unblocked, blocked, a new password), but the
    session `keep`; how many were open."""
    with db.atomic():
        cursor = db.execute(
            """UPDATE sessions SET ended_at = ?, end_reason = ?
               WHERE user_id = ? AND ended_at IS NULL AND id != ?""",
            [to_db(now or utc_now()), reason, user_id, keep or ""],
        )
    return cursor.rowcount
