"""The ledger's rules: worked examples (part payments, overpayment, interest over a rate
change, the small-amount rule) and the invariants for any order of entries."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.rules.ledger import (
    DEFAULT_RATES,
    AccountNumberError,
    Entry,
    InterestRate,
    balance,
    chargeable,
    charges,
    child_account,
    credits,
    exact_interest,
    history,
    identifier_of,
    is_valid_account,
    printed,
    round_to_zloty,
    settle,
)

OCT_DUE = date(2026, 11, 15)


def charge(kind: str, amount: int, period: str = "2026-10", due: date = OCT_DUE, booked: date | None = None):
    return Entry(kind, amount, booked or due.replace(day=1), f"{kind} {period}", due, period)  # type: ignore[arg-type]


def payment(amount: int, on: date, kind: str = "payment") -> Entry:
    return Entry(kind, -amount, on, "przelew")  # type: ignore[arg-type]


OCTOBER = [charge("stay", 8640), charge("meals", 18000), charge("meal_refund", -2400)]


def test_the_readme_example_part_payment_then_overpayment_carried_forward() -> None:
    entries = [*OCTOBER, payment(10000, date(2026, 11, 10))]
    first = settle(entries, date(2026, 11, 30), DEFAULT_RATES)
    assert (first.outstanding, first.credit, balance(entries)) == (14240, 0, 14240)
    assert first.overdue()[0].days_late(date(2026, 11, 30)) == 15
    entries.append(payment(20000, date(2026, 12, 20)))
    later = settle(entries, date(2026, 12, 31), DEFAULT_RATES)
    # 142,40 zł × 35 days × 11 % / 365 = 1,50 zł: not over 8,70 zł, so not charged
    assert exact_interest(14240, date(2026, 11, 16), date(2026, 12, 20), DEFAULT_RATES) == Fraction(
        14240 * 35 * 1100, 10_000 * 365
    )
    assert (later.outstanding, later.interest_paid, later.credit) == (0, 0, 5760)
    assert balance(entries) == -5760
    november = [*entries, charge("stay", 8640, "2026-11", date(2026, 12, 15), date(2026, 12, 1))]
    # the overpayment, carried forward, pays November as soon as it is booked
    assert settle(november, date(2027, 1, 31), DEFAULT_RATES).outstanding == 8640 - 5760


def test_interest_over_a_rate_change_is_two_products_rounded_once() -> None:
    """1 000,00 zł due 30 IX 2025, paid 31 X 2025: 8 days at 12,5 % (1–8 X), 23 at 12 %."""
    exact = exact_interest(100_000, date(2025, 10, 1), date(2025, 10, 31), DEFAULT_RATES)
    assert exact == Fraction(100_000 * (8 * 1250 + 23 * 1200), 10_000 * 365)  # 1 032,88… grosze
    assert chargeable(exact) == 1000  # 10,33 zł > 8,70 zł, rounded to full złoty: 10 zł
    due = Entry("stay", 100_000, date(2025, 9, 1), "wrzesień", date(2025, 9, 30), "2025-09")
    paid = settle([due, payment(101_000, date(2025, 10, 31))], date(2025, 10, 31), DEFAULT_RATES)
    assert (paid.dues[0].paid, paid.dues[0].interest_paid, paid.credit) == (100_000, 1000, 0)


def test_a_part_payment_is_split_in_proportion_between_the_due_and_its_interest() -> None:
    """Art. 55 § 2: 2 000,00 zł owed with 60,00 zł interest; 1 030,00 zł paid pays half of each."""
    rates = [InterestRate(date(2020, 1, 1), 1095)]  # 10,95 %: 60 gr a day on 2 000 zł
    due = Entry("stay", 200_000, date(2026, 1, 1), "styczeń", date(2026, 1, 10), "2026-01")
    # 11 I – 20 IV: 100 days; 200 000 gr × 100 × 10,95 % / 365 = 6 000 gr
    state = settle([due, payment(103_000, date(2026, 4, 20))], date(2026, 4, 20), rates)
    assert (state.dues[0].paid, state.dues[0].interest_paid) == (100_000, 3000)
    assert state.dues[0].outstanding == 100_000


def test_small_interest_is_not_charged_and_the_rest_is_rounded_to_full_zloty() -> None:
    assert chargeable(Fraction(870)) == 0  # exactly 8,70 zł: not charged
    assert chargeable(Fraction(871)) == 900  # 8,71 zł: charged, rounded up to 9 zł
    assert round_to_zloty(1249) == 1200 and round_to_zloty(1250) == 1300


def test_the_oldest_due_is_paid_first() -> None:
    september = charge("stay", 5000, "2026-09", date(2026, 10, 15))
    state = settle([september, *OCTOBER, payment(6000, date(2026, 11, 20))], date(2026, 11, 20))
    assert [(d.period, d.outstanding) for d in state.dues] == [("2026-09", 0), ("2026-10", 23240)]


def test_history_keeps_a_running_balance_and_a_write_off_closes_a_due() -> None:
    entries = [*OCTOBER, payment(24000, date(2026, 11, 14)), payment(240, date(2026, 12, 1), "write_off")]
    assert [line.balance for line in history(entries)] == [8640, 26640, 24240, 240, 0]
    assert settle(entries, date(2027, 1, 1), DEFAULT_RATES).to_pay == 0


def test_entries_refuse_floats_and_wrong_signs() -> None:
    with pytest.raises(ValueError, match="whole grosze"):
        Entry("stay", 86.4, date(2026, 11, 1), "x", OCT_DUE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be"):
        payment(-100, date(2026, 11, 1))
    with pytest.raises(ValueError, match="due"):
        Entry("stay", 100, date(2026, 11, 1), "x")


def test_individual_account_numbers_carry_valid_check_digits() -> None:
    number = child_account("1090 1014 0000 0712", 42)
    assert is_valid_account(number) and len(number) == 26
    assert printed(number) == "61 1090 1014 0000 0712 0000 0042"
    assert identifier_of("10901014 00000712", number) == 42
    assert identifier_of("10901014 00000713", number) is None
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid_account(broken) and identifier_of("1090101400000712", broken) is None
    with pytest.raises(AccountNumberError):
        child_account("1090", 1)
    with pytest.raises(AccountNumberError):
        child_account("10901014000007120000", 123456)


# --- properties ------------------------------------------------------------------------

DAY0 = date(2026, 1, 1)


@st.composite
def ledgers(draw) -> list[Entry]:
    entries = []
    for month in range(draw(st.integers(0, 6))):
        due = DAY0 + timedelta(days=31 * month + 45)
        for kind in draw(
            st.lists(st.sampled_from(["stay", "meals", "meal_refund", "adjustment"]), max_size=4)
        ):
            amount = draw(st.integers(0, 50_000))
            amount = -amount if kind == "meal_refund" else amount
            if kind == "adjustment":
                amount = draw(st.integers(-5_000, 5_000))
            entries.append(Entry(kind, amount, due - timedelta(days=14), kind, due, f"m{month}"))  # type: ignore[arg-type]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["payment", "payment", "write_off", "payout"]))
        amount = draw(st.integers(0, 60_000))
        day = DAY0 + timedelta(days=draw(st.integers(0, 300)))
        entries.append(Entry(kind, amount if kind == "payout" else -amount, day, kind))  # type: ignore[arg-type]
    return [replace(e, entry_id=i) for i, e in enumerate(entries)]


@given(ledgers(), st.randoms(use_true_random=False))
def test_balance_is_charges_less_payments_in_any_order(entries: list[Entry], rnd: random.Random) -> None:
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    assert balance(shuffled) == balance(entries) == charges(entries) - credits(entries)
    assert history(shuffled) == history(entries)
    on = DAY0 + timedelta(days=400)
    assert settle(shuffled, on) == settle(entries, on)
    assert settle(shuffled, on, DEFAULT_RATES) == settle(entries, on, DEFAULT_RATES)
    no_interest = settle(entries, on)
    assert no_interest.outstanding - no_interest.credit == balance(entries)


@given(ledgers())
def test_with_interest_what_is_owed_is_the_balance_plus_interest_paid(entries: list[Entry]) -> None:
    state = settle(entries, DAY0 + timedelta(days=400), DEFAULT_RATES)
    assert state.outstanding - state.credit == balance(entries) + state.interest_paid
    assert all(0 <= d.paid <= d.amount and d.interest_paid >= 0 for d in state.dues)


def test_interest_under_the_threshold_at_a_part_payment_is_not_charged_later() -> None:
    """2 000 zł due 10 I; 1 000 zł paid 20 I (10 days: 6,00 zł, not over 8,70 zł: waived); the
    other 1 000 zł paid 30 IV (100 days on 1 000 zł: 30,00 zł): only the 30 zł is owed."""
    rates = [InterestRate(date(2020, 1, 1), 1095)]
    due = Entry("stay", 200_000, date(2026, 1, 1), "styczeń", date(2026, 1, 10), "2026-01")
    state = settle([due, payment(100_000, date(2026, 1, 20))], date(2026, 4, 30), rates)
    assert (state.dues[0].interest_paid, state.dues[0].outstanding, state.interest_now) == (0, 100_000, 3000)
