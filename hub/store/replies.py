"""The parents' messages a teacher owes a reply (000 §3.5), read from the messages' tables:
the reply rule's facts (when each was sent, to which teacher) and the teachers' answers.

A parent's message to a teacher — addressed to the teacher, to a group's teachers, or a
parent's reply in a thread that reaches a teacher — waits for that teacher's reply until a
teacher it went to writes in the same thread after it (one answer from a group's teachers
answers it for them all), or the teacher marks it "nie wymaga odpowiedzi" with a reason
(`reply_waivers`, audited). Messages of a closed school year wait for nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Label, Refusal
from hub.store import audit
from hub.timefmt import to_db, utc_now

REASON = Label(N_("Reason"))

_OWED = """
    FROM message_recipients r
    JOIN messages m ON m.id = r.message_id
    JOIN users s ON s.id = m.sender_id AND s.role = 'parent'
    JOIN users t ON t.id = r.account_id AND t.role = 'teacher'
    WHERE m.kind = 'personal'
      AND NOT EXISTS (SELECT 1 FROM message_years y WHERE y.school_year = m.school_year)
"""
"""A parent's message and one teacher it went to: a reply owed, answered or waived."""
_ANSWERS = """
    FROM messages a JOIN message_recipients ar ON ar.message_id = m.id AND ar.account_id = a.sender_id
    JOIN users au ON au.id = a.sender_id AND au.role = 'teacher'
    WHERE a.thread_id = m.thread_id AND a.id > m.id
"""
"""The teachers' messages answering `m`: later in its thread, by a teacher it went to."""
_WAIVED = "EXISTS (SELECT 1 FROM reply_waivers w WHERE w.message_id = m.id AND w.account_id = r.account_id)"


def waiting(db: Database, account_id: int | None = None) -> list[dict[str, Any]]:
    """The replies owed now (not answered, not waived): one teacher's or every teacher's,
    oldest first, with the parent's and the teacher's names."""
    where, params = "", []
    if account_id is not None:
        where, params = "AND r.account_id = ?", [account_id]
    return list(
        db.query(
            f"""SELECT m.id AS message_id, m.thread_id, m.subject, m.sent_at, s.name AS parent_name,
                       r.account_id, t.name AS teacher_name
                {_OWED} {where}
                  AND NOT {_WAIVED} AND NOT EXISTS (SELECT 1 {_ANSWERS})
                ORDER BY m.sent_at, m.id, r.account_id""",
            params,
        )
    )


def answered_between(db: Database, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The owed replies first answered in [start, end): each with its first answer's time
    (to tell whether it came late)."""
    return list(
        db.query(
            f"""SELECT * FROM (
                  SELECT m.id AS message_id, m.thread_id, m.subject, m.sent_at, s.name AS parent_name,
                         r.account_id, t.name AS teacher_name,
                         (SELECT min(a.sent_at) {_ANSWERS}) AS answered_at
                  {_OWED} AND NOT {_WAIVED})
                WHERE answered_at >= ? AND answered_at < ?
                ORDER BY answered_at, message_id""",
            [to_db(start), to_db(end)],
        )
    )


def owes(db: Database, message_id: int, account_id: int) -> bool:
    """Whether this teacher owes a reply to this message now."""
    row = db.execute(
        f"SELECT 1 {_OWED} AND m.id = ? AND r.account_id = ? AND NOT {_WAIVED} "
        f"AND NOT EXISTS (SELECT 1 {_ANSWERS})",
        [message_id, account_id],
    ).fetchone()
    return row is not None


def waive(
    db: Database, message_id: int, account_id: int, *, reason: str, author: str, now: datetime | None = None
) -> None:
    """Mark a parent's message as needing no reply from this teacher, with the reason."""
    clean = reason.strip()
    if not clean:
        raise Refusal("field.required", N_("%(field)s: this is required."), field=REASON)
    at = to_db(now or utc_now())
    with db.atomic():
        if not owes(db, message_id, account_id):
            raise Refusal(
                "reply.not_owed", N_("Message %(id)s is not waiting for your reply."), id=message_id
            )
        db.table("reply_waivers").insert(
            {"message_id": message_id, "account_id": account_id, "reason": clean, "waived_by": author.strip(),
             "waived_at": at}
        )  # fmt: skip
        audit.record(
            db, actor=author, action="reply.waive", entity="message", entity_id=message_id,
            after={"account_id": account_id, "reason": clean}, now=now,
        )  # fmt: skip


def waivers(db: Database, account_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest messages this teacher marked as needing no reply."""
    return list(
        db.query(
            """SELECT w.*, m.subject, m.thread_id, m.sent_at, s.name AS parent_name FROM reply_waivers w
               JOIN messages m ON m.id = w.message_id LEFT JOIN users s ON s.id = m.sender_id
               WHERE w.account_id = ? ORDER BY w.waived_at DESC LIMIT ?""",
            [account_id, limit],
        )
    )
