"""The legal cap on the hourly fee (ustawa o finansowaniu zadań oświatowych, art. 52).

Art. 52 ust. 1 pkt 1 allows a gmina to charge for each hour of care beyond the free time
(at least 5 hours a day) no more than a cap. The base cap was 1 zł (set in 2013 in the
ustawa o systemie oświaty, carried into ufzo art. 52 from 2018). Art. 52 ust. 4–7 index it:
when cumulative inflation passes the threshold the minister publishes an obwieszczenie
with a wskaźnik; the new cap is the previous cap × wskaźnik, **rounded down to full
grosze**, in force from **1 September** of that year.

Known caps (sources in research/fees-pl.md § 1, beside DESIGN.md in the design workspace):

| from        | cap     | basis                                                               |
| ----------- | ------- | ------------------------------------------------------------------- |
| 1 IX 2013   | 1,00 zł | statutory base (ustawa z 13 VI 2013, Dz.U. 2013 poz. 827; ufzo art. 52 ust. 1) |
| 1 IX 2022   | 1,14 zł | wskaźnik 1,145, M.P. 2022 poz. 613                                   |
| 1 IX 2023   | 1,30 zł | obwieszczenie Ministra Edukacji i Nauki (2023)                       |
| 1 IX 2024   | 1,44 zł | obwieszczenie Ministra Edukacji of 27 II 2024, wskaźnik 1,114          |

(Check: 1,30 × 1,114 = 1,448 → 1,44, rounded down.)

No change from 1 IX 2025 appears in the sources (a January 2026 fee table still uses
1,44 zł), so 1,44 zł is the latest known cap. A new cap exists only once its obwieszczenie
is published: add a `LegalCap` row then (or pass your own table to the functions here).

A gmina may adopt a new cap later than 1 September (Białystok took 1,14 zł from 1 I 2023),
and may charge less (Gdańsk P67 still 1,00 zł): its own rates are the `HourlyRate` table in
`hub.rules.fees.settings`, checked against these caps by `check_rates`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from hub.rules.fees.money import GROSZ, format_minutes
from hub.rules.fees.settings import FeeSettings, HourlyRate, in_force


@dataclass(frozen=True)
class LegalCap:
    """The statutory maximum per hour from `valid_from` on, with where it comes from."""

    valid_from: date
    per_hour: Decimal
    basis: str


LEGAL_CAPS: tuple[LegalCap, ...] = (
    LegalCap(
        date(2013, 9, 1), Decimal("1.00"), "ustawa z 13 VI 2013 (Dz.U. 2013 poz. 827); ufzo art. 52 ust. 1"
    ),
    LegalCap(date(2022, 9, 1), Decimal("1.14"), "wskaźnik 1,145, M.P. 2022 poz. 613"),
    LegalCap(date(2023, 9, 1), Decimal("1.30"), "obwieszczenie Ministra Edukacji i Nauki, 2023"),
    LegalCap(
        date(2024, 9, 1), Decimal("1.44"), "obwieszczenie Ministra Edukacji z 27 II 2024, wskaźnik 1,114"
    ),
)
"""The known caps, oldest first."""


def cap_on(day: date, caps: Sequence[LegalCap] = LEGAL_CAPS) -> LegalCap | None:
    """The cap in force on `day`, or None before the first known one."""
    starts = [c.valid_from for c in caps]
    i = bisect_right(starts, day)
    return caps[i - 1] if i else None


def indexed_cap(previous: Decimal, wskaznik: Decimal) -> Decimal:
    """The next cap: previous × wskaźnik, rounded down to full grosze (art. 52 ust. 4)."""
    return (previous * wskaznik).quantize(GROSZ, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class RateWarning:
    """A configured rate above the legal cap for the days `start`..`end` (inclusive;
    `end` None: for as long as the rate and the cap stay in force)."""

    start: date
    end: date | None
    rate: HourlyRate
    cap: LegalCap

    @property
    def message(self) -> str:
        until = f" do {self.end.isoformat()}" if self.end else ""
        return (
            f"Stawka {self.rate.per_hour} zł/h (od {self.rate.valid_from.isoformat()}) przekracza "
            f"ustawowy limit {self.cap.per_hour} zł/h ({self.cap.basis}) od {self.start.isoformat()}{until}."
        )


def check_rates(
    rates: Sequence[HourlyRate], caps: Sequence[LegalCap] = LEGAL_CAPS
) -> tuple[RateWarning, ...]:
    """Every stretch of days on which a configured rate exceeds the cap then in force.

    The rate table and the cap table each change on their own dates; the days are split at
    every change of either, and each piece is compared. A rate in force before the first
    known cap is not checked.
    """
    rates = sorted(rates, key=lambda r: r.valid_from)
    caps = sorted(caps, key=lambda c: c.valid_from)
    cuts = sorted({r.valid_from for r in rates} | {c.valid_from for c in caps})
    found: list[RateWarning] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] - timedelta(days=1) if i + 1 < len(cuts) else None
        rate = in_force(rates, start)
        cap = cap_on(start, caps)
        if rate is None or cap is None or rate.per_hour <= cap.per_hour:
            continue
        found.append(RateWarning(start, end, rate, cap))
    return tuple(found)


def check_settings(settings: FeeSettings) -> tuple[str, ...]:
    """Warnings a director should see before the settings are used: rates above the cap,
    and free time shorter than the 5 hours a day the law guarantees (art. 52 ust. 1)."""
    found = [w.message for w in check_rates(settings.rates)]
    for rules in settings.rules:
        free = rules.free_period.nominal_minutes
        if free < 5 * 60:
            found.append(
                f"Czas bezpłatny od {rules.valid_from.isoformat()} ({format_minutes(free)}) jest krótszy "
                "niż ustawowe 5 godzin dziennie."
            )
    return tuple(found)
