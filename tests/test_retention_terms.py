"""How long the journal and the logs are kept (`hub/rules/retention.py`): worked examples of
the JRWA B5 term, counted from 1 January after the school year's journal was closed."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.rules.retention import erasable_from, journal_kept_from, journal_kept_until, log_kept_from
from hub.rules.school_year import school_year_of, school_year_start


def test_a_school_years_journal_is_kept_through_the_fifth_december_after_it_closed() -> None:
    # 2020/2021 closes after 31 VIII 2021; counted from 1 I 2022; five years: through 31 XII 2026.
    assert journal_kept_until(date(2020, 9, 1)) == date(2026, 12, 31)
    assert journal_kept_until(date(2020, 9, 1), years=10) == date(2031, 12, 31)


def test_the_oldest_school_year_kept_moves_on_the_first_of_january() -> None:
    assert journal_kept_from(date(2026, 12, 5)) == date(2020, 9, 1)
    assert journal_kept_from(date(2026, 12, 31)) == date(2020, 9, 1)
    assert journal_kept_from(date(2027, 1, 1)) == date(2021, 9, 1)
    # The end of a school year changes nothing: the term counts in calendar years.
    assert journal_kept_from(date(2027, 8, 31)) == journal_kept_from(date(2027, 9, 1)) == date(2021, 9, 1)


def test_a_log_keeps_its_days_counted_back_from_today() -> None:
    assert log_kept_from(date(2026, 12, 5), 90) == date(2026, 9, 6)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.dates(date(2000, 1, 1), date(2090, 12, 31)))
def test_a_journal_day_is_kept_exactly_while_its_school_years_term_runs(today: date, day: date) -> None:
    kept = day >= journal_kept_from(today)
    assert kept == (journal_kept_until(school_year_start(school_year_of(day))) >= today or day > today)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)))
def test_the_current_school_year_is_always_kept(today: date) -> None:
    assert journal_kept_from(today) <= school_year_start(school_year_of(today)) - timedelta(days=365 * 5)


def test_a_child_who_left_on_31_august_2020_can_be_erased_from_1_january_2026() -> None:
    # The last record is of 2019/2020, closed in 2020, kept through 31 XII 2025.
    assert erasable_from(date(2020, 8, 31)) == date(2026, 1, 1)
    # One more day, in the next school year, adds a year.
    assert erasable_from(date(2020, 9, 1)) == date(2027, 1, 1)
    assert erasable_from(date(2020, 8, 31), years=10) == date(2031, 1, 1)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)))
def test_a_person_becomes_erasable_the_day_their_last_journal_day_is_no_longer_kept(last: date) -> None:
    first = erasable_from(last)
    assert last < journal_kept_from(first)
    assert not last < journal_kept_from(first - timedelta(days=1))
