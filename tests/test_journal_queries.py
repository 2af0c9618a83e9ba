"""The hub's queries behind the journal pages: a group's inconsistencies, presence counts, a
reader's status history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.services import days
from hub.services.presence import presence_now
from hub.store import readers
from hub.wire import StatusMessage
from tests.journal_support import ANIA_CARD, OLEK_CARD, UNKNOWN_CARD, give_cards, local, store_tap
from tests.pages_support import Site

DAY = date(2026, 11, 18)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


@pytest.fixture
def db(site: Site) -> Iterator[Database]:
    database = site.db()
    give_cards(database, site.settings, site.ania, site.olek)
    yield database
    database.close()


def test_a_groups_inconsistencies_leave_out_other_groups_and_unknown_cards(site: Site, db: Database) -> None:
    for seq, uid in enumerate((ANIA_CARD, OLEK_CARD, UNKNOWN_CARD), start=1):
        store_tap(db, seq, uid, local(site.settings, DAY, time(8, seq)))
    everyone = days.inconsistencies(db, site.settings, DAY, DAY)
    assert {(item.kind, item.child_id) for item in everyone} == {
        ("missing_departure", site.ania),
        ("missing_departure", site.olek),
        ("unknown_card", None),
    }
    mine = days.inconsistencies(db, site.settings, DAY, DAY, group_id=site.motylki)
    assert [(item.kind, item.child_id) for item in mine] == [("missing_departure", site.ania)]


def test_presence_counts_who_attends_who_is_in_and_who_has_gone(site: Site, db: Database) -> None:
    store_tap(db, 1, ANIA_CARD, local(site.settings, DAY, time(8, 0)))
    store_tap(db, 2, OLEK_CARD, local(site.settings, DAY, time(8, 5)))
    store_tap(db, 3, OLEK_CARD, local(site.settings, DAY, time(12, 0)))
    groups = presence_now(db, site.settings, local(site.settings, DAY, time(13, 0)))
    counts = {group["group"]: (group["attending"], group["count"], group["left"]) for group in groups}
    assert counts == {"Motylki": (1, 1, 0), "Żabki": (1, 0, 1)}
    assert [child["child_id"] for group in groups for child in group["children"]] == [site.ania]


def test_a_readers_status_history_is_newest_first(db: Database) -> None:
    for minute, status in enumerate(
        (StatusMessage(True, fw="1.0", boot=3), StatusMessage(False), StatusMessage(True, fw="1.1", boot=4))
    ):
        with db.atomic():
            readers.record_status(
                db, "wejscie", status, datetime(2026, 11, 18, 7, minute, tzinfo=UTC), retained=False
            )
    history = readers.status_history(db, "wejscie", limit=2)
    assert [(row["online"], row["boot"], row["fw"]) for row in history] == [
        (True, 4, "1.1"),
        (False, None, None),
    ]
