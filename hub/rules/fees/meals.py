"""Meals: what is charged, what is refunded ("odpisy"), and the kitchen's daily count.

- A child is **expected** on every working day (not a weekend, holiday or closed day) of
  their enrolment, for the meal types they take that are served that day.
- An absence is **reported in time** for a day when received before the cut-off: before
  `cutoff` on that day (`cutoff_days_before=0`, e.g. 08:00), or before `cutoff` on an earlier
  day (`cutoff_days_before=1` with 14:00: "by 14:00 the day before"). Reported later, the
  meal was prepared and is charged; the statement lists such late reports.
- The kitchen cooks for the expected children minus those reported absent in time.
- **in_advance** ("z góry", the default; Gliwice, Katowice practice): month M charges every
  expected day of M, except absences already reported (in time) before M began. Absences
  reported in time during M are refunded in month M+1's statement, at the price of the
  day missed. Over the two months the parent pays exactly for the meals prepared.
- **in_arrears** ("z dołu"): month M charges the expected days of M minus the absences
  reported in time; there are no refunds.
A child who comes in without being expected, or despite an absence report, changes
nothing here: the kitchen's count was already made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from hub.rules.attendance import local_instant, working_days
from hub.rules.attendance.model import ChildId
from hub.rules.fees.money import from_grosz
from hub.rules.fees.settings import AbsenceReport, Child, MealSettings

MealLineKind = Literal["charge", "refund"]


@dataclass(frozen=True)
class MealLine:
    """One meal on one day: charged this month, or refunded for a day of the month before."""

    day: date
    meal: str
    price: Decimal
    kind: MealLineKind

    @property
    def amount(self) -> Decimal:
        """Signed: a charge is positive, a refund negative."""
        return self.price if self.kind == "charge" else -self.price


def cutoff_instant(day: date, meals: MealSettings, tz: ZoneInfo) -> datetime:
    """The moment by which an absence on `day` must be reported to cancel its meals."""
    return local_instant(day - timedelta(days=meals.cutoff_days_before), meals.cutoff, tz)


def reported_in_time(report: AbsenceReport, meals: MealSettings, tz: ZoneInfo) -> bool:
    return report.reported_at < cutoff_instant(report.day, meals, tz)


@dataclass(frozen=True)
class AbsenceIndex:
    """Absence reports by child and day: the earliest in-time report's moment, and the days
    reported only late."""

    in_time: Mapping[ChildId, Mapping[date, datetime]]
    late: Mapping[ChildId, frozenset[date]]


def index_absences(reports: Iterable[AbsenceReport], meals: MealSettings, tz: ZoneInfo) -> AbsenceIndex:
    in_time: dict[ChildId, dict[date, datetime]] = {}
    late: dict[ChildId, set[date]] = {}
    cutoffs: dict[date, datetime] = {}
    for r in reports:
        cut = cutoffs.get(r.day)
        if cut is None:
            cut = cutoffs[r.day] = cutoff_instant(r.day, meals, tz)
        if r.reported_at < cut:
            days = in_time.setdefault(r.child_id, {})
            seen = days.get(r.day)
            if seen is None or r.reported_at < seen:
                days[r.day] = r.reported_at
        else:
            late.setdefault(r.child_id, set()).add(r.day)
    late_only = {c: frozenset(d for d in ds if d not in in_time.get(c, {})) for c, ds in late.items()}
    return AbsenceIndex(in_time, {c: ds for c, ds in late_only.items() if ds})


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


class MealPlan:
    """Prices per working day for one set of meal types, cached: built once per month and
    plan, shared by every child with that plan."""

    def __init__(self, meals: MealSettings, plan: frozenset[str] | None, closed_days: frozenset[date]):
        self.meals = meals
        self.plan = plan
        self.closed_days = closed_days
        self._days: dict[tuple[int, int], list[date]] = {}
        self._prices: dict[date, tuple[tuple[str, int], ...]] = {}
        self._totals: dict[date, int] = {}

    def working_days(self, year: int, month: int) -> list[date]:
        key = (year, month)
        found = self._days.get(key)
        if found is None:
            found = self._days[key] = working_days(year, month, self.closed_days)
        return found

    def prices(self, day: date) -> tuple[tuple[str, int], ...]:
        found = self._prices.get(day)
        if found is None:
            on = self.meals.prices_on(day)
            found = tuple((m, p) for m, p in on.items() if self.plan is None or m in self.plan)
            self._prices[day] = found
        return found

    def day_total(self, day: date) -> int:
        found = self._totals.get(day)
        if found is None:
            found = self._totals[day] = sum(p for _, p in self.prices(day))
        return found


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return local_instant(date(year, month, 1), time(0), tz)


def meal_lines(
    child: Child,
    year: int,
    month: int,
    plan: MealPlan,
    absences: Mapping[date, datetime],
    tz: ZoneInfo,
) -> tuple[MealLine, ...]:
    """The month's meal charges and (in advance) the refunds for the month before, in day
    order. `absences`: this child's in-time absence reports (day → earliest moment)."""
    lines: list[MealLine] = []
    for kind, day in _meal_days(child, year, month, plan, absences, tz):
        lines.extend(MealLine(day, meal, from_grosz(price), kind) for meal, price in plan.prices(day))
    return tuple(lines)


def meal_totals_grosz(
    child: Child,
    year: int,
    month: int,
    plan: MealPlan,
    absences: Mapping[date, datetime],
    tz: ZoneInfo,
) -> tuple[int, int]:
    """(charged, refunded) in grosze: the same as `meal_lines`, without building lines."""
    charged = refunded = 0
    for kind, day in _meal_days(child, year, month, plan, absences, tz):
        if kind == "charge":
            charged += plan.day_total(day)
        else:
            refunded += plan.day_total(day)
    return charged, refunded


def _meal_days(
    child: Child,
    year: int,
    month: int,
    plan: MealPlan,
    absences: Mapping[date, datetime],
    tz: ZoneInfo,
) -> Iterable[tuple[MealLineKind, date]]:
    advance = plan.meals.billing == "in_advance"
    if advance:
        py, pm = previous_month(year, month)
        before_prev = _month_start(py, pm, tz)
        for day in plan.working_days(py, pm):
            reported = absences.get(day)
            if reported is not None and reported >= before_prev and child.enrolled_on(day):
                yield "refund", day
        before = _month_start(year, month, tz)
        for day in plan.working_days(year, month):
            reported = absences.get(day)
            if child.enrolled_on(day) and (reported is None or reported >= before):
                yield "charge", day
    else:
        for day in plan.working_days(year, month):
            if child.enrolled_on(day) and day not in absences:
                yield "charge", day


def daily_meal_count(
    children: Iterable[Child],
    day: date,
    meals: MealSettings,
    absences: AbsenceIndex,
    closed_days: frozenset[date] = frozenset(),
) -> dict[str, dict[str, int]]:
    """The kitchen's count for `day`: group → meal → children expected minus those
    reported absent in time. Empty on a day off."""
    plans: dict[frozenset[str] | None, MealPlan] = {}
    counts: dict[str, dict[str, int]] = {}
    if day not in set(working_days(day.year, day.month, closed_days)):
        return counts
    for child in children:
        if not child.enrolled_on(day) or day in absences.in_time.get(child.child_id, {}):
            continue
        plan = plans.get(child.meals)
        if plan is None:
            plan = plans[child.meals] = MealPlan(meals, child.meals, closed_days)
        group = counts.setdefault(child.group, {})
        for meal, _ in plan.prices(day):
            group[meal] = group.get(meal, 0) + 1
    return counts
