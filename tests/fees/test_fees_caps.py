"""The legal cap table, its indexation, and the warnings for rates above it."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from hub.rules.fees import (
    LEGAL_CAPS,
    FeeSettings,
    FirstHours,
    FixedWindow,
    HourlyRate,
    StayRules,
    cap_on,
    check_rates,
    check_settings,
    indexed_cap,
)
from hub.rules.fees.money import (
    format_amount,
    format_minutes,
    format_pln,
    round_half_up_div,
    stay_fee_grosz,
    to_grosz,
)


def test_cap_in_force_by_date() -> None:
    assert cap_on(date(2024, 8, 31)).per_hour == Decimal("1.30")  # type: ignore[union-attr]
    assert cap_on(date(2024, 9, 1)).per_hour == Decimal("1.44")  # type: ignore[union-attr]
    assert cap_on(date(2026, 11, 23)).per_hour == Decimal("1.44")  # type: ignore[union-attr]
    assert cap_on(date(2022, 9, 1)).per_hour == Decimal("1.14")  # type: ignore[union-attr]
    assert cap_on(date(2013, 8, 31)) is None
    assert [c.valid_from.month for c in LEGAL_CAPS] == [9, 9, 9, 9]


def test_indexation_rounds_down_to_the_grosz() -> None:
    assert indexed_cap(Decimal("1.30"), Decimal("1.114")) == Decimal("1.44")  # 1,4482
    assert indexed_cap(Decimal("1.00"), Decimal("1.145")) == Decimal("1.14")  # 1,145


def test_default_rate_is_the_cap() -> None:
    assert check_rates(FeeSettings().rates) == ()
    assert check_settings(FeeSettings()) == ()


def test_rate_above_the_cap_in_force_is_warned_for_exactly_those_days() -> None:
    """1,44 zł adopted already from 1 I 2024 exceeds the 1,30 cap until 31 VIII 2024 only."""
    rates = (HourlyRate(date(2024, 1, 1), Decimal("1.44")),)
    (warning,) = check_rates(rates)
    assert (warning.start, warning.end) == (date(2024, 1, 1), date(2024, 8, 31))
    assert warning.cap.per_hour == Decimal("1.30")
    assert "przekracza" in warning.message and "1.30" in warning.message


def test_rate_above_every_cap_is_open_ended() -> None:
    rates = (HourlyRate(date(2024, 9, 1), Decimal("1.50")),)
    (warning,) = check_rates(rates)
    assert (warning.start, warning.end) == (date(2024, 9, 1), None)


def test_one_rate_over_several_caps_is_warned_once_per_cap() -> None:
    rates = (HourlyRate(date(2020, 1, 1), Decimal("2.00")),)
    warnings = check_rates(rates)
    assert [(w.start, w.end, w.cap.per_hour) for w in warnings] == [
        (date(2020, 1, 1), date(2022, 8, 31), Decimal("1.00")),
        (date(2022, 9, 1), date(2023, 8, 31), Decimal("1.14")),
        (date(2023, 9, 1), date(2024, 8, 31), Decimal("1.30")),
        (date(2024, 9, 1), None, Decimal("1.44")),
    ]


def test_free_time_shorter_than_5_hours_is_warned() -> None:
    fs = FeeSettings(
        rules=(
            StayRules(free_period=FixedWindow(time(8), time(12))),
            StayRules(valid_from=date(2025, 9, 1), free_period=FirstHours(6)),
        )
    )
    (warning,) = check_settings(fs)
    assert "5 godzin" in warning


def test_settings_refuse_floats_fractions_of_grosz_and_duplicates() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        HourlyRate(date(2024, 9, 1), 1.44)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grosz"):
        HourlyRate(date(2024, 9, 1), Decimal("1.445"))
    with pytest.raises(ValueError, match="share valid_from"):
        same = HourlyRate(date(2024, 9, 1), Decimal("1"))
        FeeSettings(rates=(same, same))
    with pytest.raises(ValueError, match="rounding"):
        StayRules(rounding="nearest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grace"):
        StayRules(grace_minutes=-1)
    with pytest.raises(ValueError, match="before its end"):
        FixedWindow(time(13), time(8))


def test_money_helpers() -> None:
    assert to_grosz(Decimal("1.44")) == 144
    assert stay_fee_grosz(144, 1) == 2  # 0,024 zł → 0,02
    assert stay_fee_grosz(30, 1) == 1  # 0,005 zł: a tie, rounded half up
    assert stay_fee_grosz(144, 190) == 456
    assert round_half_up_div(-30, 60) == -1
    assert format_pln(Decimal("1234.5")) == "1\u00a0234,50\u00a0zł"
    assert format_pln(Decimal("-0.96")) == "-0,96\u00a0zł"
    assert format_minutes(125) == "2 h 05 min"


@pytest.mark.parametrize(
    ("amount", "polish", "english"),
    [
        # half a grosz rounds up, never to even (Babel alone would give 0,00, 0,12, 2,50)
        ("0.005", "0,01", "0.01"),
        ("0.125", "0,13", "0.13"),
        ("2.505", "2,51", "2.51"),
        ("-0.005", "-0,01", "-0.01"),
        ("0.0049", "0,00", "0.00"),
        # thousands apart by a no-break space in Polish, a comma in English
        ("999.99", "999,99", "999.99"),
        ("1000", "1\u00a0000,00", "1,000.00"),
        ("1234567.125", "1\u00a0234\u00a0567,13", "1,234,567.13"),
    ],
)
def test_amounts_round_half_up_then_follow_the_language(amount: str, polish: str, english: str) -> None:
    assert format_amount(Decimal(amount)) == polish
    assert format_amount(Decimal(amount), "en") == english
    assert format_pln(Decimal(amount)) == f"{polish}\u00a0zł"
