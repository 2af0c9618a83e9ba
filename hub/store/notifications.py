"""Notifications in storage: each account's choices, its browsers' push subscriptions, and
the outbox (queued, sent, retried with the last error, given up).

A notification is queued in the transaction that made the news (a tap stored, a message
sent), one outbox row per account and way of sending (one per push subscription), so a
rolled-back change queues nothing and a committed one loses nothing when a server is down.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.store.db import inserted_id
from hub.timefmt import to_db

KINDS = ("message", "announcement", "reply_due", "arrival", "departure")
"""What an account may be told about, in the order the settings page lists them."""
CHANNELS = ("email", "push")
ATTENDANCE_KINDS = ("arrival", "departure")
MAX_SUBSCRIPTIONS = 10
"""Browsers per account that get pushes (a phone, a tablet, a computer or two, and spares)."""


def choices(db: Database, user_id: int) -> set[tuple[str, str]]:
    """The (kind, channel) pairs the account opted in to."""
    rows = db.execute("SELECT kind, channel FROM notification_choices WHERE user_id = ?", [user_id])
    return {(kind, channel) for kind, channel in rows}


def set_choices(db: Database, user_id: int, chosen: Iterable[tuple[str, str]], now: datetime) -> None:
    """Replace the account's choices (pairs outside `KINDS` × `CHANNELS` are the caller's error)."""
    wanted = set(chosen)
    with db.atomic():
        kept = choices(db, user_id)
        for kind, channel in kept - wanted:
            db.execute(
                "DELETE FROM notification_choices WHERE user_id = ? AND kind = ? AND channel = ?",
                [user_id, kind, channel],
            )
        db.table("notification_choices").insert_all(
            {"user_id": user_id, "kind": kind, "channel": channel, "chosen_at": to_db(now)}
            for kind, channel in sorted(wanted - kept)
        )


def add_subscription(db: Database, user_id: int, endpoint: str, p256dh: str, auth: str, now: datetime) -> int:
    """Keep a browser's subscription; the same endpoint again (a renewed one, or another
    account logged in on that browser) replaces the old row. An account keeps its newest
    `MAX_SUBSCRIPTIONS`: each is a request the hub makes per notification, so an account
    must not make it post thousands of them."""
    with db.atomic():
        db.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", [endpoint])
        subscription_id = inserted_id(
            db.table("push_subscriptions").insert(
                {
                    "user_id": user_id,
                    "endpoint": endpoint,
                    "p256dh": p256dh,
                    "auth": auth,
                    "created_at": to_db(now),
                    "failures": 0,
                }
            )
        )
        db.execute(
            "DELETE FROM push_subscriptions WHERE user_id = ? AND id NOT IN "
            "(SELECT id FROM push_subscriptions WHERE user_id = ? ORDER BY id DESC LIMIT ?)",
            [user_id, user_id, MAX_SUBSCRIPTIONS],
        )
    return subscription_id


def remove_subscription(db: Database, user_id: int, endpoint: str) -> bool:
    with db.atomic():
        cursor = db.execute(
            "DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?", [user_id, endpoint]
        )
    return cursor.rowcount > 0


def subscriptions_of(db: Database, user_id: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT id, endpoint, created_at, last_success_at, failures FROM push_subscriptions "
            "WHERE user_id = ? ORDER BY id",
            [user_id],
        )
    )


def queue(
    db: Database,
    user_ids: Iterable[int],
    kind: str,
    path: str,
    now: datetime,
    *,
    child_id: int | None = None,
    summary: str = "",
) -> int:
    """Queue `kind` for every account of `user_ids` that opted in to it and is not blocked: a
    row per e-mail choice and per push subscription. Returns how many rows were queued."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    moment = to_db(now)
    common = (kind, path, child_id, summary, moment, moment)
    with db.atomic():
        mail = db.execute(
            "INSERT INTO notification_outbox "
            "(user_id, channel, kind, path, child_id, summary, queued_at, next_attempt_at, attempts) "
            f"SELECT user_id, 'email', ?, ?, ?, ?, ?, ?, 0 FROM notification_choices "
            f"WHERE kind = ? AND channel = 'email' AND user_id IN ({marks}) "
            "AND user_id IN (SELECT id FROM users WHERE blocked_at IS NULL)",
            [*common, kind, *ids],
        ).rowcount
        push = db.execute(
            "INSERT INTO notification_outbox (user_id, channel, subscription_id, kind, path, child_id, "
            "summary, queued_at, next_attempt_at, attempts) "
            "SELECT s.user_id, 'push', s.id, ?, ?, ?, ?, ?, ?, 0 FROM push_subscriptions s "
            "JOIN notification_choices c ON c.user_id = s.user_id AND c.kind = ? AND c.channel = 'push' "
            f"WHERE s.user_id IN ({marks}) AND s.user_id IN (SELECT id FROM users WHERE blocked_at IS NULL) "
            "ORDER BY s.id",
            [*common, kind, *ids],
        ).rowcount
    return mail + push


def told_since(db: Database, kind: str, since: datetime) -> set[int]:
    """The accounts that had `kind` queued at or after `since` (a reminder sent once a day)."""
    rows = db.execute(
        "SELECT DISTINCT user_id FROM notification_outbox WHERE kind = ? AND queued_at >= ?",
        [kind, to_db(since)],
    )
    return {row[0] for row in rows}


def anyone_wants(db: Database, kinds: Iterable[str]) -> bool:
    """Whether any account opted in to one of `kinds` (ingest asks before looking further)."""
    wanted = list(kinds)
    marks = ",".join("?" * len(wanted))
    row = db.execute(f"SELECT 1 FROM notification_choices WHERE kind IN ({marks}) LIMIT 1", wanted).fetchone()
    return row is not None


def guardian_accounts(db: Database, child_id: int) -> list[int]:
    """The accounts of the child's guardians (not blocked)."""
    rows = db.execute(
        "SELECT u.id FROM users u JOIN child_guardians cg ON cg.guardian_id = u.guardian_id "
        "WHERE cg.child_id = ? AND u.blocked_at IS NULL ORDER BY u.id",
        [child_id],
    )
    return [row[0] for row in rows]


def last_attendance_kind(db: Database, child_id: int, since: str) -> str | None:
    """The kind of the child's last arrival or departure notification queued since `since`."""
    row = db.execute(
        "SELECT kind FROM notification_outbox WHERE child_id = ? AND kind IN ('arrival', 'departure') "
        "AND queued_at >= ? ORDER BY id DESC LIMIT 1",
        [child_id, since],
    ).fetchone()
    return row[0] if row else None


def due(db: Database, now: datetime, limit: int, channel: str) -> list[dict[str, Any]]:
    """Notifications to send now by `channel`, oldest first, with the account's address and
    the subscription's keys (None when the subscription is gone)."""
    return list(
        db.query(
            "SELECT o.id, o.user_id, o.channel, o.subscription_id, o.kind, o.path, o.child_id, "
            "o.summary, o.queued_at, o.attempts, u.email, s.endpoint, s.p256dh, s.auth "
            "FROM notification_outbox o JOIN users u ON u.id = o.user_id "
            "LEFT JOIN push_subscriptions s ON s.id = o.subscription_id "
            "WHERE o.sent_at IS NULL AND o.given_up_at IS NULL AND o.next_attempt_at <= ? AND o.channel = ? "
            "ORDER BY o.next_attempt_at, o.id LIMIT ?",
            [to_db(now), channel, limit],
        )
    )


def mark_sent(db: Database, outbox_id: int, now: datetime) -> None:
    with db.atomic():
        db.execute(
            "UPDATE notification_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL "
            "WHERE id = ?",
            [to_db(now), outbox_id],
        )
        db.execute(
            "UPDATE push_subscriptions SET last_success_at = ?, failures = 0 WHERE id = "
            "(SELECT subscription_id FROM notification_outbox WHERE id = ?)",
            [to_db(now), outbox_id],
        )


def mark_failed(db: Database, outbox_id: int, error: str, now: datetime, retry_at: datetime | None) -> None:
    """Record a failed attempt: tried again at `retry_at`, or given up when it is None."""
    with db.atomic():
        db.execute(
            "UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = COALESCE(?, next_attempt_at), given_up_at = ? WHERE id = ?",
            [
                error[:500],
                to_db(retry_at) if retry_at else None,
                None if retry_at else to_db(now),
                outbox_id,
            ],
        )
        db.execute(
            "UPDATE push_subscriptions SET failures = failures + 1 WHERE id = "
            "(SELECT subscription_id FROM notification_outbox WHERE id = ?)",
            [outbox_id],
        )


def drop_subscription(db: Database, subscription_id: int, now: datetime) -> None:
    """The push service says the subscription is gone (404, 410): forget it, and give up
    what waits for it."""
    with db.atomic():
        db.execute(
            "UPDATE notification_outbox SET given_up_at = ?, "
            "last_error = COALESCE(last_error, 'subscription gone') "
            "WHERE subscription_id = ? AND sent_at IS NULL AND given_up_at IS NULL",
            [to_db(now), subscription_id],
        )
        db.execute("DELETE FROM push_subscriptions WHERE id = ?", [subscription_id])


def outbox(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest outbox rows, newest first (the `notifications outbox` command)."""
    return list(
        db.query(
            "SELECT o.id, u.email, o.channel, o.kind, o.path, o.queued_at, o.attempts, "
            "o.next_attempt_at, o.sent_at, o.given_up_at, o.last_error "
            "FROM notification_outbox o JOIN users u ON u.id = o.user_id ORDER BY o.id DESC LIMIT ?",
            [limit],
        )
    )


def purge(db: Database, before: datetime) -> int:
    """Delete rows sent or given up before `before`."""
    with db.atomic():
        return db.execute(
            "DELETE FROM notification_outbox WHERE COALESCE(sent_at, given_up_at) < ?", [to_db(before)]
        ).rowcount
