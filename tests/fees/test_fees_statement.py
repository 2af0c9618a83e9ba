"""The monthly statement, closing a month with later corrections, and the accountant's summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fees_support import ANIA, CHILD_ID, MENU, at, correction, day, settings

from hub.rules.fees import (
    AbsenceReport,
    Adjustment,
    Child,
    FeeSettings,
    HourlyRate,
    MealPrice,
    MealSettings,
    adjustments,
    close_month,
    fee_summary,
    month_statement,
)

MARCH = [date(2026, 3, d) for d in (2, 3, 4, 5)]


def march_days(extra_correction: bool = False):  # type: ignore[no-untyped-def]
    """2 III 7:40–15:50 (3 h), 3 III 7:00–15:00 (3 h), 4 III arrival 7:30 and no departure
    (fixed later by a teacher: 16:00), 5 III absent."""
    fourth = [correction("d4", "add_departure", "16:00", on=MARCH[2])] if extra_correction else []
    return [
        day("07:40", "15:50", on=MARCH[0]),
        day("07:00", "15:00", on=MARCH[1]),
        day("07:30", on=MARCH[2], corrections=fourth),
        day(on=MARCH[3]),
    ]


def test_statement_lines_and_totals() -> None:
    fs = replace(settings(), meals=MealSettings(prices=MENU))
    st = month_statement(ANIA, 2026, 3, march_days(), fs)
    assert [d.day for d in st.days] == MARCH
    assert [d.fee for d in st.days] == [Decimal("4.32"), Decimal("4.32"), Decimal("0.00"), Decimal("0.00")]
    assert (st.minutes_present, st.minutes_free, st.minutes_paid, st.minutes_billed) == (970, 600, 370, 360)
    assert st.stay_fee == Decimal("8.64") == st.day_fees_sum
    assert st.incomplete_days == (MARCH[2],)
    assert st.meals_charged == 22 * Decimal("12.50")
    assert st.subtotal == st.total == Decimal("283.64")
    [band] = st.bands
    assert (band.rate.per_hour, band.days, band.minutes_billed, band.fee) == (
        Decimal("1.44"),
        4,
        360,
        Decimal("8.64"),
    )
    assert band.explain() == "6 h 00 min × 1,44\u00a0zł/h (od 2024-09-01) = 8,64\u00a0zł"
    text = "\n".join(st.settings_used)
    for needle in (
        "1,44\u00a0zł za godzinę",
        "08:00–13:00",
        "pełne godziny",
        "2028-09-01",
        "obiad 5,00\u00a0zł",
        "08:00",
    ):
        assert needle in text, needle


def test_rate_change_mid_month_gives_two_bands() -> None:
    """A gmina adopting 1,44 zł from 16 IX 2024 (not 1 IX): 13 IX at 1,30, 16 IX at 1,44."""
    fs = FeeSettings(
        rates=(HourlyRate(date(2023, 9, 1), Decimal("1.30")), HourlyRate(date(2024, 9, 16), Decimal("1.44")))
    )
    days = [day("07:00", "15:00", on=date(2024, 9, 13)), day("07:00", "15:00", on=date(2024, 9, 16))]
    st = month_statement(ANIA, 2024, 9, days, fs)
    assert [(b.rate.per_hour, b.minutes_billed, b.fee) for b in st.bands] == [
        (Decimal("1.30"), 180, Decimal("3.90")),
        (Decimal("1.44"), 180, Decimal("4.32")),
    ]
    assert st.stay_fee == Decimal("8.22")
    assert any(s.startswith("Od 2024-09-13 do 2024-09-13: Stawka: 1,30\u00a0zł") for s in st.settings_used)
    assert any(s.startswith("Od 2024-09-16 do 2024-09-16: Stawka: 1,44\u00a0zł") for s in st.settings_used)


def test_money_is_rounded_once_per_month_and_rate() -> None:
    """Per minute, ten days with 1 paid minute each (7:59–13:00) at 1,44 zł/h: each day is
    0,024 zł (shown as 0,02), the month is 10 min × 1,44 / 60 = 0,24 zł, not 0,20."""
    days = [day("07:59", "13:00", on=date(2026, 3, d)) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
    st = month_statement(ANIA, 2026, 3, days, settings(rounding="minute"))
    assert all(d.fee == Decimal("0.02") for d in st.days)
    assert st.day_fees_sum == Decimal("0.20")
    assert st.stay_fee == Decimal("0.24")
    assert st.rounding_difference == Decimal("0.04")


def test_statement_refuses_days_of_another_month_or_twice() -> None:
    with pytest.raises(ValueError, match="not in 2026-04"):
        month_statement(ANIA, 2026, 4, march_days(), settings())
    with pytest.raises(ValueError, match="two DayResults"):
        month_statement(ANIA, 2026, 3, [march_days()[0], march_days()[0]], settings())


# --- closing ----------------------------------------------------------------------------

CLOSED_AT = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


def test_late_corrections_become_adjustments_in_the_next_month() -> None:
    """March is closed with 4 III unbilled (no departure) and meals in arrears. Later a
    teacher adds the 16:00 departure (7:30–16:00: 30 + 180 paid → 3 h, +4,32 zł), and the
    secretary enters an absence on 10 III phoned in at 7:00 (−12,50 zł of meals)."""
    fs = FeeSettings(rates=settings().rates, meals=MealSettings(prices=MENU, billing="in_arrears"))
    closed = close_month(month_statement(ANIA, 2026, 3, march_days(), fs), CLOSED_AT, "dyrektor")
    phoned = AbsenceReport(CHILD_ID, date(2026, 3, 10), at(date(2026, 3, 10), "07:00"), by="sekretariat")
    now = month_statement(ANIA, 2026, 3, march_days(extra_correction=True), fs, absences=[phoned])
    found = adjustments(closed, now)
    assert [(a.day, a.kind, a.amount) for a in found] == [
        (date(2026, 3, 4), "stay", Decimal("4.32")),
        (date(2026, 3, 10), "meal", Decimal("-5.00")),
        (date(2026, 3, 10), "meal", Decimal("-3.50")),
        (date(2026, 3, 10), "meal", Decimal("-4.00")),
    ]
    assert all((a.year, a.month) == (2026, 3) for a in found)
    assert "2026-03-04" in found[0].description and "0 h 00 min → 3 h 00 min" in found[0].description
    assert sum(a.amount for a in found) == now.subtotal - closed.statement.subtotal == Decimal("-8.18")
    april = month_statement(ANIA, 2026, 4, [], fs, adjustments=found)
    assert april.adjustments == found
    assert april.total == april.subtotal - Decimal("8.18")
    # the closed statement itself is untouched
    assert closed.statement.stay_fee == Decimal("8.64") and closed.closed_by == "dyrektor"


def test_no_change_no_adjustment() -> None:
    st = month_statement(ANIA, 2026, 3, march_days(), settings())
    assert adjustments(close_month(st, CLOSED_AT, "dyrektor"), st) == ()


def test_per_minute_correction_carries_a_rounding_line() -> None:
    """Per minute: 2 III goes from 1 to 2 paid minutes. The day line is 0,02 → 0,05 (+0,03),
    the month 10 → 11 min: 0,24 → 0,26 (+0,02); a rounding line of −0,01 makes it exact."""
    workdays = (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)
    fs = settings(rounding="minute")
    before = [day("07:59", "13:00", on=date(2026, 3, d)) for d in workdays]
    after = [day("07:58", "13:00", on=date(2026, 3, 2)), *before[1:]]
    closed = close_month(month_statement(ANIA, 2026, 3, before, fs), CLOSED_AT, "dyrektor")
    found = adjustments(closed, month_statement(ANIA, 2026, 3, after, fs))
    assert [(a.kind, a.amount) for a in found] == [("stay", Decimal("0.03")), ("rounding", Decimal("-0.01"))]


def test_closing_checks() -> None:
    st = month_statement(ANIA, 2026, 3, march_days(), settings())
    with pytest.raises(ValueError, match="who closed"):
        close_month(st, CLOSED_AT, " ")
    with pytest.raises(ValueError, match="aware"):
        close_month(st, datetime(2026, 4, 2), "dyrektor")
    other = month_statement(ANIA, 2026, 4, [], settings())
    with pytest.raises(ValueError, match="different"):
        adjustments(close_month(st, CLOSED_AT, "dyrektor"), other)


# --- the accountant's summary -------------------------------------------------------------


def test_summary_matches_the_statements_and_totals_per_group() -> None:
    fs = FeeSettings(rates=settings().rates, meals=MealSettings(prices=MENU))
    jas = Child(8, "Jaś Nowak", "Motylki", birth_date=date(2019, 6, 1), card_number="31")  # exempt by age
    ola = Child(9, "Ola Wiśniewska", "Żabki", meals=frozenset({"obiad"}), card_number="7")
    piotr = Child(10, "Piotr Zając", "Żabki", enrolled_from=date(2026, 3, 16))
    kids = [ola, ANIA, piotr, jas]
    days = {
        CHILD_ID: march_days(),
        8: [day("07:00", "16:00", on=MARCH[0], child=8)],
        9: [day("06:45", "16:30", on=d, child=9) for d in MARCH],
        10: [],
    }
    absences = [AbsenceReport(9, date(2026, 2, 27), at(date(2026, 2, 27), "07:00"))]
    adj = [Adjustment(9, 2026, 2, date(2026, 2, 27), "stay", "Korekta pobytu 2026-02-27", Decimal("1.44"))]
    summary = fee_summary(
        kids, [d for ds in days.values() for d in ds], 2026, 3, fs, absences=absences, adjustments=adj
    )
    assert [r.name for r in summary.rows] == ["Ania Kowalska", "Jaś Nowak", "Ola Wiśniewska", "Piotr Zając"]
    for row, child in zip(summary.rows, [ANIA, jas, ola, piotr], strict=True):
        st = month_statement(child, 2026, 3, days[child.child_id], fs, absences=absences, adjustments=adj)
        assert (row.minutes_billed, row.stay_fee) == (st.minutes_billed, st.stay_fee), child.name
        assert (row.meals_charged, row.meals_refunded) == (st.meals_charged, st.meals_refunded), child.name
        assert (row.adjustments, row.total) == (st.adjustments_total, st.total), child.name
        assert row.incomplete_days == len(st.incomplete_days)
    ania, jas_row, ola_row, piotr_row = summary.rows
    assert (ania.stay_fee, ania.incomplete_days, ania.card_number) == (Decimal("8.64"), 1, "12")
    assert jas_row.stay_fee == Decimal("0.00")
    # Ola: 6:45–16:30 = 75 + 210 paid → 4 full hours a day, 4 days: 16 h × 1,44 = 23,04
    assert (ola_row.minutes_billed, ola_row.stay_fee) == (960, Decimal("23.04"))
    assert ola_row.meals_charged == 22 * Decimal("5.00")
    assert ola_row.meals_refunded == Decimal("5.00")  # obiad of 27 II, reported in time
    assert ola_row.adjustments == Decimal("1.44")
    assert piotr_row.meals_charged == 12 * Decimal("12.50")
    motylki, zabki = summary.groups
    assert (motylki.group, motylki.children, zabki.children) == ("Motylki", 2, 2)
    assert motylki.total == ania.total + jas_row.total
    assert summary.total.total == motylki.total + zabki.total
    assert summary.total.stay_fee == Decimal("31.68")


def test_summary_refuses_unknown_children() -> None:
    with pytest.raises(ValueError, match="not among"):
        fee_summary([], march_days(), 2026, 3, settings())


def test_week_of_march_summary_is_quick_enough_to_scale() -> None:
    """Not a timing test: a smoke check that a whole group's month goes through the fast path."""
    fs = FeeSettings(
        rates=settings().rates,
        meals=MealSettings(prices=(MealPrice(date(2025, 9, 1), "obiad", Decimal("5")),)),
    )
    children = [Child(i, f"Dziecko {i}", f"G{i % 3}") for i in range(30)]
    start = date(2026, 3, 2)
    days = [
        day("07:00", "16:00", on=start + timedelta(days=k), child=c.child_id)
        for c in children
        for k in range(5)
    ]
    summary = fee_summary(children, days, 2026, 3, fs)
    assert summary.total.children == 30 and summary.total.minutes_billed == 30 * 5 * 240


def test_the_package_docstring_example() -> None:
    """hub.rules.fees' worked example: 20 days of 7:40–15:50 at 1,44 zł/h. Per full hour 60 h →
    86,40 zł; per minute 20 × 190 min = 3800 min → 91,20 zł; per started hour 80 h → 115,20 zł."""
    workdays = [d for d in (date(2026, 3, n) for n in range(2, 31)) if d.weekday() < 5][:20]
    days = [day("07:40", "15:50", on=d) for d in workdays]
    expected = {"full_hour": "86.40", "minute": "91.20", "started_hour": "115.20"}
    for rounding, amount in expected.items():
        st = month_statement(ANIA, 2026, 3, days, settings(rounding=rounding))
        assert st.stay_fee == Decimal(amount), rounding
        assert st.rounding_difference == 0
