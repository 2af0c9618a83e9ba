"""Cards, a reader and taps for the journal pages' tests, on top of `pages_support.Site`'s
kindergarten (Ania in Motylki, Olek in Żabki): taps stored as ingest stores them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import local_instant
from hub.store import cards, readers, taps
from hub.wire import TapMessage

READER = "wejscie"
ANIA_CARD = "04A2B3C4"
"""Ania's, held by "mama"."""
OLEK_CARD = "04B0B0B0"
UNKNOWN_CARD = "04C0FFEE"


def give_cards(db: Database, settings: Settings, ania: int, olek: int) -> None:
    """The entrance reader, and a card for each child valid since the school year began."""
    if not readers.is_registered(db, READER):
        readers.add_reader(db, READER, "Wejście główne")
    for uid, child, holder in ((ANIA_CARD, ania, "mama"), (OLEK_CARD, olek, "")):
        cards.assign_card_from_day(
            db, uid=uid, child_id=child, author="test", day=date(2026, 9, 1), tz=settings.tz, holder=holder
        )


def store_tap(db: Database, seq: int, uid: str, moment: datetime) -> None:
    """A tap on the entrance reader at `moment` (reader's clock), stored as ingest stores it."""
    with db.atomic():
        taps.insert_new(
            db, [taps.tap_row(READER, TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)]
        )


def local(settings: Settings, day: date, wall: time) -> datetime:
    return local_instant(day, wall, settings.tz)
