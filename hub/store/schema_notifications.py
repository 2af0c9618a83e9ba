"""The tables of notifications as the migrations built them: each account's choices, its
browsers' Web Push subscriptions, and the outbox the sender drains.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m020_notifications(db: Database) -> None:
    """What each account chose to be told (a row per kind and channel: opted in), the Web Push
    subscriptions of its browsers, and the outbox: one row per notification and way of
    sending it, queued in the transaction that made the news, kept when a mail server or a
    push service is down (attempts, the next try, the last error) and sent by the sender."""
    db.table("notification_choices").create(
        {"user_id": int, "kind": str, "channel": str, "chosen_at": str},
        pk=("user_id", "kind", "channel"),
        not_null={"chosen_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("notification_choices").create_index(["kind", "channel"])
    db.table("push_subscriptions").create(
        {
            "id": int,
            "user_id": int,
            "endpoint": str,
            "p256dh": str,
            "auth": str,
            "created_at": str,
            "last_success_at": str,
            "failures": int,
        },
        pk="id",
        not_null={"user_id", "endpoint", "p256dh", "auth", "created_at", "failures"},
        defaults={"failures": 0},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("push_subscriptions").create_index(["endpoint"], unique=True)
    db.table("push_subscriptions").create_index(["user_id"])
    db.table("notification_outbox").create(
        {
            "id": int,
            "user_id": int,
            "channel": str,
            "subscription_id": int,
            "kind": str,
            "path": str,
            "child_id": int,
            "summary": str,
            "queued_at": str,
            "attempts": int,
            "next_attempt_at": str,
            "sent_at": str,
            "given_up_at": str,
            "last_error": str,
        },
        pk="id",
        not_null={"user_id", "channel", "kind", "path", "queued_at", "attempts", "next_attempt_at"},
        defaults={"attempts": 0},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.execute(
        "CREATE INDEX notification_outbox_due ON notification_outbox(channel, next_attempt_at) "
        "WHERE sent_at IS NULL AND given_up_at IS NULL"
    )
    db.table("notification_outbox").create_index(["child_id", "id"])
