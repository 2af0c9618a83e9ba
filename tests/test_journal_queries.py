"""The hub's queries behind the journal pages: a group's inconsistencies, presence counts, a
reader's status history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub import days, readers
from hub.attendance import local_instant
from hub.config import Settings
from hub.db import open_database
from hub.wire import StatusMessage
from tests.journal_support import ANIA_CARD, OLEK_CARD, UNKNOWN_CARD, kindergarten, store_tap

DAY = date(2026, 11, 18)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=tmp_path / "hub.db")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings.database)
    yield database
    database.close()


def test_a_groups_inconsistencies_leave_out_other_groups_and_unknown_cards(
    db: Database, settings: Settings
) -> None:
    found = kindergarten(db, settings)
    for seq, uid in enumerate((ANIA_CARD, OLEK_CARD, UNKNOWN_CARD), start=1):
        store_tap(db, settings, seq, uid, DAY, time(8, seq))
    everyone = days.inconsistencies(db, settings, DAY, DAY)
    assert {(item.kind, item.child_id) for item in everyone} == {
        ("missing_departure", found.ania),
        ("missing_departure", found.olek),
        ("unknown_card", None),
    }
    mine = days.inconsistencies(db, settings, DAY, DAY, group_id=found.motylki)
    assert [(item.kind, item.child_id) for item in mine] == [("missing_departure", found.ania)]


def test_presence_counts_who_attends_who_is_in_and_who_has_gone(db: Database, settings: Settings) -> None:
    found = kindergarten(db, settings)
    store_tap(db, settings, 1, ANIA_CARD, DAY, time(8, 0))
    store_tap(db, settings, 2, OLEK_CARD, DAY, time(8, 5))
    store_tap(db, settings, 3, OLEK_CARD, DAY, time(12, 0))
    groups = days.presence_now(db, settings, local_instant(DAY, time(13, 0), settings.tz))
    by_name = {group["group"]: group for group in groups}
    assert (by_name["Motylki"]["attending"], by_name["Motylki"]["count"], by_name["Motylki"]["left"]) == (
        1,
        1,
        0,
    )
    assert (by_name["Żabki"]["attending"], by_name["Żabki"]["count"], by_name["Żabki"]["left"]) == (1, 0, 1)
    assert by_name["Motylki"]["children"][0]["child_id"] == found.ania


def test_a_readers_status_history_is_newest_first(db: Database) -> None:
    readers.add_reader(db, "sala", "Sala")
    for minute, status in enumerate(
        (StatusMessage(True, fw="1.0", boot=3), StatusMessage(False), StatusMessage(True, fw="1.1", boot=4))
    ):
        with db.atomic():
            readers.record_status(
                db, "sala", status, datetime(2026, 11, 18, 7, minute, tzinfo=UTC), retained=False
            )
    history = readers.status_history(db, "sala", limit=2)
    assert [(row["online"], row["boot"], row["fw"]) for row in history] == [
        (True, 4, "1.1"),
        (False, None, None),
    ]
