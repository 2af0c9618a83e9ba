"""A card number typed at the desk (a USB "keyboard" reader, or by hand) → our card UID.

`hub.rules.card_uid.readings` lists what the typed text may mean; this prefers the reading
that names a card the hub has already seen (assigned, or tapped on an entrance reader),
then a reading that is the start of exactly one such card (4 bytes typed for a 7-byte
card, or the 3 bytes of a W26 number), and only then a complete reading, the most likely
first. A W26 number names no new card (a byte is missing): refused with what to do.
"""

from __future__ import annotations

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.card_uid import readings
from hub.store.cards import seen_uids


def card_uid_from_typed(db: Database, typed: str) -> str:
    """The canonical UID for `typed`, or a `Refusal` saying why it cannot be one."""
    options = readings(typed)
    if not options:
        raise Refusal(
            "card.uid_unreadable",
            N_(
                "%(typed)s is not a card number: type 8, 14 or 20 hex digits, or the 10 or 8 "
                "digits a desk reader types."
            ),
            typed=typed.strip()[:40],
        )
    for option in options:
        if option.complete and option.uid in seen_uids(db, option.uid):
            return option.uid
    for option in options:
        found = seen_uids(db, option.uid, limit=2)
        if len(found) == 1:
            return found[0]
    if any(not option.complete for option in options):
        raise Refusal(
            "card.uid_partial",
            N_(
                "%(typed)s carries only 3 of the card's bytes (a W26 number) and no card seen so "
                "far starts with them: tap the card on an entrance reader once, or set the desk "
                "reader to type 10 digits."
            ),
            typed=typed.strip(),
        )
    return options[0].uid
