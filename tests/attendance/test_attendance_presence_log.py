"""Presence now (the evacuation list basis) and the inconsistency log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from attendance_support import CHILD, CREATED, MONDAY, corr, local, tap

from hub.rules.attendance import (
    Correction,
    DayResult,
    Tap,
    TapId,
    compute_day,
    day_inconsistencies,
    presence_at,
    unknown_card_items,
)


def child_day(
    child: int,
    taps: Sequence[Tap],
    corrections: Sequence[Correction] = (),
    now: datetime | None = None,
) -> DayResult:
    return compute_day(
        child,
        MONDAY,
        [replace(t, child_id=child) for t in taps],
        [replace(c, child_id=child) for c in corrections],
        now=now or local("12:00"),
    )


def test_who_is_in_at_noon() -> None:
    now = local("12:00")
    days = [
        child_day(1, [tap(1, "07:30", holder="mama")]),  # in
        child_day(2, [tap(2, "07:40"), tap(3, "11:00")]),  # gone home
        child_day(3, []),  # not come (yet)
        child_day(4, [tap(4, "13:00", mode="out")]),  # leaves later, arrival not recorded
        child_day(5, [], [corr("p", "mark_present")]),  # marked present, no times
        child_day(6, [tap(5, "07:50")], [corr("a", "mark_absent")]),  # marked absent
        child_day(7, [tap(6, None, reader="hall")]),  # only an unconfirmed tap
        child_day(8, [tap(7, "12:00")]),  # arriving this very moment
    ]
    found = {p.child_id: p for p in presence_at(reversed(days), now)}
    assert sorted(found) == [1, 4, 5, 7, 8]
    assert found[1].certain and found[1].brought_by == "mama"
    assert found[1].since == local("07:30")
    assert found[8].certain
    assert not any(found[c].certain for c in (4, 5, 7))
    assert [p.child_id for p in presence_at(days, now)] == [1, 4, 5, 7, 8]


def test_presence_refuses_mismatched_days() -> None:
    day = child_day(1, [tap(1, "07:30")])
    with pytest.raises(ValueError, match="is not on"):
        presence_at([day], local("07:30", date(2026, 11, 24)))
    with pytest.raises(ValueError, match="two days"):
        presence_at([day, day], local("08:00"))


def test_inconsistency_items_link_to_the_childs_day() -> None:
    unknown = tap(9, None, reader="hall")
    day = child_day(
        CHILD,
        [
            tap(1, "07:30"),
            tap(2, "15:00", mode="in"),
            tap(3, "16:00", mode="out"),
            tap(4, "16:30", mode="out"),
            unknown,
        ],
        [corr("x", "move", "09:00", target=TapId("door", 42))],
        now=local("18:00"),
    )
    items = day_inconsistencies(day)
    assert [(i.kind, i.child_id, i.day) for i in items] == [
        ("unconfirmed_tap", CHILD, MONDAY),
        ("rejected_correction", CHILD, MONDAY),
    ]
    assert items[0].taps == (unknown.id,)
    assert items[1].correction_id == "x"

    stuck = child_day(CHILD, [tap(1, "15:00", mode="out"), tap(2, "16:00", mode="in")], now=local("18:00"))
    kinds = [(i.kind, i.taps) for i in day_inconsistencies(stuck)]
    assert kinds == [
        ("missing_departure", (TapId("door", 2),)),
        ("missing_arrival", (TapId("door", 1),)),
    ]


def test_taps_of_an_inactive_child() -> None:
    day = child_day(CHILD, [tap(1, "07:30"), tap(2, "15:00")], now=local("18:00"))
    assert day_inconsistencies(day, active_from=MONDAY, active_to=MONDAY) == []
    (item,) = day_inconsistencies(day, active_to=MONDAY - timedelta(days=1))
    assert item.kind == "inactive_child_tap"
    assert item.taps == (TapId("door", 1), TapId("door", 2))
    (item,) = day_inconsistencies(day, active_from=MONDAY + timedelta(days=1))
    assert item.kind == "inactive_child_tap"
    nothing = child_day(CHILD, [], now=local("18:00"))
    assert day_inconsistencies(nothing, active_to=date(2020, 1, 1)) == []


def test_corrections_after_the_month_was_closed() -> None:
    closed_at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    before = corr("early", "add_departure", "15:00")
    late = corr("late", "move", "15:30", target="early", created=closed_at + timedelta(days=1))
    revoked_late = corr("rev", "mark_present", created=CREATED, revoked=closed_at + timedelta(1))
    day = child_day(CHILD, [tap(1, "07:30")], [before, late, revoked_late], now=local("18:00"))
    items = day_inconsistencies(day, month_closed_at=closed_at)
    assert [(i.kind, i.correction_id) for i in items] == [
        ("correction_after_close", "late"),
        ("correction_after_close", "rev"),
    ]
    assert day_inconsistencies(day) == []


def test_unknown_cards_one_item_per_card() -> None:
    a1 = replace(tap(1, "07:30", child=None), card_uid="04AA")
    a2 = replace(tap(2, "15:00", child=None), card_uid="04AA")
    b1 = replace(tap(3, None, child=None), card_uid="04BB")
    items = unknown_card_items(MONDAY, [a2, b1, a1, a1])
    assert [(i.kind, i.card_uid, i.child_id, i.day, i.taps) for i in items] == [
        ("unknown_card", "04AA", None, MONDAY, (a1.id, a2.id)),
        ("unknown_card", "04BB", None, MONDAY, (b1.id,)),
    ]
    assert "07:30" in items[0].detail and "2×" in items[0].detail
    with pytest.raises(ValueError, match="attributed"):
        unknown_card_items(MONDAY, [tap(1, "07:30")])
