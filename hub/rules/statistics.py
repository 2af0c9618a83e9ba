"""Attendance statistics (frekwencja): days present and absent, days off, the average stay and
the attendance rate of a child, a group or the whole kindergarten, for a month or a school
year (1 September – 31 August).

Counted from the days the attendance rules compute (`hub.rules.attendance.compute_day`,
fed by `hub.services.days`), never from the taps again: a day's status, its day off and its
visits are read as the journal shows them, so the statistics always agree with the monthly
grid and the stay report. Each day given is one child's day on which the child was enrolled
(between its first and last day in the register); the service gives no other.

What is counted, per child
--------------------------
- **Open days** (`open_days`): the child's enrolled working days — not a weekend, a Polish
  public holiday or one of the kindergarten's own closed days — whose status is settled:
  present or absent. A child enrolled on the 15th counts its days from the 15th.
- **Present** (`present`): open days with a visit, or marked present by a teacher.
- **Absent, reported ahead** (`absent_reported`): open days absent, for which a guardian or
  the secretary had reported the absence (not withdrawn).
- **Absent, not reported** (`absent_unreported`): the other absent open days.
  So present + absent reported + absent not reported = open days, always.
- **To resolve** (`pending`): enrolled working days with no status yet — the day is not over
  (before closing time), or only taps without a time wait for a teacher. Neither present
  nor absent, and not among the open days until a teacher resolves them.
- **Days off** (`days_off`): Monday–Friday days the kindergarten was closed (public holidays
  and its own closed days) while the child was enrolled. Never an absence. Weekends are
  not counted at all (nor a holiday on a Saturday, such as 1 November 2025); a stay
  recorded on a day off (flagged for the teacher) is not counted as a presence either.
- **Average stay** (`average_stay`): the minutes of stay of the present days whose every
  visit has an arrival and a departure (`stay_days`), divided by their number, rounded half
  up to a whole minute. A present day with a missing departure, or marked present without
  times, counts as present but not in the average.
- **Attendance rate** (`rate`): present ÷ open days × 100, in percent, rounded half up to
  one decimal; none when there are no open days.

A group's or the kindergarten's figures are the sums of its children's (child-days): its
rate is all present days ÷ all open days, its average stay all minutes ÷ all measured days
— a child who came twice weighs less than one who came every day.

Worked example (tests/attendance/test_statistics.py): a child enrolled on Monday 15
September 2025, in September: 12 working days from the 15th to the 30th, of which a closed
day (Friday the 26th) is a day off: 11 open days. Present 9 days, absent 2 days reported
ahead: the rate is 9 ÷ 11 = 81.8 %. Two stays of 7:30–15:45 and 8:00–16:00 (495 and 480
minutes) average 487.5 minutes, rounded half up to 488: "8 h 08 min".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from hub.rules.attendance import DayResult, DayStatus, day_off_reason

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CountedDay:
    """What the statistics need of one child's enrolled day."""

    child_id: int
    day: date
    day_off: str | None
    """Why the kindergarten was closed (`day_off_reason`), or None on a working day."""
    status: DayStatus
    stay_minutes: int | None
    """The day's minutes of stay when every visit has both ends, else None."""
    reported_absent: bool = False
    """An absence was reported ahead for the day (and not withdrawn)."""


def counted_day(result: DayResult, reported_absent: bool) -> CountedDay:
    """A computed day as the statistics count it."""
    complete = bool(result.visits) and all(visit.minutes is not None for visit in result.visits)
    return CountedDay(
        result.child_id,
        result.day,
        result.day_off,
        result.status,
        result.minutes if complete else None,
        reported_absent,
    )


@dataclass(frozen=True)
class Tally:
    """The counts of some child-days; tallies add up (a group is the sum of its children)."""

    open_days: int = 0
    present: int = 0
    absent_reported: int = 0
    absent_unreported: int = 0
    pending: int = 0
    days_off: int = 0
    stay_days: int = 0
    stay_minutes: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(_counts(self), _counts(other), strict=True)))

    @property
    def absent(self) -> int:
        return self.absent_reported + self.absent_unreported

    @property
    def rate(self) -> Decimal | None:
        """Present ÷ open days, in percent to one decimal (half up); None with no open days."""
        if not self.open_days:
            return None
        return (Decimal(100 * self.present) / self.open_days).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def average_stay(self) -> int | None:
        """Minutes of an average measured present day (half up); None with none measured."""
        if not self.stay_days:
            return None
        return int((Decimal(self.stay_minutes) / self.stay_days).quantize(Decimal(1), ROUND_HALF_UP))


def _counts(tally: Tally) -> tuple[int, ...]:
    return (
        tally.open_days,
        tally.present,
        tally.absent_reported,
        tally.absent_unreported,
        tally.pending,
        tally.days_off,
        tally.stay_days,
        tally.stay_minutes,
    )


OPEN, PRESENT, REPORTED, UNREPORTED, PENDING, DAYS_OFF, STAY_DAYS, STAY_MINUTES = range(8)
"""The places of `Tally`'s counts, in the order of its fields."""


def _count(counts: list[int], day: CountedDay) -> None:
    """Add one enrolled day to `counts` (the module's docstring says what counts). Counted in
    a list, not by adding tallies: a school year of a kindergarten is 50,000 days."""
    if day.day_off is not None:
        if day.day.weekday() < 5:
            counts[DAYS_OFF] += 1
    elif day.status == "present":
        counts[OPEN] += 1
        counts[PRESENT] += 1
        if day.stay_minutes is not None:
            counts[STAY_DAYS] += 1
            counts[STAY_MINUTES] += day.stay_minutes
    elif day.status == "absent":
        counts[OPEN] += 1
        counts[REPORTED if day.reported_absent else UNREPORTED] += 1
    else:
        counts[PENDING] += 1


def tally(days: Iterable[CountedDay]) -> Tally:
    counts = [0] * 8
    for day in days:
        _count(counts, day)
    return Tally(*counts)


def tally_by(days: Iterable[CountedDay], key: Callable[[CountedDay], K]) -> dict[K, Tally]:
    """The days' tallies by `key`: `tally_by(days, lambda d: d.child_id)` per child,
    `lambda d: (d.day.year, d.day.month)` per month."""
    found: dict[K, list[int]] = {}
    for day in days:
        name = key(day)
        if name not in found:
            found[name] = [0] * 8
        _count(found[name], day)
    return {name: Tally(*counts) for name, counts in found.items()}


def open_days_between(first: date, last: date, closed_days: Iterable[date] = ()) -> int:
    """The kindergarten's working days `first`..`last` (the figure above a group's table)."""
    closed = frozenset(closed_days)
    return sum(
        1 for n in range((last - first).days + 1) if day_off_reason(first + timedelta(days=n), closed) is None
    )
