"""Staff absences: entered, ended early or cancelled with a reason, never deleted, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts.accounts import add_user
from hub.refusal import Refusal
from hub.store import audit, registry
from hub.store import staff_absences as store
from hub.store.db import open_database

AUTHOR = "sekretariat@p11.pl"
NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "staff.db")
    registry.add_group(database, "Motylki", author=AUTHOR)
    registry.add_child(
        database,
        first_name="Zofia",
        last_name="Nowak",
        group="Motylki",
        active_from="2026-09-01",
        author=AUTHOR,
    )
    add_user(database, email="anna@p11.pl", name="Anna Lis", role="teacher", groups=[1], author=AUTHOR)  # 1
    add_user(database, email="ewa@p11.pl", name="Ewa Nowak", role="parent", children=[1], author=AUTHOR)  # 2
    return database


def sick(db: Database, first: date = date(2026, 11, 16), last: date = date(2026, 11, 20)) -> dict:
    return store.add_absence(db, account_id=1, first=first, last=last, kind="sick", author=AUTHOR, now=NOW)


def test_an_absence_is_entered_and_audited(db: Database) -> None:
    absence = sick(db)
    assert (absence["name"], absence["first_day"], absence["last_day"], absence["kind"]) == (
        "Anna Lis", "2026-11-16", "2026-11-20", "sick",
    )  # fmt: skip
    assert absence["entered_by"] == AUTHOR and absence["planned_last_day"] == "2026-11-20"
    [entry] = audit.entries(db, entity="staff_absence", entity_id=absence["id"])
    assert entry["action"] == "staff_absence.add"
    assert store.counting_ranges(db, [1]) == {1: [(date(2026, 11, 16), date(2026, 11, 20))]}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"account_id": 2}, "staff_absence.not_staff"),  # a parent
        ({"account_id": 99}, "staff_absence.not_staff"),
        ({"kind": "wakacje"}, "staff_absence.kind"),
        ({"last": date(2026, 11, 15)}, "absence.ends_before_start"),
        ({"last": date(2027, 11, 17)}, "staff_absence.too_long"),
        ({"author": " "}, "author.missing"),
    ],
)
def test_bad_absences_are_refused_and_nothing_is_stored(db: Database, changes: dict, code: str) -> None:
    arguments = {"account_id": 1, "first": date(2026, 11, 16), "last": date(2026, 11, 20), "kind": "sick",
                 "author": AUTHOR} | changes  # fmt: skip
    with pytest.raises(Refusal) as refused:
        store.add_absence(db, **arguments)
    assert refused.value.code == code
    assert store.list_absences(db) == []


def test_an_overlapping_absence_is_refused(db: Database) -> None:
    sick(db)
    with pytest.raises(Refusal) as refused:
        sick(db, date(2026, 11, 20), date(2026, 11, 24))
    assert refused.value.code == "staff_absence.overlaps"
    assert refused.value.params["first"] == "2026-11-16"


def test_ending_early_keeps_the_planned_last_day(db: Database) -> None:
    absence = sick(db)
    ended = store.end_early(db, absence["id"], last=date(2026, 11, 17), reason="wróciła", author=AUTHOR)
    assert (ended["last_day"], ended["planned_last_day"], ended["end_reason"]) == (
        "2026-11-17", "2026-11-20", "wróciła",
    )  # fmt: skip
    assert store.counting_ranges(db, [1]) == {1: [(date(2026, 11, 16), date(2026, 11, 17))]}
    with pytest.raises(Refusal) as refused:  # not later than it was, nor before it starts
        store.end_early(db, absence["id"], last=date(2026, 11, 17), reason="x", author=AUTHOR)
    assert refused.value.code == "staff_absence.end_outside"
    with pytest.raises(Refusal):
        store.end_early(db, absence["id"], last=date(2026, 11, 15), reason="x", author=AUTHOR)
    with pytest.raises(Refusal) as refused:
        store.end_early(db, absence["id"], last=date(2026, 11, 16), reason=" ", author=AUTHOR)
    assert refused.value.code == "field.required"
    actions = sorted(
        entry["action"] for entry in audit.entries(db, entity="staff_absence", entity_id=absence["id"])
    )
    assert actions == ["staff_absence.add", "staff_absence.end"]


def test_a_cancelled_absence_stays_listed_and_no_longer_counts(db: Database) -> None:
    absence = sick(db)
    store.cancel(db, absence["id"], reason="pomyłka", author=AUTHOR)
    [listed] = store.list_absences(db)
    assert listed["cancel_reason"] == "pomyłka" and listed["cancelled_by"] == AUTHOR
    assert store.list_absences(db, include_cancelled=False) == []
    assert store.counting_ranges(db, [1]) == {1: []}
    sick(db)  # the days are free again
    with pytest.raises(Refusal) as refused:
        store.cancel(db, absence["id"], reason="znowu", author=AUTHOR)
    assert refused.value.code == "staff_absence.cancelled"
    with pytest.raises(Refusal) as refused:
        store.end_early(db, absence["id"], last=date(2026, 11, 17), reason="x", author=AUTHOR)
    assert refused.value.code == "staff_absence.cancelled"


def test_an_unknown_absence_is_refused(db: Database) -> None:
    with pytest.raises(Refusal) as refused:
        store.cancel(db, 7, reason="x", author=AUTHOR)
    assert refused.value.code == "staff_absence.unknown"
