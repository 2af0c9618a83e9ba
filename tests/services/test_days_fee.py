"""The fee summary's days (`days.range_fee_days`) bill exactly what `compute_range`'s days bill.

`range_fee_days` leaves out days with neither taps nor corrections and passes the common
day as a `CompleteDay` without building its events; on the histories of
tests/services/test_days_range.py (a card handed over mid-range, a reader's mode changed, taps of
unknown time, taps of nobody's card, corrections, a child leaving, the DST change), with
ordinary arrival-departure days added, every day it gives stands for compute_range's day,
every day it leaves out bills nothing, and the summaries are equal under several fee rules.
`billing.summary` gives the same summary from one part or from parts in worker processes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.rules.attendance import CompleteDay, DayResult
from hub.rules.fees import (
    Adjustment,
    FeeSettings,
    FirstHours,
    FixedWindow,
    MealPrice,
    MealSettings,
    StayRules,
    fee_summary,
)
from hub.services import billing
from hub.services.days import compute_range, range_fee_days
from hub.store import fee_settings, registry, site_settings
from hub.store.db import open_database
from tests.services.test_days_range import FIRST, LAST, UIDS, build, minutes, tap_strategy

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

# An ordinary stay: an arrival at the entrance, a departure there or at the exit's `out`
# reader (sometimes the card held twice on arrival, within the debounce window), both timed.
stay = st.tuples(
    st.sampled_from(UIDS),
    st.integers(0, (LAST - FIRST).days),
    st.integers(6 * 60, 10 * 60),
    st.integers(60, 9 * 60),
    st.sampled_from(["wejscie", "wyjscie"]),
    st.booleans(),
)
stay_rules = st.builds(
    StayRules,
    free_period=st.sampled_from([FixedWindow(time(8), time(13)), FirstHours(5)]),
    rounding=st.sampled_from(["full_hour", "started_hour", "minute"]),
    rounding_scope=st.sampled_from(["day", "segment"]),
    grace_minutes=st.sampled_from([0, 10]),
    missing_scan=st.sampled_from(["flag_only", "assume_closing", "assume_opening_closing"]),
)


def with_stays(
    tap_list: list[tuple[str, str, int, bool]], stays: list[tuple[str, int, int, int, str, bool]]
) -> list[tuple[str, str, int, bool]]:
    """The generated taps plus each stay's arrival and departure (in minutes from FIRST's
    local midnight, as build() takes them)."""
    found = list(tap_list)
    for uid, day, arrival, length, exit_reader, bounce in stays:
        start = day * 24 * 60 + arrival
        found += [("wejscie", uid, start, True), (exit_reader, uid, start + length, True)]
        if bounce:
            found.append(("wejscie", uid, start, True))  # the same minute: within the debounce
    return found


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tap_list=st.lists(tap_strategy, max_size=25),
    stays=st.lists(stay, max_size=30),
    handover=minutes,
    mode_change=minutes,
    rules=stay_rules,
)
def test_fee_days_bill_what_compute_range_bills(
    tmp_path_factory,
    tap_list: list[tuple[str, str, int, bool]],
    stays: list[tuple[str, int, int, int, str, bool]],
    handover: int,
    mode_change: int,
    rules: StayRules,
) -> None:
    path = tmp_path_factory.mktemp("fee-days") / "fee-days.db"
    settings = build(path, with_stays(tap_list, stays), handover, mode_change)
    db = open_database(path)
    children = registry.list_children(db)
    full: dict[tuple[int, object], DayResult] = {
        (child_day.child["id"], day): child_day.result
        for day, child_days in compute_range(db, settings, FIRST, LAST, children, now=NOW)
        for child_day in child_days
    }
    light = list(range_fee_days(db, settings, FIRST, LAST, children, now=NOW))

    given_keys = [(day.child_id, day.day) for day in light]
    assert len(set(given_keys)) == len(given_keys)
    for day in light:
        result = full[day.child_id, day.day]
        if isinstance(day, CompleteDay):
            visits = tuple((v.arrival.at, v.departure.at) for v in result.visits)  # type: ignore[union-attr]
            assert day == CompleteDay(result.child_id, result.day, result.day_off, visits)
        else:
            assert day == result
    for key in full.keys() - set(given_keys):
        assert not full[key].visits and not full[key].corrections and full[key].status != "present"

    fees = FeeSettings(rules=(rules,))
    kids = billing.fee_children(db, children)
    attendance = site_settings.rules_for(db, settings)
    assert fee_summary(kids, light, 2026, 10, fees, attendance) == fee_summary(
        kids, full.values(), 2026, 10, fees, attendance
    )
    db.close()


def test_the_summary_counts_children_done_and_equals_the_day_by_day_summary(tmp_path: Path) -> None:
    stays = [(uid, day, 7 * 60 + day, 8 * 60, "wyjscie", day == 2) for uid in UIDS for day in range(9)]
    forgotten = [("wejscie", "04B2", 3 * 24 * 60 + 7 * 60, True)]  # a stay without a departure
    settings = build(tmp_path / "summary.db", with_stays(forgotten, stays), 4 * 24 * 60, 9 * 24 * 60)
    db = open_database(tmp_path / "summary.db")
    fee_settings.save(db, FeeSettings(rules=(StayRules(missing_scan="assume_closing"),)))
    done: list[int] = []

    summary = billing.summary(db, settings, 2026, 10, progress=done.append)

    general = fee_summary(
        billing.fee_children(db, registry.list_children(db)),
        billing.month_days(db, settings, 2026, 10),
        2026,
        10,
        fee_settings.load(db),
        site_settings.rules_for(db, settings),
    )
    assert summary == general
    assert summary.total.minutes_billed > 0 and summary.total.incomplete_days == 0
    assert sum(done) == len(registry.list_children(db)) == 3


def test_a_summary_in_parts_by_worker_processes_equals_the_summary_in_one(
    tmp_path: Path, monkeypatch
) -> None:
    stays = [(uid, day, 7 * 60 + day, 8 * 60 + 3 * day, "wyjscie", False) for uid in UIDS for day in range(9)]
    settings = build(tmp_path / "parts.db", with_stays([], stays), 4 * 24 * 60, 9 * 24 * 60)
    db = open_database(tmp_path / "parts.db")
    meals = MealSettings(
        prices=(MealPrice(date(2026, 1, 1), "obiad", Decimal("9.50")),), billing="in_arrears"
    )
    fee_settings.save(db, FeeSettings(meals=meals))
    db["absences"].insert(  # reported the evening before: October's dinner is not charged
        {"child_id": 3, "day": "2026-10-27", "reported_at": "2026-10-26T18:00:00.000Z", "reported_by": "mama"}
    )
    carried = [Adjustment(3, 2026, 9, date(2026, 9, 30), "stay", "korekta wyjścia", Decimal("1.44"))]
    whole = billing.summary(db, settings, 2026, 10, adjustments=carried)

    monkeypatch.setattr(billing, "SUMMARY_PART", 1)
    done: list[int] = []
    parts = billing.summary(db, settings, 2026, 10, progress=done.append, adjustments=carried, workers=2)

    assert parts == whole
    assert done == [1, 1, 1]
    assert whole.total.adjustments == Decimal("1.44") and whole.total.minutes_billed > 0
    meals_of = {row.child_id: row.meals_charged for row in whole.rows}
    assert meals_of[3] == meals_of[1] - Decimal("9.50")
