"""Settling a payer's ledger: which dues are paid, which are overdue, and the interest on them.

Charges of one month (its stay fee, meals, refunds, adjustments, a co-payer's share) are one
due, payable by its `due_on`. Credits (payments, write-offs; less payouts) settle the
**oldest due first**; a credit that arrives before a charge is booked waits as an
overpayment and is carried forward to it. On a due paid late, interest accrues per day
(`hub.rules.ledger.interest`); a payment that does not cover the due with its interest is
split between them in proportion, as art. 55 § 2 Ordynacji podatkowej orders, so a due is
never paid while its interest stays open. The interest is reckoned on the day of each
payment: if by then it does not exceed the threshold it is not charged, and the rest of the
due accrues afresh from the next day.

Invariant (tested for any order of entries): outstanding dues − credit carried forward
= ledger balance + interest paid. With no interest, what the payer still owes is exactly
the ledger's balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from hub.rules.fees.money import round_half_up_div
from hub.rules.ledger.entries import Entry
from hub.rules.ledger.interest import DEFAULT_THRESHOLD, InterestRate, chargeable, exact_interest


@dataclass(frozen=True)
class Due:
    """One month's charges and what became of them by the day settled."""

    period: str
    due_on: date
    amount: int
    paid: int = 0
    interest_paid: int = 0
    interest_now: int = 0
    """Interest owed on the outstanding amount up to the day settled (0 under the threshold)."""
    last_paid_on: date | None = None

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid

    def days_late(self, on: date) -> int:
        return max(0, (on - self.due_on).days) if self.outstanding > 0 else 0


@dataclass(frozen=True)
class Settlement:
    dues: tuple[Due, ...]
    credit: int
    """Overpayment carried forward (grosze), waiting for the next charge."""
    on: date

    @property
    def outstanding(self) -> int:
        return sum(d.outstanding for d in self.dues)

    @property
    def interest_paid(self) -> int:
        return sum(d.interest_paid for d in self.dues)

    @property
    def interest_now(self) -> int:
        return sum(d.interest_now for d in self.dues)

    @property
    def to_pay(self) -> int:
        """What would settle everything today: dues and interest, less the credit (≥ 0)."""
        return max(0, self.outstanding + self.interest_now - self.credit)

    def overdue(self) -> tuple[Due, ...]:
        return tuple(d for d in self.dues if d.outstanding > 0 and d.due_on < self.on)


@dataclass
class _Open:
    """A due being settled: what is left, and the exact interest accrued so far."""

    due: Due
    accrued: Fraction = field(default_factory=Fraction)
    accrued_until: date | None = None
    """Interest is accrued up to and including this day (None: none yet, from the due day)."""

    def accrue(self, until: date, rates: Sequence[InterestRate]) -> None:
        start = (self.accrued_until or self.due.due_on) + timedelta(days=1)
        self.accrued += exact_interest(self.due.outstanding, start, until, rates)
        if until > (self.accrued_until or self.due.due_on):
            self.accrued_until = until


def settle(
    entries: Iterable[Entry],
    on: date,
    rates: Sequence[InterestRate] = (),
    threshold: int = DEFAULT_THRESHOLD,
) -> Settlement:
    """Apply the credits to the dues in time order, as of the day `on` (entries booked
    later are left out). Without `rates` no interest is charged."""
    booked = [e for e in entries if e.booked_on <= on]
    periods: dict[tuple[str, date], int] = {}
    booked_on: dict[tuple[str, date], date] = {}
    for e in booked:
        if e.is_charge:
            assert e.due_on is not None  # a charge always has one (`Entry` checks)
            key = (e.period or e.due_on.isoformat()[:7], e.due_on)
            periods[key] = periods.get(key, 0) + e.amount
            booked_on[key] = min(booked_on.get(key, e.booked_on), e.booked_on)
    # Events in time order: a month's charges on the day its first entry was booked, each
    # credit on its own day; on one day charges first, so a same-day payment pays them.
    events: list[tuple[date, int, int, tuple[str, date] | None]] = []
    for key, amount in periods.items():
        events.append((booked_on[key], 0, amount, key))
    for e in booked:
        if not e.is_charge:
            events.append((e.booked_on, 1, -e.amount, None))
    events.sort(key=lambda ev: (ev[0], ev[1], ev[3] or ("", date.min)))

    open_dues: list[_Open] = []
    closed: list[Due] = []
    credit = 0
    for day, _, amount, month in events:
        if month is not None:
            if amount <= 0:
                credit -= amount  # a month of refunds: money back to the payer's credit
                continue
            open_dues.append(_Open(Due(month[0], month[1], amount)))
            open_dues.sort(key=lambda o: (o.due.due_on, o.due.period))
        else:
            credit += amount
        credit = _pay(open_dues, closed, credit, day, rates, threshold)
    result = list(closed)
    for item in open_dues:
        item.accrue(on, rates)
        interest = max(0, chargeable(item.accrued, threshold) - item.due.interest_paid)
        result.append(replace(item.due, interest_now=interest))
    result.sort(key=lambda d: (d.due_on, d.period))
    return Settlement(tuple(result), credit, on)


def _pay(
    open_dues: list[_Open],
    closed: list[Due],
    credit: int,
    day: date,
    rates: Sequence[InterestRate],
    threshold: int,
) -> int:
    """Spend `credit` on the open dues, oldest first, on `day`; return what is left."""
    while credit > 0 and open_dues:
        item = open_dues[0]
        item.accrue(day, rates)
        if item.accrued > 0 and chargeable(item.accrued, threshold) == 0:
            item.accrued = Fraction(0)  # art. 54 § 1 pkt 5: up to the day paid, not charged at all
        interest = max(0, chargeable(item.accrued, threshold) - item.due.interest_paid)
        principal = item.due.outstanding
        if credit >= principal + interest:
            to_principal, to_interest = principal, interest
        else:  # art. 55 § 2: in the proportion principal : interest on the day of payment
            to_principal = min(round_half_up_div(credit * principal, principal + interest), principal - 1)
            to_interest = credit - to_principal
        item.due = replace(
            item.due,
            paid=item.due.paid + to_principal,
            interest_paid=item.due.interest_paid + to_interest,
            last_paid_on=day,
        )
        credit -= to_principal + to_interest
        if item.due.outstanding == 0:
            closed.append(item.due)
            open_dues.pop(0)
    return credit
