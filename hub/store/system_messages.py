"""The system messages the hub sends by itself: a card assigned to a child and an absence
recorded by staff (to the child's guardians), a password about to expire (to its owner).

Each is written in the kindergarten's language (Polish, like the reports) from the
catalogues, and stored in the transaction of what it tells about, so neither is kept
without the other. A system message has no writer and cannot be answered.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlite_utils import Database

from hub.i18n import gettext, language
from hub.refusal import N_
from hub.store import message_audiences
from hub.store.messages import send_system_message
from hub.timefmt import REPORT_LANGUAGE, from_db, to_db, utc_now

PASSWORD_WARNING_DAYS = 7
"""A password is announced as about to expire this many days before it must be changed."""


def card_assigned(db: Database, *, child_id: int, child_name: str, number: str | None) -> int | None:
    """Tell a child's guardians a card now stands for their child."""
    with language(REPORT_LANGUAGE):
        subject = gettext(N_("A card was assigned to %(child)s")) % {"child": child_name}
        body = gettext(
            N_("The card %(number)s now records the arrivals and departures of %(child)s. "
               "If you do not have it, tell the kindergarten's secretary.")
        ) % {"child": child_name, "number": number or ""}  # fmt: skip
    return send_system_message(db, message_audiences.guardians_of_child(db, child_id), subject, body)


def absence_recorded(
    db: Database, *, child_id: int, child_name: str, first: date, last: date, reported_by: str
) -> int | None:
    """Tell a child's guardians the staff recorded an absence (not when a guardian reported it)."""
    reporter = db.execute(
        "SELECT role FROM users WHERE lower(email) = lower(?)", [reported_by.strip()]
    ).fetchone()
    if reporter is not None and reporter[0] == "parent":
        return None
    days = first.strftime("%d.%m.%Y") if first == last else f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"
    with language(REPORT_LANGUAGE):
        subject = gettext(N_("An absence of %(child)s was recorded")) % {"child": child_name}
        body = gettext(
            N_("The kindergarten recorded %(child)s as absent: %(days)s. If this is a mistake, "
               "answer the child's teacher or tell the secretary.")
        ) % {"child": child_name, "days": days}  # fmt: skip
    return send_system_message(db, message_audiences.guardians_of_child(db, child_id), subject, body)


def password_reminders(
    db: Database, change_days: int, *, now: datetime | None = None, account_id: int | None = None
) -> list[int]:
    """Remind each account (or only `account_id`) whose password must be changed within
    `PASSWORD_WARNING_DAYS` (the policy's `change_days`; 0: never), once per password; the
    accounts reminded."""
    if change_days <= 0:
        return []
    moment = now or utc_now()
    threshold = to_db(moment - timedelta(days=max(change_days - PASSWORD_WARNING_DAYS, 0)))
    with language(REPORT_LANGUAGE):
        subject = gettext(N_("Your password expires soon"))
    due = db.execute(
        """SELECT u.id, u.password_set_at FROM users u
           WHERE u.must_change = 0 AND u.blocked_at IS NULL AND u.role NOT IN ('kiosk')
             AND u.password_set_at <= ? AND (? IS NULL OR u.id = ?)
             AND NOT EXISTS (SELECT 1 FROM message_recipients r JOIN messages m ON m.id = r.message_id
                             WHERE r.account_id = u.id AND m.kind = 'system' AND m.subject = ?
                               AND m.sent_at >= u.password_set_at)""",
        [threshold, account_id, account_id, subject],
    ).fetchall()
    reminded = []
    for account_id, set_at in due:
        expires = (from_db(set_at) + timedelta(days=change_days)).date()
        with language(REPORT_LANGUAGE):
            body = gettext(
                N_("Your password must be changed by %(day)s. Change it on your account page "
                   "before then; afterwards you will be asked to at your next login.")
            ) % {"day": f"{expires:%d.%m.%Y}"}  # fmt: skip
        send_system_message(db, [account_id], subject, body, now=moment)
        reminded.append(account_id)
    return reminded
