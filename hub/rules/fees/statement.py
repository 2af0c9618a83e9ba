"""A child's monthly statement: each day's line, totals, meals, refunds, adjustments, and
the settings used, so a parent can check the arithmetic.

**Where the money is rounded.** Gminy bill the month: the fee "stanowi iloczyn liczby godzin
korzystania z wychowania przedszkolnego w czasie przekraczającym wymiar bezpłatny w danym
miesiącu i stawki" (the product of the month's paid hours and the rate; e.g. p54.lublin.eu,
przedszkole.pakoslaw.pl: "4 godziny × 1 zł × 22 dni"). So the statement adds up the month's
billed minutes for each rate in force (two rates when the rate changes mid-month, e.g. on
1 September), and rounds each product `rate × minutes / 60` once, half up, to the grosz.
With hourly rounding every day's fee is already whole grosze and the day lines add up to
the total exactly; per minute they may differ by a grosz or two, and the statement says so
(`rounding_difference`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from hub.rules.attendance import DEFAULT_SETTINGS, DayResult
from hub.rules.attendance import Settings as AttendanceSettings
from hub.rules.attendance.model import ChildId
from hub.rules.fees.day import DayFee, day_fee
from hub.rules.fees.exemption import first_exempt_day
from hub.rules.fees.meals import MealLine, MealPlan, index_absences, meal_lines
from hub.rules.fees.money import ZERO, format_minutes, format_pln, from_grosz, stay_fee_grosz
from hub.rules.fees.settings import (
    AbsenceReport,
    Child,
    FeeSettings,
    HourlyRate,
    MealSettings,
    StayRules,
)

AdjustmentKind = Literal["stay", "meal", "meal_refund", "rounding"]


@dataclass(frozen=True)
class Adjustment:
    """A correction of a closed month, carried into a later month's statement.

    `year`/`month`: the closed month it corrects; `day` the day concerned (None for a
    rounding line); `amount` signed: positive, the parent owes more; negative, less.
    """

    child_id: ChildId
    year: int
    month: int
    day: date | None
    kind: AdjustmentKind
    description: str
    amount: Decimal


@dataclass(frozen=True)
class RateBand:
    """The month's billed minutes at one rate, and their fee (rounded once)."""

    rate: HourlyRate
    days: int
    minutes_billed: int

    @property
    def fee_grosz(self) -> int:
        return stay_fee_grosz(self.rate.grosz, self.minutes_billed)

    @property
    def fee(self) -> Decimal:
        return from_grosz(self.fee_grosz)

    def explain(self) -> str:
        return (
            f"{format_minutes(self.minutes_billed)} × {format_pln(self.rate.per_hour)}/h "
            f"(od {self.rate.valid_from.isoformat()}) = {format_pln(self.fee)}"
        )


@dataclass(frozen=True)
class MonthStatement:
    """One child's month. `subtotal` = stay fee + meals charged − meals refunded (what
    the month itself costs); `total` = subtotal + adjustments from closed months."""

    child: Child
    year: int
    month: int
    days: tuple[DayFee, ...]
    bands: tuple[RateBand, ...]
    minutes_present: int
    minutes_free: int
    minutes_paid: int
    minutes_billed: int
    stay_fee: Decimal
    meals: tuple[MealLine, ...]
    meals_charged: Decimal
    meals_refunded: Decimal
    late_absences: tuple[date, ...]
    adjustments: tuple[Adjustment, ...]
    settings_used: tuple[str, ...]

    @property
    def day_fees_sum(self) -> Decimal:
        return from_grosz(sum(d.fee_grosz for d in self.days))

    @property
    def rounding_difference(self) -> Decimal:
        """stay_fee − the sum of the day lines (non-zero only with per-minute billing)."""
        return self.stay_fee - self.day_fees_sum

    @property
    def adjustments_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return self.stay_fee + self.meals_charged - self.meals_refunded

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.adjustments_total

    @property
    def incomplete_days(self) -> tuple[date, ...]:
        """Days with a visit left out of the fee (a missing scan) or still in progress."""
        return tuple(d.day for d in self.days if not d.complete)


def rate_bands(days: Iterable[DayFee]) -> tuple[RateBand, ...]:
    """Billed minutes per rate, in the order the rates took effect."""
    minutes: dict[HourlyRate, list[int]] = {}
    for d in days:
        entry = minutes.setdefault(d.rate, [0, 0])
        entry[0] += 1
        entry[1] += d.minutes_billed
    return tuple(
        RateBand(rate, n, m) for rate, (n, m) in sorted(minutes.items(), key=lambda kv: kv[0].valid_from)
    )


def month_statement(
    child: Child,
    year: int,
    month: int,
    days: Iterable[DayResult],
    settings: FeeSettings,
    attendance: AttendanceSettings = DEFAULT_SETTINGS,
    *,
    absences: Iterable[AbsenceReport] = (),
    adjustments: Iterable[Adjustment] = (),
) -> MonthStatement:
    """The statement for `child` and the month. `days`: the child's `DayResult`s of that
    month (days without a record are simply not billed). `absences`: the child's absence
    reports for this month and the previous one (the previous month's are refunded here
    when meals are billed in advance); others are ignored. `adjustments`: corrections of
    closed months to carry into this one (see `hub.rules.fees.closing`)."""
    results = sorted(days, key=lambda r: r.day)
    seen: set[date] = set()
    for r in results:
        if r.child_id != child.child_id:
            raise ValueError(f"a day of child {r.child_id} given for child {child.child_id}")
        if (r.day.year, r.day.month) != (year, month):
            raise ValueError(f"{r.day} is not in {year}-{month:02d}")
        if r.day in seen:
            raise ValueError(f"two DayResults for {r.day}")
        seen.add(r.day)
    fees = tuple(day_fee(r, child, settings, attendance) for r in results)
    bands = rate_bands(fees)
    tz = attendance.tz
    index = index_absences((a for a in absences if a.child_id == child.child_id), settings.meals, tz)
    plan = MealPlan(settings.meals, child.meals, attendance.closed_days)
    lines = meal_lines(child, year, month, plan, index.in_time.get(child.child_id, {}), tz)
    late = sorted(d for d in index.late.get(child.child_id, ()) if (d.year, d.month) == (year, month))
    carried = tuple(a for a in adjustments if a.child_id == child.child_id)
    return MonthStatement(
        child=child,
        year=year,
        month=month,
        days=fees,
        bands=bands,
        minutes_present=sum(d.minutes_present for d in fees),
        minutes_free=sum(d.minutes_free for d in fees),
        minutes_paid=sum(d.minutes_paid for d in fees),
        minutes_billed=sum(d.minutes_billed for d in fees),
        stay_fee=from_grosz(sum(b.fee_grosz for b in bands)),
        meals=lines,
        meals_charged=sum((m.price for m in lines if m.kind == "charge"), ZERO),
        meals_refunded=sum((m.price for m in lines if m.kind == "refund"), ZERO),
        late_absences=tuple(late),
        adjustments=carried,
        settings_used=settings_used(child, year, month, fees, settings, attendance),
    )


_ROUNDING_TEXT = {
    "started_hour": "za każdą rozpoczętą godzinę",
    "full_hour": "tylko za pełne godziny",
    "minute": "co do minuty (proporcjonalnie)",
}
_SCOPE_TEXT = {
    "day": "od sumy płatnego czasu w danym dniu",
    "segment": "osobno dla każdego odcinka płatnego czasu",
}
_MISSING_TEXT = {
    "flag_only": "pobyt bez odczytu wyjścia nie jest naliczany, do wyjaśnienia przez nauczyciela",
    "assume_closing": "brak odczytu wyjścia: pobyt liczony do godziny zamknięcia",
    "assume_opening_closing": (
        "brak odczytu wyjścia: pobyt liczony do godziny zamknięcia; brak odczytu wejścia: od godziny otwarcia"
    ),
}


def describe_rules(rules: StayRules, attendance: AttendanceSettings = DEFAULT_SETTINGS) -> list[str]:
    """The stay rules in words a parent can check against the uchwała."""
    text = [
        f"Czas bezpłatny: {rules.free_period.describe()}.",
        f"Zaokrąglenie: {_ROUNDING_TEXT[rules.rounding]}, {_SCOPE_TEXT[rules.rounding_scope]}.",
    ]
    if rules.grace_minutes:
        text.append(f"Karencja: płatny czas do {rules.grace_minutes} min nie jest naliczany.")
    missing = _MISSING_TEXT[rules.missing_scan]
    if rules.missing_scan != "flag_only":
        opening = rules.assumed_arrival or attendance.opening
        closing = rules.assumed_departure or attendance.closing
        missing += f" (otwarcie {opening:%H:%M}, zamknięcie {closing:%H:%M})"
    text.append(f"Brak odczytu karty: {missing}.")
    if rules.basis:
        text.append(f"Podstawa: {rules.basis}.")
    return text


def _describe_meals(meals: MealSettings, child: Child, year: int, month: int) -> list[str]:
    prices = meals.prices_on(date(year, month, 1))
    taken = {m: p for m, p in prices.items() if child.meals is None or m in child.meals}
    if not taken:
        return ["Posiłki: brak."]
    listed = ", ".join(f"{m} {format_pln(from_grosz(p))}" for m, p in taken.items())
    when = (
        f"do {meals.cutoff:%H:%M} w dniu nieobecności"
        if meals.cutoff_days_before == 0
        else f"do {meals.cutoff:%H:%M} na {meals.cutoff_days_before} dzień/dni przed nieobecnością"
    )
    billing = (
        "opłata z góry za dni robocze miesiąca; "
        "odpisy za nieobecności zgłoszone w terminie w następnym miesiącu"
        if meals.billing == "in_advance"
        else "opłata z dołu za posiłki nieodwołane w terminie"
    )
    return [
        f"Posiłki (cena dzienna od 1. dnia miesiąca): {listed}.",
        f"Odwołanie posiłku: {when}; {billing}.",
    ]


def settings_used(
    child: Child,
    year: int,
    month: int,
    fees: Iterable[DayFee],
    settings: FeeSettings,
    attendance: AttendanceSettings = DEFAULT_SETTINGS,
) -> tuple[str, ...]:
    """The settings behind the statement, grouped by the stretches of days they applied to."""
    text: list[str] = []
    stretches: list[tuple[date, date, HourlyRate, StayRules]] = []
    for d in sorted(fees, key=lambda f: f.day):
        if stretches and stretches[-1][2] == d.rate and stretches[-1][3] == d.rules:
            first, _, rate, rules = stretches[-1]
            stretches[-1] = (first, d.day, rate, rules)
        else:
            stretches.append((d.day, d.day, d.rate, d.rules))
    for first, last, rate, rules in stretches:
        head = f"Od {first.isoformat()} do {last.isoformat()}:" if len(stretches) > 1 else ""
        basis = f" ({rate.basis})" if rate.basis else ""
        lines = [
            f"Stawka: {format_pln(rate.per_hour)} za godzinę{basis}.",
            *describe_rules(rules, attendance),
        ]
        text.extend(f"{head} {line}".strip() for line in lines)
    if child.exempt is True:
        text.append(f"Zwolnienie z opłaty za pobyt: {child.exempt_basis or 'decyzja indywidualna'}.")
    elif child.exempt is False:
        text.append("Opłata za pobyt naliczana bez zwolnienia ze względu na wiek (decyzja indywidualna).")
    elif child.birth_date is not None:
        text.append(
            "Zwolnienie ze względu na wiek (dziecko w roku szkolnym, w którym kończy 6 lat, i starsze): "
            f"od {first_exempt_day(child.birth_date).isoformat()}."
        )
    text.append(
        "Kwota za pobyt: suma płatnych minut miesiąca przy każdej stawce × stawka / 60, "
        "zaokrąglona raz do pełnego grosza (od 0,5 gr w górę)."
    )
    text.append("Czas pobytu liczony w pełnych minutach według godzin wejścia i wyjścia z wydruku.")
    text.extend(_describe_meals(settings.meals, child, year, month))
    return tuple(text)
