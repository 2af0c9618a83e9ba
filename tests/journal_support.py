"""A small kindergarten in a real database, for the journal pages' tests: two groups, a child
in each with a card, readers, and taps stored as ingest stores them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlite_utils import Database

from hub import cards, readers, registry, taps
from hub.attendance import local_instant
from hub.config import Settings
from hub.wire import TapMessage

ANIA_CARD = "04A2B3C4"
OLEK_CARD = "04B0B0B0"
UNKNOWN_CARD = "04C0FFEE"


@dataclass(frozen=True)
class Kindergarten:
    motylki: int
    zabki: int
    ania: int
    """In Motylki, card ANIA_CARD held by "mama"."""
    olek: int
    """In Żabki, card OLEK_CARD."""


def kindergarten(db: Database, settings: Settings) -> Kindergarten:
    if not readers.is_registered(db, "wejscie"):
        readers.add_reader(db, "wejscie", "Wejście główne")
    motylki = registry.add_group(db, "Motylki", teachers="Maria Nowak", author="test")["id"]
    zabki = registry.add_group(db, "Żabki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=motylki, active_from="2026-09-01",
        birth_date="2021-05-04", notes="alergia na orzechy", author="test",
    )["id"]  # fmt: skip
    olek = registry.add_child(
        db, first_name="Olek", last_name="Żak", group=zabki, active_from="2026-09-01", author="test"
    )["id"]
    registry.add_guardian(
        db, name="Marta Kowalska", phone="600100200", children=[ania], relation="matka", author="test"
    )
    for uid, child, holder in ((ANIA_CARD, ania, "mama"), (OLEK_CARD, olek, "")):
        cards.assign_card_from_day(
            db, uid=uid, child_id=child, author="test", day=date(2026, 9, 1), tz=settings.tz, holder=holder
        )
    return Kindergarten(motylki, zabki, ania, olek)


def store_tap(db: Database, settings: Settings, seq: int, uid: str, day: date, wall: time) -> None:
    """A tap on reader `wejscie` at a local wall-clock time, stored as ingest stores it."""
    moment: datetime = local_instant(day, wall, settings.tz)
    with db.atomic():
        taps.insert_new(
            db, [taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)]
        )
