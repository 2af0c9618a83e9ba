"""Each account's private calendar feed: a secret address a phone's calendar subscribes to.

The address holds a random token; the database only its SHA-256 (as for sessions), so a
copy of the database opens no feed, and the token is shown once, when it is made. A new
link revokes the old one; a revoked or unknown token finds nothing. The token is never
written to the audit log or any other log.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.accounts.sessions import token_id
from hub.store import audit
from hub.timefmt import to_db, utc_now

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
"""What `secrets.token_urlsafe(32)` gives: anything else is refused before the database."""


def new_feed(db: Database, user_id: int, *, author: str, now: datetime | None = None) -> str:
    """A new feed token for the account (its earlier one revoked); returned once, kept hashed."""
    token = secrets.token_urlsafe(32)
    moment = to_db(now or utc_now())
    with db.atomic():
        _revoke(db, user_id, moment)
        db.table("calendar_feeds").insert(
            {"token_hash": token_id(token), "user_id": user_id, "created_at": moment}
        )
        audit.record(db, actor=author, action="calendar_feed.new", entity="user", entity_id=user_id, now=now)
    return token


def revoke_feed(db: Database, user_id: int, *, author: str, now: datetime | None = None) -> bool:
    """Revoke the account's feed; False when it had none."""
    with db.atomic():
        revoked = _revoke(db, user_id, to_db(now or utc_now()))
        if revoked:
            audit.record(
                db, actor=author, action="calendar_feed.revoke", entity="user", entity_id=user_id, now=now
            )
    return revoked


def current_feed(db: Database, user_id: int) -> dict[str, Any] | None:
    """The account's working feed (when it was made; never its token), or None."""
    rows = list(
        db["calendar_feeds"].rows_where(
            "user_id = ? AND revoked_at IS NULL", [user_id], select="user_id, created_at"
        )
    )
    return rows[0] if rows else None


def feed_owner(db: Database, token: str) -> int | None:
    """The account whose working feed `token` opens, or None (malformed, unknown or revoked)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    row = db.execute(
        "SELECT user_id FROM calendar_feeds WHERE token_hash = ? AND revoked_at IS NULL", [token_id(token)]
    ).fetchone()
    return row[0] if row else None


def _revoke(db: Database, user_id: int, moment: str) -> bool:
    cursor = db.execute(
        "UPDATE calendar_feeds SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [moment, user_id]
    )
    return cursor.rowcount > 0
