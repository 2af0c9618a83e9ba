"""A month loaded at once (`days.compute_range`) gives every day exactly as `compute_days` does.

Generated histories mix what makes attribution hard: a card passed from one child to another
mid-month, a reader's mode changed mid-day, taps of unknown time, taps of nobody's card,
corrections, a child leaving mid-month, the DST change on 25 October 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.config import Settings
from hub.rules.attendance import TapId
from hub.services.days import compute_days, compute_range
from hub.store import corrections, readers, registry, taps
from hub.store.db import open_database
from hub.timefmt import to_db
from hub.wire import TapMessage

FIRST = date(2026, 10, 20)
LAST = date(2026, 10, 28)
START = datetime(2026, 10, 19, 22, 0, tzinfo=UTC)  # local midnight of FIRST (CEST)
UIDS = ("04A1", "04B2", "04C3", "04D4")

minutes = st.integers(min_value=0, max_value=(LAST - FIRST).days * 24 * 60 + 24 * 60 - 1)
tap_strategy = st.tuples(
    st.sampled_from(("wejscie", "wyjscie")), st.sampled_from(UIDS), minutes, st.booleans()
)


def moment(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


def build(
    path: Path, tap_list: list[tuple[str, str, int, bool]], handover: int, mode_change: int
) -> Settings:
    settings = Settings(database=path)
    db = open_database(path)
    readers.add_reader(db, "wejscie", "Wejście")
    readers.add_reader(db, "wyjscie", "Wyjście", mode="out")
    db["reader_modes"].insert(
        {"reader_id": "wejscie", "valid_from": to_db(moment(mode_change)), "mode": "in", "changed_by": "t"}
    )
    registry.add_group(db, "Żabki", author="test")
    for first_name, active_to in (("Łucja", None), ("Józef", "2026-10-23"), ("Zofia", None)):
        registry.add_child(
            db,
            first_name=first_name,
            last_name="Żak",
            group="Żabki",
            active_from="2026-09-01",
            active_to=active_to,
            author="test",
        )
    earliest = "1970-01-01T00:00:00.000Z"
    cards = [
        ("04A1", 1, earliest, to_db(moment(handover))),  # Łucja's card goes to Zofia…
        ("04A1", 3, to_db(moment(handover)), None),
        ("04B2", 2, earliest, None),
        ("04C3", 3, earliest, None),  # 04D4 is nobody's
    ]
    for uid, child_id, valid_from, revoked_at in cards:
        db["cards"].insert(
            {
                "uid": uid,
                "child_id": child_id,
                "number": uid[-2:],
                "holder": "",
                "valid_from": valid_from,
                "assigned_at": valid_from,
                "assigned_by": "t",
                "revoked_at": revoked_at,
            }
        )
    rows = []
    for seq, (reader_id, uid, minute, timed) in enumerate(tap_list, 1):
        received = moment(minute)
        message = TapMessage(
            uid, seq, 1 if timed else 0, 0, None, int(received.timestamp()) if timed else None
        )
        row = taps.tap_row(reader_id, message, received)
        rows.append(row if timed else row._replace(at=None, time_quality="unknown", boot=0))
    with db.atomic():
        taps.insert_new(db, rows)
    corrections.add_correction(
        db,
        child_id=1,
        day=FIRST,
        kind="add_arrival",
        at=moment(10 * 60),
        reason="przyszła bez karty",
        author="t",
    )
    if tap_list:
        reader_id, _, _, _ = tap_list[0]
        corrections.add_correction(
            db, child_id=2, day=FIRST + timedelta(days=1), kind="cancel", target_tap=TapId(reader_id, 1),
            reason="podwójne odbicie", author="t",
        )  # fmt: skip
    db.close()
    return settings


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tap_list=st.lists(tap_strategy, max_size=40),
    handover=minutes,
    mode_change=minutes,
    attending_only=st.booleans(),
)
def test_a_month_at_once_equals_day_by_day(
    tmp_path_factory, tap_list: list[tuple[str, str, int, bool]], handover: int, mode_change: int,
    attending_only: bool,
) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("range") / "range.db"
    settings = build(path, tap_list, handover, mode_change)
    db = open_database(path)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    children = registry.list_children(db)
    at_once = {
        day: [(child_day.child["id"], child_day.result) for child_day in child_days]
        for day, child_days in compute_range(
            db, settings, FIRST, LAST, children, attending_only=attending_only, now=now
        )
    }
    day = FIRST
    while day <= LAST:
        if attending_only:
            expected = [(cd.child["id"], cd.result) for cd in compute_days(db, settings, day, now=now)]
        else:
            expected = [
                (child["id"], compute_days(db, settings, day, child_id=child["id"], now=now)[0].result)
                for child in children
            ]
        assert at_once[day] == expected, day
        day += timedelta(days=1)
    db.close()
