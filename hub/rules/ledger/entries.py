"""A child's ledger: entries in whole grosze, and the balance and history derived from them.

An entry is signed from the payer's side: positive, the payer owes more (a month's stay fee,
its meals, an adjustment that adds); negative, they owe less (a meal refund, a payment, a
write-off). Money paid back to the payer (`payout`) is positive again: it undoes a credit.
Nothing is ever typed as a balance: it is the sum of the entries, and the history is the
running sum in booking order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

EntryKind = Literal[
    "stay", "meals", "meal_refund", "adjustment", "copayer_share", "payment", "write_off", "payout"
]
CHARGE_KINDS: frozenset[str] = frozenset({"stay", "meals", "meal_refund", "adjustment", "copayer_share"})
"""What a closed month bills (a meal refund and a co-payer's share are negative charges)."""
CREDIT_KINDS: frozenset[str] = frozenset({"payment", "write_off", "payout"})
"""Money that settles charges (a payout, money returned, is a negative credit)."""
SIGNS: dict[str, int] = {
    "stay": 1, "meals": 1, "meal_refund": -1, "adjustment": 0, "copayer_share": 0,
    "payment": -1, "write_off": -1, "payout": 1,
}  # fmt: skip
"""The sign an entry of each kind must have (0: either: an adjustment adds or takes off; a
co-payer's share is taken off the parents' ledger and charged on the co-payer's)."""


@dataclass(frozen=True)
class Entry:
    """One line of a payer's ledger. `booked_on`: the day it counts from (the month's closing
    for charges, the bank's booking day for a payment); `due_on`: when a charge must be paid
    (None for credits); `period`: the month a charge bills, `"2026-10"`."""

    kind: EntryKind
    amount: int
    """Grosze, signed (see the module's docstring)."""
    booked_on: date
    description: str
    due_on: date | None = None
    period: str | None = None
    entry_id: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise ValueError(f"a ledger amount is whole grosze (int), got {self.amount!r}")
        if self.kind not in SIGNS:
            raise ValueError(f"unknown ledger entry kind {self.kind!r}")
        sign = SIGNS[self.kind]
        if sign and self.amount * sign < 0:
            raise ValueError(f"a {self.kind} entry cannot be {self.amount} grosze")
        if self.kind in CHARGE_KINDS and self.due_on is None:
            raise ValueError("a charge needs the day it is due")

    @property
    def is_charge(self) -> bool:
        return self.kind in CHARGE_KINDS


@dataclass(frozen=True)
class HistoryLine:
    entry: Entry
    balance: int
    """The running balance after this entry, in grosze (positive: owed; negative: credit)."""


def booking_order(entries: Iterable[Entry]) -> list[Entry]:
    """Entries by booking day, charges before credits on the same day, then by id."""
    return sorted(entries, key=lambda e: (e.booked_on, not e.is_charge, e.entry_id))


def balance(entries: Iterable[Entry]) -> int:
    """What the payer owes now, in grosze; negative is a credit carried forward."""
    return sum(e.amount for e in entries)


def charges(entries: Iterable[Entry]) -> int:
    return sum(e.amount for e in entries if e.is_charge)


def credits(entries: Iterable[Entry]) -> int:
    """Payments and write-offs less payouts, as a positive number of grosze."""
    return -sum(e.amount for e in entries if not e.is_charge)


def history(entries: Iterable[Entry]) -> list[HistoryLine]:
    """Every entry with the balance after it, in booking order."""
    running = 0
    lines = []
    for entry in booking_order(entries):
        running += entry.amount
        lines.append(HistoryLine(entry, running))
    return lines
