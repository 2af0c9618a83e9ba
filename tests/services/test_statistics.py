"""The statistics' days (`statistics.counted_days`, the fee summary's fast way) count exactly
what `compute_range`'s days count, and `statistics` sums its children into groups and months.

On the histories of tests/services/test_days_range.py (a card handed over mid-range, a
reader's mode changed, taps of unknown time, taps of nobody's card, corrections, a child
leaving, the DST change) with ordinary stays added, reported absences and a closed day, and
asked both after the range and in the middle of a day of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.rules.statistics import CountedDay, Tally, counted_day, tally, tally_by
from hub.services.days import compute_range
from hub.services.statistics import counted_days, statistics
from hub.store import absences, registry, site_settings
from hub.store.db import open_database
from tests.services.test_days_fee import stay, with_stays
from tests.services.test_days_range import FIRST, LAST, build, minutes, tap_strategy

MOMENTS = (datetime(2026, 11, 23, 12, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC))
"""After the range; on its Monday 26 October at 10:00 local, before closing."""


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tap_list=st.lists(tap_strategy, max_size=25),
    stays=st.lists(stay, max_size=30),
    handover=minutes,
    mode_change=minutes,
    reported=st.lists(st.tuples(st.integers(1, 3), st.integers(0, (LAST - FIRST).days)), max_size=6),
    now=st.sampled_from(MOMENTS),
)
def test_counted_days_count_what_compute_range_counts(
    tmp_path_factory,
    tap_list: list[tuple[str, str, int, bool]],
    stays: list[tuple[str, int, int, int, str, bool]],
    handover: int,
    mode_change: int,
    reported: list[tuple[int, int]],
    now: datetime,
) -> None:
    path = tmp_path_factory.mktemp("stats") / "stats.db"
    settings = build(path, with_stays(tap_list, stays), handover, mode_change)
    db = open_database(path)
    site_settings.add_closed_day(db, date(2026, 10, 27), "remont", author="t")
    absent: set[tuple[int, date]] = set()
    for child_id, offset in reported:
        day = FIRST + timedelta(days=offset)
        if day.weekday() < 5 and day != date(2026, 10, 27) and (child_id, day) not in absent:
            absences.report_absence(db, child_id=child_id, first=day, last=day, reported_by="t")
            absent.add((child_id, day))
    children = registry.list_children(db)
    last = min(LAST, now.astimezone(settings.tz).date())
    general = [
        counted_day(child_day.result, (child_day.child["id"], day) in absent)
        for day, child_days in compute_range(db, settings, FIRST, last, children, now=now)
        for child_day in child_days
    ]
    fast = list(counted_days(db, settings, FIRST, LAST, children, now=now))

    def key(day: CountedDay) -> tuple[int, date]:
        return day.child_id, day.day

    assert sorted(map(key, fast)) == sorted(map(key, general))
    assert tally_by(fast, key) == tally_by(general, key)

    found = statistics(db, settings, FIRST, LAST, now=now)
    assert found.total == tally(general)
    assert sum((t for _, _, t in found.months), Tally()) == found.total
    assert [child.name for group in found.groups for child in group.children] == [
        f"{child['last_name']} {child['first_name']}" for child in children
    ]
    db.close()
