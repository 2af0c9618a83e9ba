"""Logging in: checking the password, counting failures, blocking, the per-address limit,
and the director's login statistics.

Every attempt is kept (when, from which address, for which e-mail, how it ended). After
`lockout_after` wrong passwords in a row from browsers it does not know, an account is
blocked until the administrator issues a one-time password; a browser that logged in to it
before still logs in, and its own wrong passwords lock out only that browser for a while
(`hub.accounts.devices`). An address with `login_rate_limit` failures within
`RATE_WINDOW_MINUTES` is refused without its password being checked. A refusal never says
whether an e-mail address has an account; only someone who knows the password learns that
their account is blocked or has expired. After a login the person is shown when and from
where they last logged in and how many failed attempts there were since, to spot misuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlite_utils import Database

from hub.accounts import accounts, devices, passwords, security_policy, sessions
from hub.accounts.rights import is_expired
from hub.store import audit
from hub.timefmt import to_db, utc_now

REFUSALS = {
    "bad_credentials": "wrong e-mail address or password",
    "rate_limited": "too many failed logins from this address; try again later",
    "blocked": "the account is blocked; the administrator unblocks it with a one-time password",
    "device_locked": "too many wrong passwords on this browser; try again later",
    "expired": "the account has expired",
    "one_time_expired": "the one-time password has expired; ask the administrator for a new one",
}


@cache
def _dummy_hash() -> str:
    """Checked against when the e-mail has no account, so both refusals take the same time.
    Made at the first such login, not at import: an Argon2 hash costs every command's start."""
    return passwords.hash_password("not a password of anyone")


class LoginRefused(Exception):
    """`outcome` is a `REFUSALS` key."""

    def __init__(self, outcome: str) -> None:
        super().__init__(REFUSALS[outcome])
        self.outcome = outcome


@dataclass(frozen=True)
class LoggedIn:
    user: dict[str, Any]
    session: sessions.NewSession
    previous_login_at: str | None
    previous_login_ip: str | None
    failures_since: int
    device_cookie: str
    """The browser's device cookie, now trusted for this account too (`hub.accounts.devices`)."""


def log_in(
    db: Database,
    email: str,
    password: str,
    *,
    ip: str | None,
    today: date,
    user_agent: str | None = None,
    device_cookie: str = "",
    now: datetime | None = None,
) -> LoggedIn:
    """Check the e-mail and password and open a session, or raise `LoginRefused`.

    `device_cookie` is what the browser holds from earlier logins (`hub.accounts.devices`): a browser
    trusted for this account skips the per-address limit and a block caused by wrong
    passwords from unknown browsers, and its own wrong passwords lock out only itself."""
    moment = now or utc_now()
    settings = security_policy.load(db)
    typed = (email or "").strip().lower()[:254]
    row = db.execute("SELECT id FROM users WHERE lower(email) = ?", [typed]).fetchone()
    device = devices.recognise(db, device_cookie, row[0], moment) if row else None
    window_start = moment - timedelta(minutes=security_policy.RATE_WINDOW_MINUTES)
    if device is None and ip and _failures_from(db, ip, window_start) >= settings.login_rate_limit:
        _attempt(db, typed, None, ip, "rate_limited", moment)
        raise LoginRefused("rate_limited")
    if row is None:
        passwords.verify(_dummy_hash(), password)
        _attempt(db, typed, None, ip, "unknown_user", moment)
        raise LoginRefused("bad_credentials")
    user = accounts.get_user(db, row[0])
    if device is not None and device.locked(moment):
        _attempt(db, typed, user["id"], ip, "device_locked", moment)
        raise LoginRefused("device_locked")
    correct = passwords.verify(db.table("users").get(user["id"])["password_hash"], password)
    if user["blocked_at"] and (device is None or user["blocked_by"] != accounts.BLOCKED_BY_FAILURES):
        _attempt(db, typed, user["id"], ip, "blocked", moment)
        raise LoginRefused("blocked" if correct else "bad_credentials")
    if not correct:
        if device is not None:
            devices.count_failure(db, device, settings.lockout_after, moment)
        else:
            _count_failure(db, user, settings.lockout_after, moment)
        _attempt(db, typed, user["id"], ip, "bad_password", moment)
        raise LoginRefused("bad_credentials")
    expires = date.fromisoformat(user["expires_on"]) if user["expires_on"] else None
    for outcome, refused in (
        ("expired", is_expired(expires, today)),
        ("one_time_expired", accounts.one_time_expired(user, moment)),
    ):
        if refused:
            _attempt(db, typed, user["id"], ip, outcome, moment)
            raise LoginRefused(outcome)
    previous = db.execute(
        """SELECT at, ip FROM login_attempts WHERE user_id = ? AND success = 1
           ORDER BY at DESC, id DESC LIMIT 1""",
        [user["id"]],
    ).fetchone()
    failures = db.execute(
        "SELECT count(*) FROM login_attempts WHERE user_id = ? AND success = 0 AND at > ?",
        [user["id"], previous[0] if previous else ""],
    ).fetchone()[0]
    with db.atomic():
        if not user["blocked_at"]:
            db.table("users").update(user["id"], {"failed_count": 0})
        _attempt(db, typed, user["id"], ip, "ok", moment)
        opened = sessions.create(
            db,
            user_id=user["id"],
            ip=ip,
            user_agent=user_agent,
            previous_login_at=previous[0] if previous else None,
            previous_login_ip=previous[1] if previous else None,
            failures_since=failures,
            now=moment,
        )
        trusted = devices.trust(db, user["id"], device_cookie, moment, replaces=device)
    return LoggedIn(
        user,
        opened,
        previous[0] if previous else None,
        previous[1] if previous else None,
        failures,
        trusted,
    )


def _failures_from(db: Database, ip: str, since: datetime) -> int:
    return db.execute(
        """SELECT count(*) FROM login_attempts
           WHERE ip = ? AND success = 0 AND outcome != 'rate_limited' AND at >= ?""",
        [ip, to_db(since)],
    ).fetchone()[0]


def _count_failure(db: Database, user: dict[str, Any], lockout_after: int, moment: datetime) -> None:
    failed = user["failed_count"] + 1
    with db.atomic():
        if failed >= lockout_after:
            blocked = {"blocked_at": to_db(moment), "blocked_by": accounts.BLOCKED_BY_FAILURES}
            db.table("users").update(user["id"], {"failed_count": failed, **blocked})
            audit.record(
                db, actor="system", action="user.block", entity="user", entity_id=user["id"],
                before={"blocked_at": None, "failed_count": user["failed_count"]},
                after={**blocked, "failed_count": failed}, now=moment,
            )  # fmt: skip
        else:
            db.table("users").update(user["id"], {"failed_count": failed})


def _attempt(
    db: Database, email: str, user_id: int | None, ip: str | None, outcome: str, moment: datetime
) -> None:
    with db.atomic():
        db.table("login_attempts").insert(
            {
                "at": to_db(moment),
                "email": email,
                "user_id": user_id,
                "ip": ip,
                "success": int(outcome == "ok"),
                "outcome": outcome,
            }
        )


def statistics(db: Database, first: datetime, last: datetime) -> dict[str, Any]:
    """The director's view of logins between two instants: per account (last login ever,
    logins and failures in the period, blocked), per role, attempts with e-mails that have no
    account, and attempts refused by the per-address limit."""
    start, end = to_db(first), to_db(last)
    users = list(
        db.query(
            """SELECT u.id, u.email, u.name, u.role, u.blocked_at, u.expires_on,
                      (SELECT max(at) FROM login_attempts a WHERE a.user_id = u.id AND a.success = 1)
                        AS last_login_at,
                      (SELECT ip FROM login_attempts a WHERE a.user_id = u.id AND a.success = 1
                        ORDER BY at DESC, id DESC LIMIT 1) AS last_login_ip,
                      (SELECT count(*) FROM login_attempts a WHERE a.user_id = u.id AND a.success = 1
                        AND a.at >= :start AND a.at < :end) AS logins,
                      (SELECT count(*) FROM login_attempts a WHERE a.user_id = u.id AND a.success = 0
                        AND a.at >= :start AND a.at < :end) AS failures
               FROM users u ORDER BY u.role, u.name COLLATE polish, u.id""",
            {"start": start, "end": end},
        )
    )
    roles: dict[str, dict[str, int]] = {}
    for user in users:
        totals = roles.setdefault(user["role"], {"accounts": 0, "logins": 0, "failures": 0, "blocked": 0})
        totals["accounts"] += 1
        totals["logins"] += user["logins"]
        totals["failures"] += user["failures"]
        totals["blocked"] += int(user["blocked_at"] is not None)
    refused = dict(
        db.execute(
            """SELECT outcome, count(*) FROM login_attempts WHERE user_id IS NULL AND at >= ? AND at < ?
               GROUP BY outcome""",
            [start, end],
        ).fetchall()
    )
    return {
        "from": start,
        "to": end,
        "users": users,
        "roles": roles,
        "blocked": [user for user in users if user["blocked_at"]],
        "unknown_failures": refused.get("unknown_user", 0),
        "rate_limited": refused.get("rate_limited", 0),
    }
