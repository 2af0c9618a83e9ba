"""Poland's public holidays as the `holidays` package knows them, year by year."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from hub.rules.attendance import day_off_reason, public_holidays
from hub.rules.attendance.statutory_holidays import polish_public_holidays


@pytest.mark.parametrize("year", range(1990, 2101))
def test_every_year_matches_the_holidays_package(year: int) -> None:
    expected = holidays.country_holidays("PL", years=year, language="pl")
    assert polish_public_holidays(year) == dict(sorted(expected.items()))


def test_the_statutes_changes_and_one_off_days() -> None:
    assert date(2010, 1, 6) not in public_holidays(2010)
    assert public_holidays(2011)[date(2011, 1, 6)] == "Święto Trzech Króli"
    assert date(2024, 12, 24) not in public_holidays(2024)
    assert day_off_reason(date(2025, 12, 24)) == "Wigilia Bożego Narodzenia"
    assert day_off_reason(date(2018, 11, 12)) == "Narodowe Święto Niepodległości - 100-lecie"
    assert day_off_reason(date(2019, 11, 12)) is None
    assert day_off_reason(date(2026, 6, 4)) == "Dzień Bożego Ciała"  # Easter + 60 days
