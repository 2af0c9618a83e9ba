"""The 3-working-day reply rule (000 §3.5): worked examples, then properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from hub.rules.reply_term import TERM_DAYS, Absence, WorkingDays, reply_term

WARSAW = ZoneInfo("Europe/Warsaw")
CLOSING = time(17, 0)


def sent(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WARSAW)


def term(at: datetime, closed: frozenset[date] = frozenset(), absences: tuple[Absence, ...] = ()):
    return reply_term(at, closing=CLOSING, working=WorkingDays(closed), absences=absences, tz=WARSAW)


def test_an_ordinary_tuesday() -> None:
    """Tuesday 1 Dec 2026, 10:00: Wednesday, Thursday, Friday; overdue on Monday."""
    got = term(sent(date(2026, 12, 1)))
    assert got.received == date(2026, 12, 1)
    assert (got.due, got.overdue_from) == (date(2026, 12, 4), date(2026, 12, 7))
    assert got.state(date(2026, 12, 3)) == "upcoming"
    assert got.state(date(2026, 12, 4)) == "due_today"
    assert got.state(date(2026, 12, 5)) == "due_today"  # Saturday: the term ended, not yet overdue
    assert got.state(date(2026, 12, 7)) == "overdue"  # the fourth working day


def test_after_closing_counts_from_the_next_working_day() -> None:
    """Tuesday 1 Dec 2026 at 17:30 (closing 17:00): received Wednesday, due Monday."""
    got = term(sent(date(2026, 12, 1), 17, 30))
    assert (got.received, got.due) == (date(2026, 12, 2), date(2026, 12, 7))
    assert term(sent(date(2026, 12, 1), 16, 59)).due == date(2026, 12, 4)


def test_a_friday_before_the_easter_long_weekend() -> None:
    """Friday 3 April 2026; Easter Sunday 5 and Monday 6 April: Tue 7, Wed 8, Thu 9."""
    got = term(sent(date(2026, 4, 3)))
    assert (got.due, got.overdue_from) == (date(2026, 4, 9), date(2026, 4, 10))


def test_the_docstrings_example_after_closing_the_thursday_before() -> None:
    """Thursday 2 April 2026 at 18:00 (after closing): received Friday, due Thursday 9 April."""
    got = term(sent(date(2026, 4, 2), 18))
    assert (got.received, got.due) == (date(2026, 4, 3), date(2026, 4, 9))


def test_the_may_long_weekend() -> None:
    """Thursday 30 April 2026 at 10:00: 1 May (Friday) and 3 May (Sunday) are holidays."""
    assert term(sent(date(2026, 4, 30))).due == date(2026, 5, 6)
    late = term(sent(date(2026, 4, 30), 20))  # after closing: received Monday 4 May
    assert (late.received, late.due) == (date(2026, 5, 4), date(2026, 5, 7))


def test_corpus_christi_with_the_site_closed_on_the_friday_after() -> None:
    """Wednesday 3 June 2026; Corpus Christi on Thursday 4 June, the kindergarten closed on
    Friday 5 June: Monday 8, Tuesday 9, Wednesday 10."""
    closed = frozenset({date(2026, 6, 5)})
    assert term(sent(date(2026, 6, 3)), closed).due == date(2026, 6, 10)
    assert term(sent(date(2026, 6, 3))).due == date(2026, 6, 9)  # open that Friday


def test_sent_on_a_saturday() -> None:
    """Saturday 7 Nov 2026: received Monday 9; Tuesday 10, (11 November, a holiday),
    Thursday 12, Friday 13."""
    got = term(sent(date(2026, 11, 7)))
    assert got.received == date(2026, 11, 9)
    assert (got.due, got.overdue_from) == (date(2026, 11, 13), date(2026, 11, 16))


def test_sent_on_a_closed_day() -> None:
    """Friday 13 Nov 2026, the kindergarten closed: received Monday 16; due Thursday 19."""
    got = term(sent(date(2026, 11, 13), 9), frozenset({date(2026, 11, 13)}))
    assert (got.received, got.due) == (date(2026, 11, 16), date(2026, 11, 19))


def test_sent_during_the_teachers_sick_leave() -> None:
    """Sick Monday 16 to Wednesday 18 Nov 2026, the message on Tuesday 17: the term runs from
    her return on Thursday 19 (the first day), Friday 20, Monday 23."""
    sick = (Absence(date(2026, 11, 16), date(2026, 11, 18)),)
    got = term(sent(date(2026, 11, 17)), absences=sick)
    assert (got.due, got.overdue_from) == (date(2026, 11, 23), date(2026, 11, 24))


def test_an_absence_starting_mid_term_restarts_it_from_the_return() -> None:
    """Monday 23 Nov 2026: Tuesday 24 is day 1, then away Wednesday 25 and Thursday 26; from
    her return on Friday 27 the three days are counted again: Friday, Monday 30, Tuesday 1 Dec."""
    away = (Absence(date(2026, 11, 25), date(2026, 11, 26)),)
    assert term(sent(date(2026, 11, 23))).due == date(2026, 11, 26)
    assert term(sent(date(2026, 11, 23)), absences=away).due == date(2026, 12, 1)


def test_an_absence_after_the_due_day_changes_nothing() -> None:
    away = (Absence(date(2026, 12, 7), date(2026, 12, 11)),)
    got = term(sent(date(2026, 12, 1)), absences=away)
    assert (got.due, got.overdue_from) == (date(2026, 12, 4), date(2026, 12, 7))


def test_the_local_day_is_the_kindergartens_not_utc() -> None:
    """23:30 UTC on Monday is 00:30 on Tuesday in Warsaw (winter): sent on Tuesday."""
    at = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    got = term(at)
    assert (got.received, got.due) == (date(2026, 12, 1), date(2026, 12, 4))


# -- properties ---------------------------------------------------------------------------

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def absences(draw: st.DrawFn) -> tuple[Absence, ...]:
    found = []
    for _ in range(draw(st.integers(0, 4))):
        first = draw(days)
        found.append(Absence(first, first + timedelta(days=draw(st.integers(0, 40)))))
    return tuple(found)


@given(
    day=days,
    hour=st.integers(0, 23),
    closed=st.frozensets(days, max_size=20),
    away=absences(),
)
def test_the_due_day_is_a_working_day_at_work_after_three_counted(
    day: date, hour: int, closed: frozenset[date], away: tuple[Absence, ...]
) -> None:
    working = WorkingDays(closed)
    got = reply_term(sent(day, hour), closing=CLOSING, working=working, absences=away, tz=WARSAW)
    present = lambda d: not any(a.covers(d) for a in away)  # noqa: E731
    assert got.received >= day and got.received in working
    assert got.due in working and present(got.due)
    # The three working days ending on the due day are all after receipt and all at work.
    counted, d = [got.due], got.due
    while len(counted) < TERM_DAYS:
        d -= timedelta(days=1)
        if d in working:
            counted.append(d)
    assert all(d > got.received and present(d) for d in counted)
    # No earlier day had three working days at work in a row since receipt.
    run, d = 0, got.received
    while True:
        d = working.next_after(d)
        run = run + 1 if present(d) else 0
        if run == TERM_DAYS:
            break
    assert d == got.due
    assert got.overdue_from == working.next_after(got.due)
    assert got.state(got.due) == "due_today" and got.state(got.overdue_from) == "overdue"


@given(day=days, hour=st.integers(0, 23), closed=st.frozensets(days, max_size=20), away=absences())
def test_an_absence_never_shortens_the_term(
    day: date, hour: int, closed: frozenset[date], away: tuple[Absence, ...]
) -> None:
    working = WorkingDays(closed)
    without = reply_term(sent(day, hour), closing=CLOSING, working=working, absences=(), tz=WARSAW)
    with_them = reply_term(sent(day, hour), closing=CLOSING, working=working, absences=away, tz=WARSAW)
    assert with_them.due >= without.due
