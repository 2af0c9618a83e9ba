"""The reply rule fed from storage: each owed reply's term (`hub.rules.reply_term`), with the
site's closing hour and closed days and each teacher's absences; the teacher's list of what
is due, and the director's panel per teacher.

Terms are never stored: a sick leave entered today moves the terms of the messages waiting
for that teacher at once, like a late tap moves a child's day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlite_utils import Database

from hub.collation import sort_key
from hub.config import Settings
from hub.rules.reply_term import Absence, ReplyTerm, TermState, WorkingDays, day_of_receipt, term_from
from hub.store import replies, site_settings, staff_absences
from hub.timefmt import from_db

STATE_ORDER: dict[TermState, int] = {"overdue": 0, "due_today": 1, "upcoming": 2}


@dataclass(frozen=True)
class OwedReply:
    """A parent's message waiting for a teacher's reply, with its term and where it stands."""

    message_id: int
    thread_id: int
    subject: str
    sent_at: datetime
    parent_name: str
    account_id: int
    teacher_name: str
    term: ReplyTerm
    state: TermState


@dataclass(frozen=True)
class LateReply:
    """A reply given after its due day."""

    message_id: int
    thread_id: int
    subject: str
    parent_name: str
    account_id: int
    teacher_name: str
    due: date
    answered_on: date


@dataclass
class TeacherPanel:
    """One teacher's row of the director's panel."""

    account_id: int
    name: str
    overdue: list[OwedReply] = field(default_factory=list)
    due_today: list[OwedReply] = field(default_factory=list)
    upcoming: list[OwedReply] = field(default_factory=list)
    late_this_month: list[LateReply] = field(default_factory=list)


class _Terms:
    """The site's working days, closing hour and the teachers' absences, read once."""

    def __init__(self, db: Database, settings: Settings, account_ids: list[int]) -> None:
        self.tz = settings.tz
        self.working = WorkingDays(
            frozenset(date.fromisoformat(r["day"]) for r in site_settings.closed_days(db))
        )
        self.closing = time.fromisoformat(site_settings.get_all(db)["closing"])
        self.absences = {
            account: tuple(Absence(first, last) for first, last in ranges)
            for account, ranges in staff_absences.counting_ranges(db, sorted(set(account_ids))).items()
        }

        self._known: dict[tuple[date, int], ReplyTerm] = {}

    def of(self, sent_at: datetime, account_id: int) -> ReplyTerm:
        """The term, computed once per teacher and day of receipt (a panel has many a day)."""
        received = day_of_receipt(sent_at, self.closing, self.working, self.tz)
        key = (received, account_id)
        if key not in self._known:
            self._known[key] = term_from(received, working=self.working, absences=self.absences[account_id])
        return self._known[key]


def owed(db: Database, settings: Settings, today: date, account_id: int | None = None) -> list[OwedReply]:
    """The replies owed now (one teacher's, or everyone's), overdue first, then by due day."""
    rows = replies.waiting(db, account_id)
    terms = _Terms(db, settings, [row["account_id"] for row in rows])
    found = []
    for row in rows:
        sent_at = from_db(row["sent_at"])
        term = terms.of(sent_at, row["account_id"])
        found.append(_owed(row, sent_at, term, term.state(today)))
    return sorted(found, key=lambda item: (STATE_ORDER[item.state], item.term.due, item.sent_at))


def late_replies(db: Database, settings: Settings, first: date, last: date) -> list[LateReply]:
    """Replies first given on local days first..last that came after their due day."""
    tz = settings.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    rows = replies.answered_between(db, start, end)
    terms = _Terms(db, settings, [row["account_id"] for row in rows])
    late = []
    for row in rows:
        due = terms.of(from_db(row["sent_at"]), row["account_id"]).due
        answered_on = from_db(row["answered_at"]).astimezone(tz).date()
        if answered_on > due:
            late.append(
                LateReply(
                    row["message_id"], row["thread_id"], row["subject"], row["parent_name"],
                    row["account_id"], row["teacher_name"], due, answered_on,
                )
            )  # fmt: skip
    return late


def panel(db: Database, settings: Settings, today: date) -> list[TeacherPanel]:
    """Per teacher with anything owed or answered late this month: overdue, due today, due
    later, and the replies that came late this month; the most overdue teachers first."""
    teachers: dict[int, TeacherPanel] = {}
    for item in owed(db, settings, today):
        row = teachers.setdefault(item.account_id, TeacherPanel(item.account_id, item.teacher_name))
        getattr(row, item.state).append(item)
    for late in late_replies(db, settings, today.replace(day=1), today):
        row = teachers.setdefault(late.account_id, TeacherPanel(late.account_id, late.teacher_name))
        row.late_this_month.append(late)
    return sorted(
        teachers.values(),
        key=lambda row: (-len(row.overdue), -len(row.due_today), sort_key(row.name), row.account_id),
    )


def _owed(row: dict[str, Any], sent_at: datetime, term: ReplyTerm, state: TermState) -> OwedReply:
    return OwedReply(
        row["message_id"], row["thread_id"], row["subject"], sent_at, row["parent_name"], row["account_id"],
        row["teacher_name"], term, state,
    )  # fmt: skip
