"""The desk reader and the cards page in a real Chromium: a card touched to the reader on the
secretary's desk (what `ewidencjoner desk-reader` records) fills the form and is announced,
without a reload; the secretary picks the child and assigns it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from hub.ingest.desk_reader import record_read
from hub.store import cards
from tests.journal_support import give_cards
from tests.pages_support import Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser


def test_a_card_read_at_the_desk_fills_the_form(tmp_path: Path, browser: Browser) -> None:
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    record_read(site.settings.database, "0102030405060708090A")  # before the page: not offered
    secretary = add_account(site.settings.database, "secretary")
    page = browser.new_page(locale="pl-PL")
    with WebServer(site.app) as server:
        try:
            log_in_browser(page, server.url, secretary["email"], PASSWORD)
            page.goto(f"{server.url}/cards")
            page.wait_for_load_state("networkidle")
            expect(page.locator("#new-uid")).to_have_value("")
            record_read(site.settings.database, "04A3C6CAE26180")
            expect(page.locator("#desk-read")).to_have_text(
                "Karta 04A3C6CAE26180 odczytana przy biurku: jest już w formularzu poniżej.", timeout=10000
            )
            expect(page.locator("#new-uid")).to_have_value("04A3C6CAE26180")
            form = page.locator("#assign")
            form.get_by_label("Dziecko").select_option(label="Żak Olek (Żabki)")
            form.get_by_role("button", name="Przypisz kartę").click()
            expect(page.locator(".flash-ok")).to_have_text("Karta została przypisana.")
        finally:
            page.close()
    card = cards.active_card(db, "04A3C6CAE26180")
    assert card is not None and card["child_id"] == site.olek
    db.close()
