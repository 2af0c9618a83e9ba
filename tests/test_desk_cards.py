"""Cards enrolled at the desk: the number a USB "keyboard" reader types (10-digit decimal
of the reversed bytes, W26, hex in either order) read back as our UID, against worked
examples, and through the cards page over a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.ingest.desk_reader import record_read
from hub.refusal import Refusal
from hub.rules.card_uid import Reading, readings
from hub.services.typed_uid import card_uid_from_typed
from hub.store import cards
from hub.timefmt import utc_now
from tests.journal_support import ANIA_CARD, give_cards, store_tap
from tests.pages_support import Site, errors

# worked examples for the card 04 A2 B3 C4 (Ania's), computed by hand:
# little-endian 0xC4B3A204 = 3300106756; big-endian 0x04A2B3C4 = 77771716;
# W26: facility 0xB3 = 179, card 0xA204 = 41476; 3 bytes little-endian 0xB3A204 = 11772420


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("3300106756", Reading("04A2B3C4", True, "decimal, reversed")),
        ("0077771716", Reading("C4B3A204", True, "decimal, reversed")),
        ("04A2B3C4", Reading("04A2B3C4", True, "hex")),
        ("04:a2:b3:c4", Reading("04A2B3C4", True, "hex")),
        ("04-A2-B3-C4", Reading("04A2B3C4", True, "hex")),
        (" 0x04A2B3C4 ", Reading("04A2B3C4", True, "hex")),
        ("C4B3A204", Reading("C4B3A204", True, "hex")),
        ("17941476", Reading("04A2B3", False, "W26")),
        ("179,41476", Reading("04A2B3", False, "W26")),
        ("11772420", Reading("04A2B3", False, "decimal of 3 bytes")),
        ("04A3C6CAE26180", Reading("04A3C6CAE26180", True, "hex")),
    ],
)
def test_what_a_desk_reader_types_reads_back_as_the_card(typed: str, first: Reading) -> None:
    assert readings(typed)[0] == first


def test_every_reading_of_the_worked_example_is_offered() -> None:
    assert [r.uid for r in readings("3300106756")] == ["04A2B3C4", "C4B3A204"]
    assert [r.uid for r in readings("C4B3A204")] == ["C4B3A204", "04A2B3C4"]  # either order
    assert {r.uid for r in readings("17941476")} == {"04A2B3", "17941476", "76149417"}


@pytest.mark.parametrize(
    "typed", ["", "12345", "4294967296", "999,99999", "04A2B3C", "ZZZZZZZZ", "04A2B3C4D5", "04A2B3C4;DROP"]
)
def test_text_that_is_no_card_number_has_no_reading(typed: str) -> None:
    assert readings(typed) == ()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site.make(tmp_path)
    db = made.db()
    give_cards(db, made.settings, made.ania, made.olek)
    store_tap(db, 1, "04A3C6CAE26180", utc_now())  # an unknown 7-byte card tapped today
    db.close()
    yield made


@pytest.fixture
def db(site: Site) -> Iterator[Database]:
    database = site.db()
    yield database
    database.close()


def test_a_reading_that_names_a_card_seen_wins(db: Database) -> None:
    # big-endian 10 digits of Ania's card: the reversed reading would be C4B3A204, never seen
    assert card_uid_from_typed(db, "0077771716") == ANIA_CARD
    assert card_uid_from_typed(db, "C4B3A204") == ANIA_CARD  # hex typed reversed
    assert card_uid_from_typed(db, "17941476") == ANIA_CARD  # W26: 3 bytes, one card starts so
    # a 7-byte card: the desk reader types its first 4 bytes (04 A3 C6 CA), reversed, decimal
    assert card_uid_from_typed(db, str(0xCAC6A304)) == "04A3C6CAE26180"


def test_a_card_never_seen_takes_the_most_likely_complete_reading(db: Database) -> None:
    assert card_uid_from_typed(db, str(0x44332211)) == "11223344"  # reversed decimal: the default
    assert card_uid_from_typed(db, "11:22:33:44:55:66:77") == "11223344556677"


def test_w26_of_a_card_never_seen_is_refused_with_what_to_do(db: Database) -> None:
    with pytest.raises(Refusal) as refused:
        card_uid_from_typed(db, "00100001")
    assert refused.value.code == "card.uid_partial"
    with pytest.raises(Refusal) as refused:
        card_uid_from_typed(db, "nonsense")
    assert refused.value.code == "card.uid_unreadable"


def test_the_cards_page_takes_a_card_typed_by_a_desk_reader(site: Site, db: Database) -> None:
    secretary = site.client("secretary")
    typed = str(0xCAC6A304)  # the unknown 7-byte card, as a cheap USB reader types it
    response = secretary.post("/cards", data={"uid": typed, "child_id": site.olek, "from_now": "yes"})
    assert response.status_code == 200, errors(response.text)
    card = cards.active_card(db, "04A3C6CAE26180")
    assert card is not None and card["child_id"] == site.olek
    assert cards.active_card(db, typed) is None


def test_the_cards_page_refuses_a_w26_number_it_cannot_complete(site: Site, db: Database) -> None:
    response = site.client("secretary").post("/cards", data={"uid": "00100001", "child_id": site.olek})
    assert response.status_code == 422
    assert any("W26" in e and "10 cyfr" in e for e in errors(response.text)), errors(response.text)
    assert 'id="new-uid"' in response.text and 'aria-invalid="true"' in response.text
    assert db["cards"].count == 2


def test_the_cards_page_hears_of_a_card_read_at_the_desk(site: Site) -> None:
    secretary = site.client("secretary")
    page = secretary.get("/cards").text
    assert 'id="desk-read" role="status"' in page and "/static/desk.js" in page
    assert secretary.get("/api/cards/desk-reads").json() == []
    record_read(site.settings.database, "04A3C6CAE26180")
    record_read(site.settings.database, "04A2B3C4")
    reads = secretary.get("/api/cards/desk-reads?after=1").json()
    assert [(r["n"], r["uid"]) for r in reads] == [(2, "04A2B3C4")]
    assert site.client("teacher").get("/api/cards/desk-reads").status_code == 403
