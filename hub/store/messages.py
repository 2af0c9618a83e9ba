"""Messages (wiadomości): storing a sent message with its recipients and attachments, the
read receipt, the inbox, the sent list and a thread; closing and then removing a school year.

The procedure forbids deleting teachers' and parents' messages during the school year and
counts a parent's first opening as delivery (000 §3.1, §3.6). So this module adds a message
and never edits one: the only change a message's rows ever see is a recipient's `read_at`,
set once at their first opening and audited like attendance (`message.read`). The only
removal is `remove_closed_year`, which refuses a school year the administrator has not
closed; a closed year's messages are read only (no reply, no new message into it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.messaging import PERSON, parse_school_year, year_may_close
from hub.rules.school_year import school_year_label, school_year_of
from hub.store import audit, message_files, notifications
from hub.store.db import inserted_id
from hub.timefmt import to_db, utc_now

SYSTEM_ACTOR = "system"
"""The audit log's actor of what the hub does by itself (a system message)."""
SCHOOL_TIMEZONE = ZoneInfo("Europe/Warsaw")
"""Where a system message's school year is told (a Polish school year turns at Polish
midnight); a person's message uses the site's time zone."""


@dataclass(frozen=True)
class Recipient:
    """One account a message goes to, and how the writer addressed it (see the schema)."""

    account_id: int
    addressed_kind: str
    addressed_name: str = ""


@dataclass(frozen=True)
class Attachment:
    """An attachment already kept as a file (`message_files.put`), to be named by a message."""

    name: str
    content_type: str
    size: int
    sha256: str


def add_message(
    db: Database,
    *,
    sender_id: int | None,
    actor: str,
    subject: str,
    body: str,
    recipients: Sequence[Recipient],
    school_year: str,
    kind: str = "personal",
    in_reply_to: int | None = None,
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> int:
    """Store a sent message, its recipients and attachments in one transaction; its id.

    A reply joins the thread of the message it answers. Audited (`message.send`) with the
    recipients' count, not their names (the log is read by more people)."""
    if kind not in ("personal", "system"):
        raise ValueError(f"unknown message kind {kind!r}")
    if not recipients:
        raise Refusal("message.no_recipients", N_("The chosen audience has nobody to receive the message."))
    at = to_db(now or utc_now())
    with db.atomic():
        if is_closed(db, school_year):
            raise _year_closed(school_year)
        thread_id = None
        if in_reply_to is not None:
            answered = get_message(db, in_reply_to)
            if is_closed(db, answered["school_year"]):
                raise _year_closed(answered["school_year"])
            thread_id = answered["thread_id"]
        message_id = inserted_id(
            db.table("messages").insert(
                {
                    "sender_id": sender_id,
                    "subject": subject,
                    "body": body,
                    "sent_at": at,
                    "thread_id": thread_id or 0,
                    "in_reply_to": in_reply_to,
                    "kind": kind,
                    "school_year": school_year,
                }
            )
        )
        if thread_id is None:
            db.execute("UPDATE messages SET thread_id = ? WHERE id = ?", [message_id, message_id])
        seen: set[int] = set()
        rows = []
        for person in recipients:
            if person.account_id not in seen:
                seen.add(person.account_id)
                rows.append(
                    {
                        "message_id": message_id,
                        "account_id": person.account_id,
                        "addressed_kind": person.addressed_kind,
                        "addressed_name": person.addressed_name,
                        "read_at": None,
                    }
                )
        db.table("message_recipients").insert_all(rows)
        db.table("message_attachments").insert_all(
            [
                {"message_id": message_id, "name": file.name, "content_type": file.content_type,
                 "size": file.size, "sha256": file.sha256}
                for file in attachments
            ]
        )  # fmt: skip
        audit.record(
            db, actor=actor, action="message.send", entity="message", entity_id=message_id,
            after={"kind": kind, "subject": subject, "recipients": len(rows), "attachments": len(attachments),
                   "in_reply_to": in_reply_to},
            now=now,
        )  # fmt: skip
    return message_id


def send_system_message(
    db: Database, account_ids: Sequence[int], subject: str, body: str, *, now: datetime | None = None
) -> int | None:
    """Store a message from the hub itself (no writer, so nobody can answer it) to these
    accounts; its id, or None when there is nobody to tell. Inside a caller's transaction it
    joins it (a savepoint), so the system message and its cause are stored together."""
    if not account_ids:
        return None
    moment = now or utc_now()
    recipients = [Recipient(account_id, PERSON) for account_id in account_ids]
    school_year = school_year_label(school_year_of(moment.astimezone(SCHOOL_TIMEZONE).date()))
    with db.atomic():
        message_id = add_message(
            db, sender_id=None, actor=SYSTEM_ACTOR, subject=subject, body=body, recipients=recipients,
            school_year=school_year, kind="system", now=moment,
        )  # fmt: skip
        # told like any new message, to those who chose it (`hub.services.notifications.notify`)
        notifications.queue(db, account_ids, "message", f"/messages/{message_id}", moment)
    return message_id


def get_message(db: Database, message_id: int) -> dict[str, Any]:
    """A message with its writer's name (None for a system message) and whether its year is closed."""
    row = db.execute(
        """SELECT m.*, u.name AS sender_name, u.role AS sender_role, y.closed_at
           FROM messages m LEFT JOIN users u ON u.id = m.sender_id
           LEFT JOIN message_years y ON y.school_year = m.school_year WHERE m.id = ?""",
        [message_id],
    )
    found = _dicts(row)
    if not found:
        raise Refusal("message.unknown", N_("There is no message %(id)s."), id=message_id)
    return found[0]


def recipients_of(db: Database, message_id: int) -> list[dict[str, Any]]:
    """Every recipient of a message with their name, role, addressing and read receipt
    (for its writer; a recipient is shown only their own row, see `receipt`)."""
    return list(
        db.query(
            """SELECT r.account_id, u.name, u.role, r.addressed_kind, r.addressed_name, r.read_at
               FROM message_recipients r JOIN users u ON u.id = r.account_id
               WHERE r.message_id = ? ORDER BY u.name COLLATE polish, r.account_id""",
            [message_id],
        )
    )


def receipt(db: Database, message_id: int, account_id: int) -> dict[str, Any] | None:
    """This account's own recipient row of a message, or None when it is not a recipient."""
    rows = list(
        db["message_recipients"].rows_where("message_id = ? AND account_id = ?", [message_id, account_id])
    )
    return rows[0] if rows else None


def may_see(db: Database, message_id: int, account_id: int) -> bool:
    """Whether the account wrote the message or received it."""
    row = db.execute(
        """SELECT 1 FROM messages WHERE id = ? AND sender_id = ?
           UNION ALL SELECT 1 FROM message_recipients WHERE message_id = ? AND account_id = ? LIMIT 1""",
        [message_id, account_id, message_id, account_id],
    ).fetchone()
    return row is not None


def mark_read(
    db: Database, message_id: int, account_id: int, *, actor: str, now: datetime | None = None
) -> bool:
    """Record the recipient's first opening (once: a later opening changes nothing). True
    when this was the first opening. Audited (`message.read`)."""
    at = to_db(now or utc_now())
    with db.atomic():
        cursor = db.execute(
            "UPDATE message_recipients SET read_at = ? "
            "WHERE message_id = ? AND account_id = ? AND read_at IS NULL",
            [at, message_id, account_id],
        )
        if cursor.rowcount != 1:
            return False
        audit.record(
            db, actor=actor, action="message.read", entity="message", entity_id=message_id,
            after={"account_id": account_id, "read_at": at}, now=now,
        )  # fmt: skip
    return True


def inbox(db: Database, account_id: int, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The messages an account received, newest first, each with its own read receipt."""
    return list(
        db.query(
            """SELECT m.id, m.thread_id, m.subject, m.sent_at, m.kind, m.sender_id, u.name AS sender_name,
                      r.read_at, r.addressed_kind, r.addressed_name,
                      (SELECT count(*) FROM message_attachments a WHERE a.message_id = m.id) AS attachments
               FROM message_recipients r JOIN messages m ON m.id = r.message_id
               LEFT JOIN users u ON u.id = m.sender_id
               WHERE r.account_id = ? ORDER BY m.sent_at DESC, m.id DESC LIMIT ? OFFSET ?""",
            [account_id, limit, offset],
        )
    )


def unread_count(db: Database, account_id: int) -> int:
    row = db.execute(
        "SELECT count(*) FROM message_recipients WHERE account_id = ? AND read_at IS NULL", [account_id]
    ).fetchone()
    return int(row[0])


def sent(db: Database, account_id: int, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The messages an account wrote, newest first, with how many recipients read each."""
    return list(
        db.query(
            """SELECT m.id, m.thread_id, m.subject, m.sent_at,
                      count(r.account_id) AS recipients, count(r.read_at) AS read
               FROM messages m JOIN message_recipients r ON r.message_id = m.id
               WHERE m.sender_id = ? GROUP BY m.id ORDER BY m.sent_at DESC, m.id DESC LIMIT ? OFFSET ?""",
            [account_id, limit, offset],
        )
    )


def thread(db: Database, thread_id: int, account_id: int) -> list[dict[str, Any]]:
    """The messages of a thread this account wrote or received, oldest first."""
    return _dicts(
        db.execute(
            """SELECT m.*, u.name AS sender_name, u.role AS sender_role, y.closed_at
               FROM messages m LEFT JOIN users u ON u.id = m.sender_id
               LEFT JOIN message_years y ON y.school_year = m.school_year
               WHERE m.thread_id = ? AND (m.sender_id = ? OR EXISTS (
                   SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.account_id = ?))
               ORDER BY m.sent_at, m.id""",
            [thread_id, account_id, account_id],
        )
    )


def attachments_of(db: Database, message_id: int) -> list[dict[str, Any]]:
    return list(db["message_attachments"].rows_where("message_id = ?", [message_id], order_by="id"))


def get_attachment(db: Database, attachment_id: int) -> dict[str, Any]:
    rows = list(db["message_attachments"].rows_where("id = ?", [attachment_id]))
    if not rows:
        raise Refusal("message.unknown_attachment", N_("There is no attachment %(id)s."), id=attachment_id)
    return rows[0]


def is_closed(db: Database, school_year: str) -> bool:
    return (
        db.execute("SELECT 1 FROM message_years WHERE school_year = ?", [school_year]).fetchone() is not None
    )


def years(db: Database) -> list[dict[str, Any]]:
    """Each school year that has messages or was closed: its count, and when it was closed or removed."""
    return list(
        db.query(
            """SELECT y.school_year, count(m.id) AS messages,
                      c.closed_at, c.closed_by, c.removed_at, c.removed_by
               FROM (SELECT school_year FROM messages UNION SELECT school_year FROM message_years) y
               LEFT JOIN messages m ON m.school_year = y.school_year
               LEFT JOIN message_years c ON c.school_year = y.school_year
               GROUP BY y.school_year ORDER BY y.school_year"""
        )
    )


def close_year(
    db: Database, school_year: str, *, actor: str, today: date, now: datetime | None = None
) -> int:
    """Close a school year's messages (read only, archived) from the 1 September after it;
    return how many there are. Audited."""
    parse_school_year(school_year)
    if not year_may_close(school_year, today):
        raise Refusal(
            "message.year_not_over",
            N_("The school year %(year)s has not ended: its messages are closed from 1 September."),
            year=school_year,
        )
    with db.atomic():
        if is_closed(db, school_year):
            raise Refusal("message.year_already_closed", N_("The messages of %(year)s are already closed."),
                          year=school_year)  # fmt: skip
        count = db.execute("SELECT count(*) FROM messages WHERE school_year = ?", [school_year]).fetchone()[0]
        db.table("message_years").insert(
            {"school_year": school_year, "closed_at": to_db(now or utc_now()), "closed_by": actor}
        )
        audit.record(
            db, actor=actor, action="message.close_year", entity="message_year", entity_id=school_year,
            after={"messages": count}, now=now,
        )  # fmt: skip
    return int(count)


def remove_closed_year(
    db: Database, school_year: str, *, attachments_dir: Path, actor: str, now: datetime | None = None
) -> int:
    """Remove a closed school year's messages, recipients and attachments (files no other
    message names go too); return how many messages. A year not closed is refused."""
    parse_school_year(school_year)
    with db.atomic():
        closed = db.execute(
            "SELECT removed_at FROM message_years WHERE school_year = ?", [school_year]
        ).fetchone()
        if closed is None:
            raise Refusal(
                "message.year_not_closed",
                N_("The messages of %(year)s are not closed: nothing is removed before the year is closed."),
                year=school_year,
            )
        ids = "SELECT id FROM messages WHERE school_year = ?"
        in_year = f"SELECT DISTINCT sha256 FROM message_attachments WHERE message_id IN ({ids})"
        files = [row[0] for row in db.execute(in_year, [school_year])]
        count = db.execute("SELECT count(*) FROM messages WHERE school_year = ?", [school_year]).fetchone()[0]
        db.execute(f"DELETE FROM message_attachments WHERE message_id IN ({ids})", [school_year])
        db.execute(f"DELETE FROM message_recipients WHERE message_id IN ({ids})", [school_year])
        db.execute("DELETE FROM messages WHERE school_year = ?", [school_year])
        at = to_db(now or utc_now())
        db.execute(
            "UPDATE message_years SET removed_at = ?, removed_by = ? WHERE school_year = ?",
            [at, actor, school_year],
        )
        orphans = [
            sha for sha in files
            if db.execute("SELECT 1 FROM message_attachments WHERE sha256 = ?", [sha]).fetchone() is None
        ]  # fmt: skip
        audit.record(
            db, actor=actor, action="message.remove_year", entity="message_year", entity_id=school_year,
            before={"messages": count}, now=now,
        )  # fmt: skip
    for sha in orphans:
        message_files.discard(attachments_dir, sha)
    return int(count)


def _year_closed(school_year: str) -> Refusal:
    return Refusal(
        "message.year_closed",
        N_("The messages of %(year)s are closed: they are read only."),
        year=school_year,
    )


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
