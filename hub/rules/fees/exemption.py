"""Who pays no hourly fee on a given day: the age rule and per-child overrides.

The age rule (ufzo art. 52 ust. 1 and the practice since 1 I 2017): hourly fees apply to a
child only "do końca roku szkolnego w roku kalendarzowym, w którym kończy 6 lat" — up to
the end of the school year (31 August) of the calendar year in which the child turns 6.
From 1 September of that year (the compulsory year, "roczne przygotowanie przedszkolne")
the child pays only for meals, and so does an older child whose schooling was deferred.

In numbers: for the school year beginning on 1 September of year S, a child born in year B
is exempt when S − B ≥ 6. The birthday itself does not matter, only the year: a child born
on 31 December 2019 and one born on 1 January 2019 are both exempt from 1 IX 2025, and both
still pay on 31 VIII 2025.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from hub.rules.fees.settings import Child, StayRules
from hub.rules.school_year import school_year_of, school_year_start

ExemptionReason = Literal["age", "override"]


def exempt_by_age(birth_date: date, day: date) -> bool:
    """True from 1 September of the year the child turns 6."""
    return school_year_of(day) - birth_date.year >= 6


def first_exempt_day(birth_date: date) -> date:
    """The first day the age rule exempts the child: 1 September of the year they turn 6."""
    return school_year_start(birth_date.year + 6)


def exemption(child: Child, day: date, rules: StayRules) -> ExemptionReason | None:
    """Why `child` pays no hourly fee on `day`, or None when the fee applies.

    The per-child override wins: `exempt=True` → "override", `exempt=False` → None (pays even
    past the age limit). Otherwise the age rule, when the rules have it on and the birth
    date is known.
    """
    if child.exempt is not None:
        return "override" if child.exempt else None
    if rules.age_exemption and child.birth_date is not None and exempt_by_age(child.birth_date, day):
        return "age"
    return None
