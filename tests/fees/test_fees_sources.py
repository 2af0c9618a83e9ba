"""Whose fee entries are in force (hub/rules/fees/sources.py): the gmina's resolution from
its dates, the kindergarten's own entry from its date and winning on the same date, the
defaults where nobody set anything, each entry marked by who set it."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from hub.rules.fees import FeeSettings, FirstHours, HourlyRate, MealPrice, MealSettings, StayRules
from hub.rules.fees.sources import FeeEntries, merge

DEFAULTS = FeeEntries.of(FeeSettings())
CITY = FeeEntries(
    rates=(HourlyRate(date(2026, 9, 1), Decimal("1.30"), "Uchwała nr XII/85/2026"),),
    rules=(StayRules(date(2026, 9, 1), FirstHours(5), rounding="minute"),),
    meal_prices=(MealPrice(date(2026, 9, 1), "obiad", Decimal("9.00")),),
)
LOCAL = FeeEntries(
    rates=(HourlyRate(date(2026, 11, 1), Decimal("1.20")), HourlyRate(date(2026, 9, 1), Decimal("1.10"))),
    meal_prices=(MealPrice(date(2026, 10, 1), "obiad", Decimal("8.50")),),
)
LATER_CITY = FeeEntries(rates=(HourlyRate(date(2027, 1, 1), Decimal("1.35"), "Uchwała nr XX/1/2027"),))


def test_the_gminas_entries_apply_from_their_dates_under_the_defaults() -> None:
    sourced = merge([("default", DEFAULTS), ("city", CITY)])
    fees = sourced.settings
    assert fees.rate_on(date(2026, 8, 31)).per_hour == Decimal("1.44")
    assert fees.rate_on(date(2026, 9, 1)).per_hour == Decimal("1.30")
    assert fees.rules_on(date(2026, 8, 31)) == StayRules()
    assert fees.rules_on(date(2026, 9, 1)).rounding == "minute"
    assert fees.meals.prices_on(date(2026, 9, 1)) == {"obiad": 900}
    assert [sourced.source_of(rate) for rate in fees.rates] == ["default", "city"]
    assert [sourced.source_of(rules) for rules in fees.rules] == ["default", "city"]


def test_a_local_entry_wins_on_its_date_and_holds_until_the_next_entry_whoever_set_it() -> None:
    sourced = merge([("default", DEFAULTS), ("city", CITY), ("city", LATER_CITY), ("local", LOCAL)])
    fees = sourced.settings
    by_day = {
        day: fees.rate_on(day).per_hour for day in (date(2026, 9, 1), date(2026, 11, 5), date(2027, 1, 4))
    }
    assert by_day == {
        date(2026, 9, 1): Decimal("1.10"),  # the same date as the gmina's: the local one wins
        date(2026, 11, 5): Decimal("1.20"),  # local, from its own date
        date(2027, 1, 4): Decimal("1.35"),  # the gmina's later resolution takes over from its date
    }
    assert [(rate.valid_from, sourced.source_of(rate)) for rate in fees.rates] == [
        (date(2024, 9, 1), "default"),
        (date(2026, 9, 1), "local"),
        (date(2026, 11, 1), "local"),
        (date(2027, 1, 1), "city"),
    ]
    assert fees.meals.prices_on(date(2026, 9, 15)) == {"obiad": 900}
    assert fees.meals.prices_on(date(2026, 10, 1)) == {"obiad": 850}
    assert [sourced.source_of(price) for price in fees.meals.prices] == ["city", "local"]


def test_the_meal_rules_stay_the_sites_own() -> None:
    own = MealSettings(cutoff=time(14, 0), cutoff_days_before=1, billing="in_arrears")
    meals = merge([("default", DEFAULTS), ("city", CITY)], own).settings.meals
    assert (meals.cutoff, meals.cutoff_days_before, meals.billing) == (time(14, 0), 1, "in_arrears")
    assert meals.prices == CITY.meal_prices


def test_a_stored_default_is_no_local_change() -> None:
    stored = FeeSettings(rates=(*FeeSettings().rates, HourlyRate(date(2026, 11, 1), Decimal("1.20"))))
    local = FeeEntries.of(stored).without(DEFAULTS)
    assert local == FeeEntries(rates=(HourlyRate(date(2026, 11, 1), Decimal("1.20")),))
    assert local.dates() == (date(2026, 11, 1),)
    assert LOCAL.on(date(2026, 10, 1)) == FeeEntries(meal_prices=LOCAL.meal_prices)
