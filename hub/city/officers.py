"""The gmina officers who read the panel, their sessions and their login attempts, in the
city's PostgreSQL.

Passwords arrive here already hashed: the city package may not import the site's accounts,
so the command line (`city officers add`) and the panel hash and check them with the site's
own `hub.accounts.passwords` (argon2id). A session is kept as the SHA-256 of its token,
so a copy of the database opens none; it ends at logout, when its officer is blocked, or
once unused past its expiry, which each use moves on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.refusal import N_, Refusal

TOUCH_EVERY = timedelta(seconds=30)
"""A session's expiry is moved on at most this often: the idle timeout needs no finer clock."""


@dataclass(frozen=True)
class Officer:
    login: str
    display_name: str
    blocked: bool = False


@dataclass(frozen=True)
class OfficerSession:
    officer: Officer
    token_hash: str
    csrf_token: str


@dataclass(frozen=True)
class NewSession:
    token: str
    """The cookie's value: shown to the browser once, never stored."""
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add(conn: Any, login: str, display_name: str, password_hash: str) -> Officer:
    """A new officer; an existing login is refused (`city.officer_exists`)."""
    login, display_name = login.strip().lower(), display_name.strip()
    if not login or not display_name:
        raise Refusal("city.officer_incomplete", N_("An officer needs a login and a name."))
    row = conn.execute(
        """INSERT INTO officers (login, display_name, password_hash) VALUES (%s, %s, %s)
           ON CONFLICT (login) DO NOTHING RETURNING login""",
        [login, display_name, password_hash],
    ).fetchone()
    if row is None:
        raise Refusal("city.officer_exists", N_("There is already an officer %(login)s."), login=login)
    return Officer(login, display_name)


def block(conn: Any, login: str) -> int:
    """Block an officer and end their sessions at once; how many sessions were open."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE officers SET blocked_at = coalesce(blocked_at, now()) WHERE login = %s RETURNING login",
            [login.strip().lower()],
        ).fetchone()
        if row is None:
            raise Refusal("city.no_officer", N_("There is no officer %(login)s."), login=login)
        return conn.execute("DELETE FROM officer_sessions WHERE login = %s", [row[0]]).rowcount


def listed(conn: Any) -> list[Officer]:
    rows = conn.execute(
        "SELECT login, display_name, blocked_at IS NOT NULL FROM officers ORDER BY login"
    ).fetchall()
    return [Officer(*row) for row in rows]


def password_hash(conn: Any, login: str) -> tuple[Officer, str] | None:
    """The officer of `login` and their stored hash, or None if there is no such officer."""
    row = conn.execute(
        "SELECT login, display_name, blocked_at IS NOT NULL, password_hash FROM officers WHERE login = %s",
        [login.strip().lower()[:254]],
    ).fetchone()
    return (Officer(*row[:3]), row[3]) if row else None


def open_session(conn: Any, login: str, *, idle: timedelta, now: datetime) -> NewSession:
    """A new session for `login`; the sessions that expired unseen are cleared on the way."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute("DELETE FROM officer_sessions WHERE expires_at <= %s", [now])
    conn.execute(
        """INSERT INTO officer_sessions (token_hash, login, created_at, expires_at, csrf_token)
           VALUES (%s, %s, %s, %s, %s)""",
        [token_hash(token), login, now, now + idle, csrf],
    )
    return NewSession(token, csrf)


def session(conn: Any, token: str, *, idle: timedelta, now: datetime) -> OfficerSession | None:
    """The open session of `token` with its officer, its expiry moved on; None if there is
    none, it expired (it is then ended) or its officer is blocked."""
    if not token:
        return None
    hashed = token_hash(token)
    row = conn.execute(
        """SELECT s.expires_at, s.csrf_token, o.login, o.display_name, o.blocked_at IS NOT NULL
           FROM officer_sessions s JOIN officers o USING (login) WHERE s.token_hash = %s""",
        [hashed],
    ).fetchone()
    if row is None:
        return None
    expires_at, csrf, login, name, blocked = row
    if blocked or expires_at <= now:
        end_session(conn, hashed)
        return None
    if expires_at - now <= idle - TOUCH_EVERY:
        conn.execute(
            "UPDATE officer_sessions SET expires_at = %s WHERE token_hash = %s", [now + idle, hashed]
        )
    return OfficerSession(Officer(login, name), hashed, csrf)


def end_session(conn: Any, hashed: str) -> None:
    conn.execute("DELETE FROM officer_sessions WHERE token_hash = %s", [hashed])


def record_attempt(conn: Any, login: str, ip: str | None, *, success: bool, now: datetime) -> None:
    conn.execute(
        "INSERT INTO officer_login_attempts (at, login, ip, success) VALUES (%s, %s, %s, %s)",
        [now, login.strip().lower()[:254], ip, success],
    )


def failures_from(conn: Any, ip: str, since: datetime) -> int:
    """Failed logins from the address since `since` (the per-address limit counts these)."""
    row = conn.execute(
        "SELECT count(*) FROM officer_login_attempts WHERE ip = %s AND NOT success AND at >= %s",
        [ip, since],
    ).fetchone()
    return int(row[0])
