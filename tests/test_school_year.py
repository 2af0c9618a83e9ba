"""The school year (`hub/rules/school_year.py`), which fees, statistics, messages, retention and
the readiness information all ask: 1 September to 31 August, named by the year it starts in."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.rules.school_year import school_year_end, school_year_label, school_year_of, school_year_start


def test_31_august_ends_one_school_year_and_1_september_starts_the_next() -> None:
    assert school_year_of(date(2026, 8, 31)) == 2025
    assert school_year_of(date(2026, 9, 1)) == 2026
    assert school_year_of(date(2027, 1, 1)) == 2026
    assert school_year_of(date(2027, 8, 31)) == 2026


def test_a_school_years_first_and_last_days_and_its_label() -> None:
    assert school_year_start(2025) == date(2025, 9, 1)
    assert school_year_end(2025) == date(2026, 8, 31)
    assert school_year_label(2025) == "2025/2026"


@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)))
def test_every_day_lies_in_its_school_year_and_the_years_follow_each_other(day: date) -> None:
    year = school_year_of(day)
    assert school_year_start(year) <= day <= school_year_end(year)
    assert school_year_start(year + 1) == school_year_end(year) + timedelta(days=1)


def test_it_imports_nothing_of_the_hub() -> None:
    """Any command may ask it (a cold `day --json` must not load the fee engine)."""
    code = "import sys, hub.rules.school_year; print(sorted(m for m in sys.modules if m.startswith('hub')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['hub', 'hub.rules', 'hub.rules.school_year']"
