"""The journal pages in a real Chromium: a tap published to the broker appears on a teacher's
presence board without a reload; an administrator assigns an unknown card in one step and
the child's earlier tap of the day shows on the group's day."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect

from hub.store import readers
from hub.timefmt import utc_now
from tests.conftest import SITE
from tests.journal_support import ANIA_CARD, UNKNOWN_CARD, give_cards, store_tap
from tests.pages_support import Site
from tests.support import FakeReaderClient, HubProcess, Mosquitto, WebServer, tap_payload
from tests.web_support import PASSWORD, add_account, log_in_browser


def test_a_teacher_watches_a_tap_arrive_on_the_presence_board(
    tmp_path: Path, mosquitto: Mosquitto, browser: Browser
) -> None:
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    readers.add_reader(db, "r1", "Wejście boczne")
    db.close()
    teacher = add_account(site.settings.database, "teacher", groups=[site.zabki])  # Ania is in Motylki
    hub = HubProcess(tmp_path, site.settings.database, mosquitto.url, SITE)
    hub.start()
    page = browser.new_page(locale="pl-PL")
    try:
        base = f"http://127.0.0.1:{hub.web_port}"
        log_in_browser(page, base, teacher["email"], PASSWORD)
        page.goto(f"{base}/presence")
        expect(page.locator("#connection")).to_have_text("Na żywo: tablica odświeża się sama.")
        expect(page.locator("#board .totals")).to_contain_text("Teraz w budynku: 0")
        reader = FakeReaderClient(mosquitto.port, SITE, "r1")
        reader.publish("tap", tap_payload(1, uid=ANIA_CARD, t=int(time.time())))
        row = page.locator(f"#board tr[data-child='{site.ania}']")
        expect(row).to_contain_text("Ania Kowalska", timeout=5000)
        expect(row).to_contain_text("mama")
        expect(page.locator("#board .totals")).to_contain_text("Teraz w budynku: 1")
        expect(page.locator(f"#presence-group-{site.motylki}")).to_contain_text("w budynku 1 z 1")
        reader.close()
    finally:
        page.close()
        hub.stop()


def test_an_admin_assigns_an_unknown_card_and_the_earlier_tap_shows_on_the_group_day(
    tmp_path: Path, browser: Browser
) -> None:
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    today_start = datetime.now(site.settings.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    tapped = max(utc_now() - timedelta(minutes=2), today_start)
    store_tap(db, 1, UNKNOWN_CARD, tapped)
    db.close()
    admin = add_account(site.settings.database, "admin")
    clock = tapped.astimezone(site.settings.tz).strftime("%H:%M")
    page = browser.new_page(locale="pl-PL")
    with WebServer(site.app) as server:
        try:
            log_in_browser(page, server.url, admin["email"], PASSWORD)
            page.goto(f"{server.url}/cards")
            card = page.locator(f"#unknown-{UNKNOWN_CARD}")
            expect(card).to_contain_text("1 odbicie")
            card.get_by_label("Dziecko").select_option(label="Żak Olek (Żabki)")
            card.get_by_label("Kto ją nosi").fill("tata")
            card.get_by_role("button", name="Przypisz dziecku").click()
            expect(page.locator(".flash-ok")).to_have_text("Karta została przypisana.")
            expect(page.locator(f"#unknown-{UNKNOWN_CARD}")).to_have_count(0)
            page.get_by_role("link", name="Dzień grupy").click()
            page.get_by_label("Grupa").select_option(label="Żabki")
            page.get_by_role("button", name="Pokaż").click()
            row = page.locator("table.group-day tbody tr", has_text="Żak Olek")
            expect(row).to_contain_text(clock)
            expect(row).to_contain_text("(tata)")
            expect(row).to_contain_text("obecne")
        finally:
            page.close()
