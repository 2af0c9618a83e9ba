"""Meals: charges for expected days, the cut-off, refunds next month, the kitchen's count."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

from fees_support import ANIA, CHILD_ID, MENU, SEPT_2025, WARSAW, at

from hub.rules.fees import (
    AbsenceReport,
    Child,
    FeeSettings,
    MealPrice,
    MealSettings,
    daily_meal_count,
    index_absences,
    month_statement,
    reported_in_time,
)

MARCH_DAYS = 22  # working days of March 2026 (no holidays)
APRIL_DAYS = 21  # April 2026: Easter Monday (6 IV) is a holiday


def report(day: date, when: datetime, child: int = CHILD_ID) -> AbsenceReport:
    return AbsenceReport(child, day, when, by="mama")


ABSENCES = (
    report(date(2026, 3, 10), at(date(2026, 3, 10), "07:30")),  # in time, during March
    report(date(2026, 3, 11), at(date(2026, 3, 11), "08:15")),  # after the 08:00 cut-off
    report(date(2026, 3, 12), at(date(2026, 2, 20), "19:00")),  # in time, before March began
)


def meals_settings(**kw: object) -> FeeSettings:
    return FeeSettings(meals=MealSettings(prices=MENU, **kw))  # type: ignore[arg-type]


def statement(year: int, month: int, fs: FeeSettings, child: Child = ANIA, absences=ABSENCES):  # type: ignore[no-untyped-def]
    return month_statement(child, year, month, [], fs, absences=absences)


def test_cut_off_is_strict() -> None:
    meals = MealSettings(prices=MENU)
    tuesday = date(2026, 3, 10)
    assert reported_in_time(report(tuesday, at(tuesday, "07:59")), meals, WARSAW)
    assert not reported_in_time(report(tuesday, at(tuesday, "08:00")), meals, WARSAW)


def test_cut_off_the_day_before() -> None:
    meals = MealSettings(prices=MENU, cutoff=time(14, 0), cutoff_days_before=1)
    tuesday, monday = date(2026, 3, 10), date(2026, 3, 9)
    assert reported_in_time(report(tuesday, at(monday, "13:59")), meals, WARSAW)
    assert not reported_in_time(report(tuesday, at(monday, "14:00")), meals, WARSAW)
    assert not reported_in_time(report(tuesday, at(tuesday, "07:00")), meals, WARSAW)


def test_in_advance_charges_the_month_and_refunds_the_next() -> None:
    """March: 22 days, less 12 III (reported in February) = 21 × 12,50 = 262,50. The 10 III
    absence (reported in time during March) is refunded in April; 11 III was reported late."""
    fs = meals_settings()
    march = statement(2026, 3, fs)
    assert march.meals_charged == Decimal("262.50") == 21 * Decimal("12.50")
    assert march.meals_refunded == Decimal("0.00")
    assert march.late_absences == (date(2026, 3, 11),)
    assert date(2026, 3, 12) not in {m.day for m in march.meals}
    april = statement(2026, 4, fs)
    assert april.meals_charged == APRIL_DAYS * Decimal("12.50") == Decimal("262.50")
    assert april.meals_refunded == Decimal("12.50")
    refunds = [(m.day, m.meal, m.price) for m in april.meals if m.kind == "refund"]
    assert refunds == [
        (date(2026, 3, 10), "obiad", Decimal("5.00")),
        (date(2026, 3, 10), "podwieczorek", Decimal("3.50")),
        (date(2026, 3, 10), "śniadanie", Decimal("4.00")),
    ]
    assert april.total == Decimal("250.00")


def test_in_arrears_charges_only_meals_not_cancelled_in_time() -> None:
    fs = meals_settings(billing="in_arrears")
    march = statement(2026, 3, fs)
    assert march.meals_charged == (MARCH_DAYS - 2) * Decimal("12.50") == Decimal("250.00")
    assert statement(2026, 4, fs).meals_refunded == Decimal("0.00")


def test_absence_before_vs_after_the_cut_off() -> None:
    """The same absence, reported at 7:59 or at 8:01: refunded next month, or not."""
    tuesday = date(2026, 3, 10)
    fs = meals_settings()
    on_time = statement(2026, 4, fs, absences=[report(tuesday, at(tuesday, "07:59"))])
    too_late = statement(2026, 4, fs, absences=[report(tuesday, at(tuesday, "08:01"))])
    assert on_time.meals_refunded == Decimal("12.50")
    assert too_late.meals_refunded == Decimal("0.00")
    assert statement(2026, 3, fs, absences=[report(tuesday, at(tuesday, "08:01"))]).late_absences == (
        tuesday,
    )


def test_child_with_one_meal_type() -> None:
    obiad_only = replace(ANIA, meals=frozenset({"obiad"}))
    assert statement(2026, 3, meals_settings(), obiad_only, ()).meals_charged == MARCH_DAYS * Decimal("5.00")


def test_refund_at_the_price_of_the_day_missed() -> None:
    """Obiad costs 5,00 until 13 III and 6,00 from 16 III 2026; an in-time absence on 10 III
    is refunded at 5,00 in April."""
    menu = (
        MealPrice(SEPT_2025, "obiad", Decimal("5.00")),
        MealPrice(date(2026, 3, 16), "obiad", Decimal("6.00")),
    )
    fs = FeeSettings(meals=MealSettings(prices=menu))
    absences = [report(date(2026, 3, 10), at(date(2026, 3, 10), "07:00"))]
    march = statement(2026, 3, fs, absences=absences)
    assert march.meals_charged == 10 * Decimal("5.00") + 12 * Decimal("6.00")
    assert statement(2026, 4, fs, absences=absences).meals_refunded == Decimal("5.00")


def test_meal_no_longer_served() -> None:
    menu = (*MENU, MealPrice(date(2026, 3, 16), "podwieczorek", None))
    fs = FeeSettings(meals=MealSettings(prices=menu))
    charged = statement(2026, 3, fs, absences=()).meals_charged
    assert charged == 10 * Decimal("12.50") + 12 * Decimal("9.00")


def test_enrolment_limits_the_expected_days() -> None:
    joined = replace(ANIA, enrolled_from=date(2026, 3, 16))
    assert statement(2026, 3, meals_settings(), joined, ()).meals_charged == 12 * Decimal("12.50")
    left = replace(ANIA, enrolled_until=date(2026, 3, 13))
    assert statement(2026, 4, meals_settings(), left, ABSENCES).meals_charged == Decimal("0.00")
    # the 10 III refund still reaches the child who left at the end of the week
    assert statement(2026, 4, meals_settings(), left, ABSENCES).meals_refunded == Decimal("12.50")


def test_kitchen_count() -> None:
    """10 III 2026: Ania and Jaś (obiad only) in Motylki; Ola in Żabki reported absent in
    time; Jaś's report came too late, so his meal is cooked."""
    tuesday = date(2026, 3, 10)
    ola = Child(8, "Ola", "Żabki")
    jas = Child(9, "Jaś", "Motylki", meals=frozenset({"obiad"}))
    meals = MealSettings(prices=MENU)
    index = index_absences(
        [report(tuesday, at(tuesday, "07:00"), child=8), report(tuesday, at(tuesday, "09:00"), child=9)],
        meals,
        WARSAW,
    )
    count = daily_meal_count([ANIA, ola, jas], tuesday, meals, index)
    assert count == {"Motylki": {"śniadanie": 1, "obiad": 2, "podwieczorek": 1}}
    assert daily_meal_count([ANIA], date(2026, 3, 14), meals, index) == {}  # Saturday
    assert daily_meal_count([ANIA], tuesday, meals, index, frozenset({tuesday})) == {}  # closed
