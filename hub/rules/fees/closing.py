"""Closing a month, and corrections that arrive after it.

A closed month is locked: its statement, as the parent received it, never changes. When a
correction arrives later (a teacher fixes a missed tap, an absence reported by phone in
time is entered late), the month is recomputed and compared with the closed statement;
the differences become `Adjustment` lines, carried into the next open month's statement
(`month_statement(..., adjustments=...)`), where the parent sees each one with its day and
reason. The lines add up exactly to the difference of the two months' subtotals.

The lock itself is the storage's job: this module only describes the closed month and
computes the adjustments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from hub.rules.attendance.model import ChildId, require_aware
from hub.rules.fees.meals import MealLine
from hub.rules.fees.money import ZERO, format_minutes, format_pln
from hub.rules.fees.settings import HourlyRate
from hub.rules.fees.statement import Adjustment, MonthStatement


@dataclass(frozen=True)
class BilledDay:
    """What a closed statement billed for one day: enough to see what a correction changes."""

    day: date
    minutes_billed: int
    rate: HourlyRate
    fee: Decimal


@dataclass(frozen=True)
class BilledMonth:
    """The part of a statement that is locked when its month is closed: plain data, so the
    storage can keep it as it was billed (a statement also holds settings and spans)."""

    child_id: ChildId
    year: int
    month: int
    days: tuple[BilledDay, ...]
    stay_fee: Decimal
    meals: tuple[MealLine, ...]
    meals_charged: Decimal
    meals_refunded: Decimal

    @property
    def subtotal(self) -> Decimal:
        return self.stay_fee + self.meals_charged - self.meals_refunded

    @staticmethod
    def of(statement: MonthStatement) -> BilledMonth:
        return BilledMonth(
            child_id=statement.child.child_id,
            year=statement.year,
            month=statement.month,
            days=tuple(BilledDay(d.day, d.minutes_billed, d.rate, d.fee) for d in statement.days),
            stay_fee=statement.stay_fee,
            meals=statement.meals,
            meals_charged=statement.meals_charged,
            meals_refunded=statement.meals_refunded,
        )


@dataclass(frozen=True)
class ClosedMonth:
    """A statement as it was billed when the month was closed, and who closed it when."""

    statement: BilledMonth
    closed_at: datetime
    closed_by: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "closed_at", require_aware(self.closed_at, "closed_at"))
        if not self.closed_by.strip():
            raise ValueError("closing a month needs the name of who closed it")


def close_month(statement: MonthStatement, closed_at: datetime, closed_by: str) -> ClosedMonth:
    """Lock `statement`. A month with incomplete days can be closed (they stay listed on the
    statement); resolving them later produces adjustments."""
    return ClosedMonth(BilledMonth.of(statement), closed_at, closed_by)


def adjustments(closed: ClosedMonth, now: MonthStatement) -> tuple[Adjustment, ...]:
    """What changed in a closed month, as lines for a later statement.

    Stay: one line per day whose billed minutes or rate changed, for the difference of the
    day's fee; plus a "rounding" line when the month's rounded fee moved by a different
    amount (per-minute billing only). Meals: one line per meal charge or refund that
    appeared (+) or disappeared (−).
    """
    before = closed.statement
    if (before.child_id, before.year, before.month) != (now.child.child_id, now.year, now.month):
        raise ValueError("the closed and the recomputed statement are of different children or months")
    child_id, year, month = now.child.child_id, now.year, now.month
    found: list[Adjustment] = []
    old_days = {d.day: d for d in before.days}
    new_days = {d.day: d for d in now.days}
    stay_lines = ZERO
    for day in sorted(old_days.keys() | new_days.keys()):
        old, new = old_days.get(day), new_days.get(day)
        old_key = (old.minutes_billed, old.rate) if old else (0, None)
        new_key = (new.minutes_billed, new.rate) if new else (0, None)
        if old_key == new_key:
            continue
        amount = (new.fee if new else ZERO) - (old.fee if old else ZERO)
        stay_lines += amount
        found.append(
            Adjustment(
                child_id,
                year,
                month,
                day,
                "stay",
                f"Korekta pobytu {day.isoformat()}: płatne {format_minutes(old_key[0])} → "
                f"{format_minutes(new_key[0])} ({format_pln(amount)})",
                amount,
            )
        )
    rounding = (now.stay_fee - before.stay_fee) - stay_lines
    if rounding:
        found.append(
            Adjustment(
                child_id,
                year,
                month,
                None,
                "rounding",
                f"Zaokrąglenie miesięcznej opłaty za pobyt {year}-{month:02d} ({format_pln(rounding)})",
                rounding,
            )
        )
    old_meals = Counter((m.day, m.meal, m.kind, m.price) for m in before.meals)
    new_meals = Counter((m.day, m.meal, m.kind, m.price) for m in now.meals)
    for sign, diff in ((1, new_meals - old_meals), (-1, old_meals - new_meals)):
        for (day, meal, kind, price), count in sorted(diff.items()):
            for _ in range(count):
                amount = sign * (price if kind == "charge" else -price)
                what = "posiłek" if kind == "charge" else "odpis za posiłek"
                change = "doliczony" if sign > 0 else "cofnięty"
                found.append(
                    Adjustment(
                        child_id,
                        year,
                        month,
                        day,
                        "meal" if kind == "charge" else "meal_refund",
                        f"Korekta: {what} {meal} {day.isoformat()} {change} ({format_pln(amount)})",
                        amount,
                    )
                )
    found.sort(key=lambda a: (a.day is None, a.day or date.min, a.kind, a.description))
    return tuple(found)
