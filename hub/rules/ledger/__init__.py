"""The money side of fees: each payer's ledger, its settlement, interest for arrears, the
individual bank account numbers and matching bank transfers to children.

Pure functions over frozen dataclasses, like `hub.rules.fees`: no storage, no clock, no I/O.
Money is whole grosze (`int`) end to end, never a float, never a typed balance.

How the money works (for the director and the accountant)
---------------------------------------------------------
1. **Charges.** Closing a month turns each child's statement into ledger entries: the stay
   fee, the meals, the refunds for meals cancelled in time (negative), the adjustments of
   earlier months. A co-payer's share (MOPS/OPS, an employer) is taken off the parents'
   ledger and charged to the co-payer's own one. All of them are due on the month's due
   day (the gmina's uchwała: e.g. the 15th of the next month).
2. **Payments.** Each child has an individual bank account number (the bank's prefix for
   virtual accounts and the child's number, with NRB check digits). A bank statement
   (MT940 or CSV) is imported: a transfer to a child's account is that child's payment;
   otherwise the title is searched for the child's name or statement number; the rest waits
   for the accountant to assign it.
3. **Balance** = charges − payments: what is owed (positive) or carried forward as an
   overpayment (negative). Payments settle the oldest month first.
4. **Arrears.** A month not paid by its due day is overdue; from the next day it carries
   interest as a tax arrear does (`interest.py`: dated rates, per day, not charged up to
   8,70 zł, rounded to full złoty), and a part payment pays the month and its interest in
   proportion (art. 55 § 2 Ordynacji podatkowej).

Worked example. October's fee 86,40 zł and meals 180,00 zł, less a refund of 24,00 zł for
meals cancelled in September: one due of 242,40 zł, payable by 15 XI 2026. The parent pays
100,00 zł on 10 XI (balance 142,40 zł) and 200,00 zł on 20 XII: the month is 35 days late
on 142,40 zł; at 11 % a year that is 142,40 × 35 × 11 % / 365 = 1,50 zł, which does not
exceed 8,70 zł, so no interest is charged; 142,40 zł pays the month and 57,60 zł is an
overpayment carried forward to November's charges.
"""

from hub.rules.ledger.account import (
    AccountNumberError,
    child_account,
    identifier_of,
    is_valid_account,
    printed,
)
from hub.rules.ledger.entries import (
    CHARGE_KINDS,
    CREDIT_KINDS,
    Entry,
    EntryKind,
    HistoryLine,
    balance,
    booking_order,
    charges,
    credits,
    history,
)
from hub.rules.ledger.interest import (
    DEFAULT_RATES,
    DEFAULT_THRESHOLD,
    InterestRate,
    chargeable,
    exact_interest,
    round_to_zloty,
)
from hub.rules.ledger.settle import Due, Settlement, settle

__all__ = [
    "CHARGE_KINDS",
    "CREDIT_KINDS",
    "DEFAULT_RATES",
    "DEFAULT_THRESHOLD",
    "AccountNumberError",
    "Due",
    "Entry",
    "EntryKind",
    "HistoryLine",
    "InterestRate",
    "Settlement",
    "balance",
    "booking_order",
    "chargeable",
    "charges",
    "child_account",
    "credits",
    "exact_interest",
    "history",
    "identifier_of",
    "is_valid_account",
    "printed",
    "round_to_zloty",
    "settle",
]
