"""The tables of announcements and the calendar as the migrations built them.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m021_announcements_and_calendar(db: Database) -> None:
    """Announcements (ogłoszenia) for an audience, shown from one day through another and
    withdrawn early only with a reason (never deleted); calendar events (terminarz) for a
    group or for all, all-day (dates) or timed (UTC instants, with the local days they
    span for a month's query), cancelled only with a reason; and each account's private
    calendar feed: only the SHA-256 of its secret token, revoked rather than deleted."""
    db.table("announcements").create(
        {
            "id": int,
            "title": str,
            "body": str,
            "audience": str,
            "group_id": int,
            "shown_from": str,
            "shown_to": str,
            "author": str,
            "created_at": str,
            "withdrawn_at": str,
            "withdrawn_by": str,
            "withdraw_reason": str,
        },
        pk="id",
        not_null={"title", "body", "audience", "shown_from", "shown_to", "author", "created_at"},
        foreign_keys=[("group_id", "groups", "id")],
    )
    db.table("announcements").create_index(["shown_to", "shown_from"])
    db.table("calendar_events").create(
        {
            "id": int,
            "kind": str,
            "title": str,
            "place": str,
            "group_id": int,
            "all_day": int,
            "start_day": str,
            "end_day": str,
            "starts_at": str,
            "ends_at": str,
            "author": str,
            "created_at": str,
            "cancelled_at": str,
            "cancelled_by": str,
            "cancel_reason": str,
        },
        pk="id",
        not_null={"kind", "title", "all_day", "start_day", "end_day", "author", "created_at"},
        foreign_keys=[("group_id", "groups", "id")],
    )
    db.table("calendar_events").create_index(["start_day", "end_day"])
    db.table("calendar_feeds").create(
        {"token_hash": str, "user_id": int, "created_at": str, "revoked_at": str},
        pk="token_hash",
        not_null={"user_id", "created_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("calendar_feeds").create_index(["user_id"])
