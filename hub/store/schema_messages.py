"""The tables of messages (wiadomości) as the migrations built them: the messages, who each
was sent to and when each recipient first opened it, their attachments, and the school years
whose messages the administrator closed.

A message is never changed once sent and never removed before its school year is closed
(procedure 000 §3.6): the store has no function that would. Recipients are the accounts
the audience stood for at the moment of sending, so a later change of groups does not
change who got a message. Attachments' contents live outside the database, as files named
by their SHA-256 (`hub.store.message_files`).

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m018_messages(db: Database) -> None:
    """Messages, their recipients (with the read receipt), attachments and closed school years."""
    db.table("messages").create(
        {
            "id": int,
            "sender_id": int,  # users.id of the writer; NULL for a system message
            "subject": str,  # the subject line as written, trimmed
            "body": str,  # the text as written (plain text, shown escaped)
            "sent_at": str,  # the instant it was sent (UTC, hub.timefmt)
            "thread_id": int,  # messages.id of the thread's first message (its own id for a first message)
            "in_reply_to": int,  # messages.id this one answers; NULL for a first message
            "kind": str,  # 'personal' (written by a person) or 'system' (sent by the hub)
            "school_year": str,  # '2025/2026': the school year of its local sending day (1 September on)
        },
        pk="id",
        not_null={"subject", "body", "sent_at", "thread_id", "kind", "school_year"},
        foreign_keys=[("sender_id", "users", "id")],
    )
    db.table("messages").create_index(["thread_id", "sent_at"])
    db.table("messages").create_index(["sender_id", "sent_at"])
    db.table("messages").create_index(["school_year"])
    db.table("message_recipients").create(
        {
            "message_id": int,  # messages.id
            "account_id": int,  # users.id of the recipient, fixed at sending time
            "addressed_kind": str,  # how the writer addressed them: an audience kind (hub.rules.messaging)
            "addressed_name": str,  # the audience's name then: a group's or a person's; '' for whole roles
            "read_at": str,  # first opening by this recipient (UTC); NULL until then, never changed after
        },
        pk=("message_id", "account_id"),
        not_null={"addressed_kind", "addressed_name"},
        foreign_keys=[("message_id", "messages", "id"), ("account_id", "users", "id")],
    )
    db.table("message_recipients").create_index(["account_id", "message_id"])
    db.table("message_attachments").create(
        {
            "id": int,
            "message_id": int,  # messages.id the file came with
            "name": str,  # the file name as uploaded, made safe (no folders, no control characters)
            "content_type": str,  # what its first bytes show: application/pdf, image/jpeg or image/png
            "size": int,  # bytes
            "sha256": str,  # hex digest: the file's name in the attachments folder
        },
        pk="id",
        not_null={"message_id", "name", "content_type", "size", "sha256"},
        foreign_keys=[("message_id", "messages", "id")],
    )
    db.table("message_attachments").create_index(["message_id"])
    db.table("message_attachments").create_index(["sha256"])
    db.table("message_years").create(
        {
            "school_year": str,  # '2025/2026'
            "closed_at": str,  # when the administrator closed its messages (UTC): read only from then
            "closed_by": str,  # who closed them (login)
            "removed_at": str,  # when the closed messages were removed; NULL while kept
            "removed_by": str,  # who removed them
        },
        pk="school_year",
        not_null={"closed_at", "closed_by"},
    )
