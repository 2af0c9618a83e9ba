"""A kindergarten for the fee resolution's tests: two children with cards, and Ania's stays
on one day of October and one of November, so a rate's date shows in the months' fees."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from hub.config import Settings
from hub.services import billing
from hub.store import registry
from hub.store.db import open_database
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap

SITE = "p12"
BASIS = "Uchwała nr XII/85/2026 Rady Miasta"


def make_site(tmp_path: Path) -> tuple[Settings, Database, int]:
    """Ania (born 2022: not exempt by age), 7:00–16:00 on 14 October and 18 November: 4 paid
    hours each day (free 8:00–13:00, per full hour); returns the settings, the database and
    Ania's id."""
    settings = Settings(database=tmp_path / "site.db", site=SITE)
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania, olek = (
        registry.add_child(
            db, first_name=name, last_name="Żak", group=group, active_from="2026-09-01",
            birth_date="2022-05-04", author="test",
        )["id"]
        for name in ("Ania", "Olek")
    )  # fmt: skip
    give_cards(db, settings, ania, olek)
    for seq, (day, wall) in enumerate(
        [(date(2026, 10, 14), time(7)), (date(2026, 10, 14), time(16)),
         (date(2026, 11, 18), time(7)), (date(2026, 11, 18), time(16))], 1,
    ):  # fmt: skip
        store_tap(db, seq, ANIA_CARD, local(settings, day, wall))
    return settings, db, ania


def stay_fee(db: Database, settings: Settings, child: int, month: int) -> Decimal:
    """The child's stay fee for a month of 2026 as billing computes it now."""
    return billing.statement(db, settings, child, 2026, month).stay_fee
