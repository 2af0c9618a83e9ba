"""The tables of the reply rule (000 §3.5) as the migrations built them: the staff's absences
(which extend a teacher's term) and the parents' messages a teacher marked as needing no reply.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m019_staff_absences(db: Database) -> None:
    """A member of staff's absence (sick leave, leave, training), entered by the director or
    the secretary; ended early or cancelled with a reason, never deleted. And a parent's
    message a teacher marked "nie wymaga odpowiedzi", with the reason, who and when."""
    db.table("staff_absences").create(
        {
            "id": int,
            "account_id": int,  # users.id of the absent person
            "first_day": str,  # local day, YYYY-MM-DD
            "last_day": str,  # local day, YYYY-MM-DD, inclusive; moved earlier when ended early
            "planned_last_day": str,  # the last day as first entered (kept when ended early)
            "kind": str,  # 'sick', 'leave', 'training', 'other'
            "note": str,  # optional, '' when none
            "entered_by": str,  # login of who entered it
            "entered_at": str,  # UTC instant (hub.timefmt)
            "ended_by": str,  # who ended it early; NULL otherwise
            "ended_at": str,
            "end_reason": str,
            "cancelled_by": str,  # who cancelled it (entered by mistake); NULL otherwise
            "cancelled_at": str,
            "cancel_reason": str,
        },
        pk="id",
        not_null={"account_id", "first_day", "last_day", "planned_last_day", "kind", "note", "entered_by",
                  "entered_at"},
        defaults={"note": ""},
        foreign_keys=[("account_id", "users", "id")],
    )  # fmt: skip
    db.table("staff_absences").create_index(["account_id", "first_day"])
    db.table("reply_waivers").create(
        {
            "message_id": int,  # messages.id of the parent's message
            "account_id": int,  # users.id of the teacher who need not reply
            "reason": str,
            "waived_by": str,  # login of who marked it
            "waived_at": str,  # UTC instant
        },
        pk=("message_id", "account_id"),
        not_null={"reason", "waived_by", "waived_at"},
        foreign_keys=[("message_id", "messages", "id"), ("account_id", "users", "id")],
    )
