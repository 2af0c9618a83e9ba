"""Property tests: whatever the taps and the settings, the fee engine's invariants hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

from fees_support import ANIA, CHILD_ID
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.rules.attendance import DayResult, Tap, compute_day, day_bounds
from hub.rules.fees import (
    Child,
    FeeSettings,
    FirstHours,
    FixedWindow,
    HourlyRate,
    StayRules,
    adjustments,
    close_month,
    day_fee,
    fee_summary,
    month_statement,
)

DAYS = [
    date(2026, 3, 2),  # a Monday
    date(2026, 3, 29),  # spring DST Sunday (23 h)
    date(2026, 10, 25),  # autumn DST Sunday (25 h)
    date(2026, 11, 11),  # a holiday
    date(2026, 11, 23),
]
MARCH_WORKDAYS = [date(2026, 3, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]


MODES = st.sampled_from(["toggle", "toggle", "toggle", "toggle", "in", "out"])


@st.composite
def day_results(draw: st.DrawFn, on: date | None = None, child: int = CHILD_ID) -> DayResult:
    """A day of toggle (and some in/out) taps at distinct minutes; sometimes open at the end."""
    day = on or draw(st.sampled_from(DAYS))
    start, end = day_bounds(day)
    length = int((end - start).total_seconds() // 60)
    offsets = draw(st.lists(st.integers(0, length - 1), unique=True, max_size=7))
    taps = [
        Tap(
            "door",
            i,
            child,
            start + timedelta(minutes=m),
            "clock",
            draw(st.sampled_from(["toggle"] * 4 + ["in", "out"])),
        )
        for i, m in enumerate(sorted(offsets))
    ]
    result = compute_day(child, day, taps, now=end + timedelta(hours=12))
    working = draw(st.booleans())
    return replace(result, day_off=None) if working else result


@st.composite
def stay_rules(draw: st.DrawFn) -> StayRules:
    if draw(st.booleans()):
        a = draw(st.integers(0, 22 * 60))
        b = draw(st.integers(a + 1, 23 * 60 + 59))
        period: FixedWindow | FirstHours = FixedWindow(time(a // 60, a % 60), time(b // 60, b % 60))
    else:
        period = FirstHours(draw(st.integers(0, 12)))
    return StayRules(
        free_period=period,
        rounding=draw(st.sampled_from(["started_hour", "full_hour", "minute"])),
        rounding_scope=draw(st.sampled_from(["day", "segment"])),
        grace_minutes=draw(st.sampled_from([0, 0, 5, 10, 15, 59, 61])),
        missing_scan=draw(st.sampled_from(["flag_only", "assume_closing", "assume_opening_closing"])),
        age_exemption=draw(st.booleans()),
    )


rates = st.integers(0, 500).map(lambda g: (HourlyRate(date(2020, 1, 1), Decimal(g) / 100),))
children = st.builds(
    lambda born, exempt: replace(ANIA, birth_date=born, exempt=exempt),
    st.dates(date(2018, 1, 1), date(2024, 12, 31)),
    st.sampled_from([None, None, True, False]),
)


@settings(max_examples=300, deadline=None)
@given(day_results(), stay_rules(), rates, children)
def test_fees_never_negative_and_minutes_add_up(
    result: DayResult, rules: StayRules, rate: tuple[HourlyRate], child: Child
) -> None:
    f = day_fee(result, child, FeeSettings(rates=rate, rules=(rules,)))
    assert f.fee >= 0 and f.minutes_billed >= 0 and f.minutes_free >= 0 and f.minutes_paid >= 0
    assert f.minutes_present == f.minutes_free + f.minutes_paid
    if isinstance(rules.free_period, FirstHours) and f.minutes_paid:
        assert f.minutes_free == rules.free_period.hours * 60
    if f.exemption is not None or f.day_off is not None:
        assert f.minutes_paid == 0 and f.fee == 0
    if f.minutes_paid == 0:
        assert f.minutes_billed == 0
    assert f.minutes_present == sum(s.minutes or 0 for s in f.spans) or len(f.spans) > 1


@settings(max_examples=300, deadline=None)
@given(day_results(), stay_rules(), rates, children)
def test_full_hour_le_minute_le_started_hour(
    result: DayResult, rules: StayRules, rate: tuple[HourlyRate], child: Child
) -> None:
    def billed(rounding: str) -> tuple[int, Decimal]:
        f = day_fee(result, child, FeeSettings(rates=rate, rules=(replace(rules, rounding=rounding),)))
        return f.minutes_billed, f.fee

    full, minute, started = billed("full_hour"), billed("minute"), billed("started_hour")
    assert full[0] <= minute[0] <= started[0]
    assert full[1] <= minute[1] <= started[1]
    assert full[0] % 60 == 0 and started[0] % 60 == 0


@settings(max_examples=200, deadline=None)
@given(day_results(), stay_rules(), rates)
def test_segments_round_up_at_least_as_much_as_the_day(
    result: DayResult, rules: StayRules, rate: tuple[HourlyRate]
) -> None:
    """Without grace, rounding each segment up bills at least the day total rounded up, and
    rounding each down at most the day total rounded down."""
    plain = replace(ANIA, exempt=False)

    def billed(rounding: str, scope: str) -> int:
        r = replace(rules, rounding=rounding, rounding_scope=scope, grace_minutes=0)
        return day_fee(result, plain, FeeSettings(rates=rate, rules=(r,))).minutes_billed

    assert billed("started_hour", "segment") >= billed("started_hour", "day")
    assert billed("full_hour", "segment") <= billed("full_hour", "day")
    assert billed("minute", "segment") == billed("minute", "day")


@settings(max_examples=40, deadline=None)
@given(st.data(), stay_rules(), rates)
def test_summary_equals_the_statements(
    data: st.DataObject, rules: StayRules, rate: tuple[HourlyRate]
) -> None:
    kids = [Child(1, "A", "G1"), Child(2, "B", "G1", exempt=True), Child(3, "C", "G2")]
    fs = FeeSettings(rates=rate, rules=(rules,))
    keys = data.draw(
        st.lists(
            st.tuples(st.sampled_from(MARCH_WORKDAYS), st.sampled_from([1, 2, 3])), unique=True, max_size=12
        )
    )
    days = {key: data.draw(day_results(on=key[0], child=key[1])) for key in keys}
    summary = fee_summary(kids, days.values(), 2026, 3, fs)
    for row in summary.rows:
        mine = [r for (_, c), r in days.items() if c == row.child_id]
        child = next(k for k in kids if k.child_id == row.child_id)
        statement = month_statement(child, 2026, 3, mine, fs)
        assert (row.minutes_billed, row.stay_fee, row.total) == (
            statement.minutes_billed,
            statement.stay_fee,
            statement.total,
        )
        assert row.incomplete_days == len(statement.incomplete_days)
    assert summary.total.total == sum((g.total for g in summary.groups), Decimal(0))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(day_results(on=date(2026, 3, 2)), min_size=1, max_size=1),
    st.lists(day_results(on=date(2026, 3, 2)), min_size=1, max_size=1),
    stay_rules(),
    rates,
)
def test_adjustments_add_up_to_the_difference(
    before: list[DayResult], after: list[DayResult], rules: StayRules, rate: tuple[HourlyRate]
) -> None:
    fs = FeeSettings(rates=rate, rules=(rules,))
    child = replace(ANIA, exempt=False)
    closed = close_month(
        month_statement(child, 2026, 3, before, fs), day_bounds(date(2026, 4, 2))[0], "dyrektor"
    )
    now = month_statement(child, 2026, 3, after, fs)
    found = adjustments(closed, now)
    assert sum((a.amount for a in found), Decimal(0)) == now.subtotal - closed.statement.subtotal
