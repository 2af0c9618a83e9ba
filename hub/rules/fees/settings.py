"""Fee and meal settings as data: what the gmina's uchwała and the director decided.

Everything that changes over time carries a `valid_from` date, and the engine uses, for
each day, the version in force on that day (the latest `valid_from` not after it). So a
new rate from 1 September, a change of rounding after a wojewoda's ruling, or a new meal
price each take effect on their own day, and an old month recomputed later comes out as
it was billed.

Defaults (`FeeSettings()`): 1,44 zł per hour from 1 IX 2024 (the legal cap then in force),
free window 08:00–13:00, per full hour (the rounding no wojewoda has struck down; see
`hub.rules.fees` for why), no grace minutes, the age exemption on, a missing departure flagged
and not billed, no meal prices.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import pairwise
from typing import Literal, Protocol, TypeVar, get_args

from hub.rules.attendance.model import ChildId, require_aware
from hub.rules.fees.money import to_grosz

Rounding = Literal["started_hour", "full_hour", "minute"]
"""started_hour: every started hour is charged (ceil); full_hour: only full hours (floor);
minute: the paid minutes exactly, pro rata."""
RoundingScope = Literal["day", "segment"]
"""day: the day's paid minutes are summed, then rounded once; segment: each stretch of
paid time (before the window, after it, each visit's) is rounded on its own."""
MissingScanPolicy = Literal["flag_only", "assume_closing", "assume_opening_closing"]
"""flag_only: a visit with a missing end is not billed, only flagged; assume_closing: a
missing departure counts until closing time; assume_opening_closing: also a missing
arrival counts from opening time."""
MealBilling = Literal["in_advance", "in_arrears"]
"""in_advance ("z góry"): a month's meals are charged for every expected working day and
absences reported in time are refunded next month; in_arrears ("z dołu"): only meals not
cancelled in time are charged, no refunds."""

ROUNDINGS: tuple[str, ...] = get_args(Rounding)
ROUNDING_SCOPES: tuple[str, ...] = get_args(RoundingScope)
MISSING_SCAN_POLICIES: tuple[str, ...] = get_args(MissingScanPolicy)
MEAL_BILLINGS: tuple[str, ...] = get_args(MealBilling)

EARLIEST = date(1970, 1, 1)
"""The `valid_from` of settings meant to apply "always"."""


class _Dated(Protocol):
    @property
    def valid_from(self) -> date: ...


_D = TypeVar("_D", bound=_Dated)


def in_force(versions: Sequence[_D], day: date) -> _D | None:
    """The version with the latest `valid_from` not after `day` (`versions` sorted)."""
    i = bisect_right([v.valid_from for v in versions], day)
    return versions[i - 1] if i else None


def _sorted_unique(versions: Sequence[_D], what: str) -> tuple[_D, ...]:
    ordered = tuple(sorted(versions, key=lambda v: v.valid_from))
    for a, b in pairwise(ordered):
        if a.valid_from == b.valid_from:
            raise ValueError(f"two {what} share valid_from {a.valid_from}: {a!r} / {b!r}")
    return ordered


def _wall(value: time, what: str) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise ValueError(f"{what} must be a local wall-clock time without tzinfo, got {value!r}")


@dataclass(frozen=True)
class HourlyRate:
    """The gmina's rate per hour beyond the free time, from `valid_from` on.

    `basis`: the uchwała that set it (printed on the parent's statement)."""

    valid_from: date
    per_hour: Decimal
    basis: str = ""

    def __post_init__(self) -> None:
        if to_grosz(self.per_hour, "per_hour") < 0:
            raise ValueError(f"an hourly rate cannot be negative, got {self.per_hour}")

    @property
    def grosz(self) -> int:
        return to_grosz(self.per_hour)


@dataclass(frozen=True)
class FixedWindow:
    """Free time is `start`–`end` local wall-clock time each day (e.g. 08:00–13:00)."""

    start: time = time(8, 0)
    end: time = time(13, 0)

    def __post_init__(self) -> None:
        _wall(self.start, "the free window's start")
        _wall(self.end, "the free window's end")
        if not self.start < self.end:
            raise ValueError(f"the free window's start {self.start} must be before its end {self.end}")

    @property
    def nominal_minutes(self) -> int:
        """Its length on an ordinary day (a window across a DST change is shorter/longer)."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def describe(self) -> str:
        return f"bezpłatnie w godzinach {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class FirstHours:
    """Free time is the first `hours` hours of the child's presence that day, wherever
    they fall (arrival 7:27 → free until 12:27 with 5 hours, paid from then on)."""

    hours: int = 5

    def __post_init__(self) -> None:
        if not isinstance(self.hours, int) or isinstance(self.hours, bool) or self.hours < 0:
            raise ValueError(f"FirstHours.hours must be a non-negative int, got {self.hours!r}")

    @property
    def nominal_minutes(self) -> int:
        return self.hours * 60

    def describe(self) -> str:
        return f"bezpłatnie pierwsze {self.hours} h pobytu od wejścia"


FreePeriod = FixedWindow | FirstHours


@dataclass(frozen=True)
class StayRules:
    """How the stay is billed, from `valid_from` on (see `hub.rules.fees` for the exact rules).

    free_period: a `FixedWindow` or `FirstHours`.
    rounding / rounding_scope: see `Rounding` and `RoundingScope`.
    grace_minutes: paid time of at most this many minutes (per rounding unit: the day, or
        each segment) is waived; above it, all of it is billed. A threshold, not a deduction.
    missing_scan: see `MissingScanPolicy`.
    assumed_arrival / assumed_departure: the times the policy assumes; None means the
        kindergarten's opening time / the day's closing time from the attendance settings.
    age_exemption: children from the school year in which they turn 6 pay no hourly fee.
    basis: the uchwała / regulamin these rules come from.
    """

    valid_from: date = EARLIEST
    free_period: FreePeriod = field(default_factory=FixedWindow)
    rounding: Rounding = "full_hour"
    rounding_scope: RoundingScope = "day"
    grace_minutes: int = 0
    missing_scan: MissingScanPolicy = "flag_only"
    assumed_arrival: time | None = None
    assumed_departure: time | None = None
    age_exemption: bool = True
    basis: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.free_period, FixedWindow | FirstHours):
            raise ValueError(f"free_period must be a FixedWindow or FirstHours, got {self.free_period!r}")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {ROUNDINGS}, got {self.rounding!r}")
        if self.rounding_scope not in ROUNDING_SCOPES:
            raise ValueError(f"rounding_scope must be one of {ROUNDING_SCOPES}, got {self.rounding_scope!r}")
        if self.missing_scan not in MISSING_SCAN_POLICIES:
            raise ValueError(
                f"missing_scan must be one of {MISSING_SCAN_POLICIES}, got {self.missing_scan!r}"
            )
        grace = self.grace_minutes
        if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
            raise ValueError(f"grace_minutes must be a non-negative int, got {grace!r}")
        for name in ("assumed_arrival", "assumed_departure"):
            value = getattr(self, name)
            if value is not None:
                _wall(value, name)


@dataclass(frozen=True)
class MealPrice:
    """The price of one meal type (`"śniadanie"`, `"obiad"`…) from `valid_from` on;
    `price` None: the meal is no longer served from that day."""

    valid_from: date
    meal: str
    price: Decimal | None

    def __post_init__(self) -> None:
        if not self.meal or not self.meal.strip():
            raise ValueError("a meal price needs the meal's name")
        if self.price is not None and to_grosz(self.price, f"the price of {self.meal}") < 0:
            raise ValueError(f"a meal price cannot be negative, got {self.price}")


@dataclass(frozen=True)
class MealSettings:
    """Meal prices and the absence rules (set by the director with the organ prowadzący).

    cutoff / cutoff_days_before: an absence counts for the meals of a day when reported
        before `cutoff` on the day itself (`cutoff_days_before` 0, e.g. 08:00) or on a day
        before (1 with 14:00: "by 14:00 the day before"). Reported later, the meal was
        prepared and is charged.
    billing: see `MealBilling`.
    """

    prices: tuple[MealPrice, ...] = ()
    cutoff: time = time(8, 0)
    cutoff_days_before: int = 0
    billing: MealBilling = "in_advance"
    _by_meal: dict[str, tuple[MealPrice, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        _wall(self.cutoff, "the meal cut-off")
        if not isinstance(self.cutoff_days_before, int) or self.cutoff_days_before < 0:
            raise ValueError(
                f"cutoff_days_before must be a non-negative int, got {self.cutoff_days_before!r}"
            )
        if self.billing not in MEAL_BILLINGS:
            raise ValueError(f"billing must be one of {MEAL_BILLINGS}, got {self.billing!r}")
        by_meal: dict[str, list[MealPrice]] = {}
        for p in self.prices:
            by_meal.setdefault(p.meal, []).append(p)
        object.__setattr__(self, "prices", tuple(self.prices))
        object.__setattr__(
            self, "_by_meal", {m: _sorted_unique(ps, f"prices of {m}") for m, ps in sorted(by_meal.items())}
        )

    @property
    def meal_names(self) -> tuple[str, ...]:
        return tuple(self._by_meal)

    def prices_on(self, day: date) -> dict[str, int]:
        """Meal → price in grosze of each meal served on `day`."""
        found: dict[str, int] = {}
        for meal, versions in self._by_meal.items():
            version = in_force(versions, day)
            if version is not None and version.price is not None:
                found[meal] = to_grosz(version.price)
        return found


DEFAULT_RATES: tuple[HourlyRate, ...] = (
    HourlyRate(date(2024, 9, 1), Decimal("1.44"), "ustawowy limit od 1 IX 2024 (ufzo art. 52 ust. 1)"),
)


@dataclass(frozen=True)
class FeeSettings:
    """One kindergarten's (or gmina's) settings: rates, stay rules and meals, each dated."""

    rates: tuple[HourlyRate, ...] = DEFAULT_RATES
    rules: tuple[StayRules, ...] = (StayRules(),)
    meals: MealSettings = field(default_factory=MealSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", _sorted_unique(self.rates, "hourly rates"))
        object.__setattr__(self, "rules", _sorted_unique(self.rules, "stay rules"))
        if not self.rules:
            raise ValueError("FeeSettings needs at least one StayRules")

    def rate_on(self, day: date) -> HourlyRate:
        rate = in_force(self.rates, day)
        if rate is None:
            raise ValueError(f"no hourly rate is in force on {day}: add an HourlyRate valid from then")
        return rate

    def rules_on(self, day: date) -> StayRules:
        rules = in_force(self.rules, day)
        if rules is None:
            raise ValueError(f"no stay rules are in force on {day}: add StayRules valid from then")
        return rules


@dataclass(frozen=True)
class Child:
    """What billing needs to know about a child.

    exempt: a per-child override of the hourly fee: True exempt (an uchwała exemption, a
        director's decision, `exempt_basis` says which), False never exempt (not even by
        age), None the age rule. meals: the meal types the child takes (None: every meal
        served). enrolled_from / enrolled_until: the days the child is expected (None:
        open-ended). card_number: the number printed on the child's card.
    """

    child_id: ChildId
    name: str = ""
    group: str = ""
    birth_date: date | None = None
    exempt: bool | None = None
    exempt_basis: str = ""
    meals: frozenset[str] | None = None
    enrolled_from: date | None = None
    enrolled_until: date | None = None
    card_number: str | None = None

    def __post_init__(self) -> None:
        if self.meals is not None:
            object.__setattr__(self, "meals", frozenset(self.meals))

    def enrolled_on(self, day: date) -> bool:
        return (self.enrolled_from is None or self.enrolled_from <= day) and (
            self.enrolled_until is None or day <= self.enrolled_until
        )


@dataclass(frozen=True)
class AbsenceReport:
    """A guardian's (or the secretary's) report that the child will be absent on `day`,
    received at `reported_at` (aware). A multi-day absence is one report per day."""

    child_id: ChildId
    day: date
    reported_at: datetime
    by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reported_at", require_aware(self.reported_at, "reported_at"))
