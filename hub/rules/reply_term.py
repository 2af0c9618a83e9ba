"""The 3-working-day reply rule: when a teacher's reply to a parent's message is due.

The procedure (000 §3.5): "Nauczyciel jest zobowiązany w ciągu 3 dni roboczych odpowiedzieć
na wiadomość od rodzica. W przypadku nieobecności nauczyciela termin ulega wydłużeniu
(odpowiada w ciągu 3 dni roboczych od dnia powrotu)." Read here as follows:

- **Working day**: not a Saturday or Sunday, not a Polish public holiday, not one of the
  kindergarten's own closed days (`hub.rules.attendance.is_day_off`).
- **The day of receipt**: the day the message was sent, if it is a working day and the
  message came before the kindergarten's closing hour; otherwise the next working day (a
  message written at 21:00, on a Saturday or on a closed day waits for the next opening).
  The day of receipt itself is not counted (a message may arrive a minute before closing).
- **The term**: the working days after the day of receipt on which the teacher is at work,
  counted 1, 2, 3; the third is the **due day**, and the reply may come until its end.
- **The teacher's absence** (sick leave, leave, training) extends the term: the three days
  are counted again from the teacher's return, the day of return being the first of them
  (the teacher has that whole day with the message waiting). An absence that starts after
  the message came therefore restarts the count too — "od dnia powrotu" — not just pauses it.
- **Overdue**: from the first working day after the due day ("the director's panel shows
  it overdue on the fourth working day"); the days off between still show it as due.

Worked example: a message on Friday 3 April 2026 at 10:00 (Easter Monday follows): Friday
is the day of receipt; Tuesday 7, Wednesday 8 and Thursday 9 April are days 1-3, so the
reply is due on Thursday 9 April and overdue from Friday 10 April. Sent at 18:00 on the
Thursday before (after closing) it would have been received on Friday, and due the same.

Pure: no clock, no database; the closed days and the teacher's absences are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from hub.rules.attendance import is_day_off
from hub.rules.attendance.model import require_aware

TERM_DAYS = 3
"""Working days a teacher has to reply (000 §3.5)."""

TermState = Literal["overdue", "due_today", "upcoming"]


@dataclass(frozen=True)
class WorkingDays:
    """Which days count: weekdays that are neither Polish public holidays nor the
    kindergarten's own closed days."""

    closed_days: frozenset[date] = frozenset()

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and not is_day_off(day, self.closed_days)

    def next_after(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while day not in self:
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class Absence:
    """A teacher away from work, first to last day inclusive."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class ReplyTerm:
    """When a message counts as received, when its reply is due and from when it is overdue."""

    received: date
    due: date
    overdue_from: date

    def state(self, today: date) -> TermState:
        """Where the term stands on `today` (a reply not yet given)."""
        if today >= self.overdue_from:
            return "overdue"
        if today >= self.due:
            return "due_today"
        return "upcoming"


def day_of_receipt(sent: datetime, closing: time, working: WorkingDays, tz: ZoneInfo) -> date:
    """The working day a message counts as received: the day it was sent if that is a
    working day and it came before closing, else the next working day."""
    local = require_aware(sent, "sent").astimezone(tz)
    day = local.date()
    if day in working and local.time() < closing:
        return day
    return working.next_after(day)


def reply_term(
    sent: datetime,
    *,
    closing: time,
    working: WorkingDays,
    absences: Iterable[Absence],
    tz: ZoneInfo,
) -> ReplyTerm:
    """The term of the reply to a message sent at `sent` (an aware instant) to a teacher
    with these absences, counted as the module's docstring says."""
    return term_from(day_of_receipt(sent, closing, working, tz), working=working, absences=absences)


def term_from(received: date, *, working: WorkingDays, absences: Iterable[Absence]) -> ReplyTerm:
    """The term of a message received on `received` (a working day): the same for every
    message a teacher received that day, so a caller may compute it once per day."""
    away = tuple(absences)
    day, counted = received, 0
    while counted < TERM_DAYS:
        day = working.next_after(day)
        counted = 0 if any(absence.covers(day) for absence in away) else counted + 1
    return ReplyTerm(received=received, due=day, overdue_from=working.next_after(day))
