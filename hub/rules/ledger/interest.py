"""Interest for arrears (odsetki za zwłokę) on kindergarten fees, as for tax arrears.

Fees for a public kindergarten's care beyond the free hours are public-law dues (ustawa o
finansach publicznych, art. 60 pkt 7), so their arrears carry interest under the Ordynacja
podatkowa (Dział III). What this module implements, and where each rule comes from:

- **Rate**: art. 56 § 1 — 200 % of the NBP lombard rate plus 2 %, at least 8 % a year;
  art. 56c — it moves on the day the lombard rate moves. The rates are dated data
  (`InterestRate`), never a constant: `DEFAULT_RATES` lists the ones published up to
  4 XII 2025 (14,5 % from 5 X 2023; 13,5 % from 8 V 2025; 13 % from 3 VII; 12,5 % from
  4 IX; 12 % from 9 X; 11,5 % from 6 XI; 11 % from 4 XII 2025, after the RPP's decisions
  listed by ksiegowosc.infor.pl, "Odsetki od zaległości podatkowych … 2025"); the accountant
  adds later ones (`ewidencjoner ledger set-interest-rate`).
- **Days**: from the day after the due date to the day of payment inclusive (art. 53 § 4;
  prawo.pl on art. 53 § 4), `kwota × dni × stawka / 365`, computed separately for each
  period of one rate and the sum rounded once (rozporządzenie MF, Dz.U. 2015 poz. 2233,
  eli.gov.pl: "odsetki są naliczane … odrębnie za każdy z tych okresów. Zaokrągleniu
  podlega suma odsetek").
- **Small amounts**: art. 54 § 1 pkt 5 — no interest when it would not exceed three times
  the Polish Post's fee for sending a letter as registered (3 × 2,90 zł = 8,70 zł from
  1 III 2025: sip.lex.pl / inforfk.pl text of art. 54, podatkowyreferat.online 28 III 2025).
  Compared before rounding: 8,70 zł is not charged, 8,71 zł is. A setting (`threshold`),
  because the tariff changes.
- **Rounding**: art. 63 § 1 — to full złoty, under 50 grosze down, 50 grosze and more up.
- **Part payments**: art. 55 § 2 — a payment that does not cover the arrear with its
  interest is split between them in the proportion they stand in on the day of payment
  (`hub.rules.ledger.settle`).

Every amount is whole grosze (`int`); the exact interest is a `Fraction` until it is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class InterestRate:
    """The yearly rate in basis points (1450 = 14,50 %) from `valid_from` on."""

    valid_from: date
    basis_points: int

    def __post_init__(self) -> None:
        if not 0 <= self.basis_points <= 100_000:
            raise ValueError(f"an interest rate of {self.basis_points} basis points is not plausible")


DEFAULT_RATES: tuple[InterestRate, ...] = (
    InterestRate(date(2023, 10, 5), 1450),
    InterestRate(date(2025, 5, 8), 1350),
    InterestRate(date(2025, 7, 3), 1300),
    InterestRate(date(2025, 9, 4), 1250),
    InterestRate(date(2025, 10, 9), 1200),
    InterestRate(date(2025, 11, 6), 1150),
    InterestRate(date(2025, 12, 4), 1100),
)
DEFAULT_THRESHOLD = 870
"""Grosze: 3 × 2,90 zł (art. 54 § 1 pkt 5, the registered-letter fee from 1 III 2025)."""


def exact_interest(
    principal: int, first_day: date, last_day: date, rates: Sequence[InterestRate]
) -> Fraction:
    """Grosze of interest on `principal` for each day from `first_day` to `last_day` inclusive,
    at the rate in force on each day; zero for an empty period or one before any rate."""
    if principal <= 0 or last_day < first_day:
        return Fraction(0)
    ordered = sorted(rates, key=lambda r: r.valid_from)
    total_bp_days = 0
    for i, rate in enumerate(ordered):
        start = max(first_day, rate.valid_from)
        end = last_day
        if i + 1 < len(ordered):
            end = min(end, ordered[i + 1].valid_from - timedelta(days=1))
        if end >= start:
            total_bp_days += rate.basis_points * ((end - start).days + 1)
    return Fraction(principal * total_bp_days, 10_000 * DAYS_IN_YEAR)


def round_to_zloty(grosze: Fraction | int) -> int:
    """Art. 63 § 1: to full złoty, half up; in grosze (1249 → 1200, 1250 → 1300)."""
    whole, rest = divmod(Fraction(grosze), 100)
    return int(whole) * 100 + (100 if rest >= 50 else 0)


def chargeable(exact: Fraction, threshold: int = DEFAULT_THRESHOLD) -> int:
    """The interest actually charged: nothing up to `threshold`, else rounded to full złoty."""
    return 0 if exact <= threshold else round_to_zloty(exact)
