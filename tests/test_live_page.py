"""The live page in a real browser: a tap published to the broker shows up without a reload."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from hub.config import Settings
from tests.conftest import SITE
from tests.support import FakeReaderClient, HubProcess, Mosquitto, tap_payload
from tests.test_attendance_e2e import UID as KNOWN_UID
from tests.test_attendance_e2e import enrol
from tests.web_support import PASSWORD, add_account, log_in_browser


def test_a_tap_appears_live_and_reader_status_updates(
    tmp_path: Path, settings: Settings, mosquitto: Mosquitto, browser
) -> None:
    enrol(settings)
    teacher = add_account(settings.database, "teacher")
    hub = HubProcess(tmp_path, settings.database, mosquitto.url, SITE)
    hub.start()
    page = browser.new_page(locale="pl-PL")  # a Polish browser: the page follows Accept-Language
    try:
        log_in_browser(page, f"http://127.0.0.1:{hub.web_port}", teacher["email"], PASSWORD)
        page.goto(f"http://127.0.0.1:{hub.web_port}/")
        expect(page.locator("#connection")).to_have_text("Na żywo")
        reader = FakeReaderClient(mosquitto.port, SITE, "r1")
        reader.publish(
            "status", json.dumps({"online": True, "fw": "9.9.9", "queue": 4}).encode(), retain=True
        )
        reader.publish("tap", tap_payload(1, uid="04C0FFEE"))
        newest = page.locator("#taps tbody tr").first
        expect(newest).to_contain_text("04C0FFEE", timeout=5000)
        expect(newest).to_contain_text("nieznana karta")
        expect(page.locator("#tap-count")).to_have_text("1")
        reader.publish("tap", tap_payload(2, uid=KNOWN_UID))
        expect(newest).to_contain_text("Ania K.", timeout=5000)  # short names on a screen in the hall
        expect(newest).to_contain_text("przyjście")
        row = page.locator('tr[data-reader="r1"]')
        expect(row.locator(".fw")).to_have_text("9.9.9")
        expect(row.locator(".state")).to_have_text("w sieci")
        reader.close()
    finally:
        page.close()
        hub.stop()


def test_live_page_fits_a_phone(tmp_path: Path, settings: Settings, mosquitto: Mosquitto, browser) -> None:
    director = add_account(settings.database, "director")
    hub = HubProcess(tmp_path, settings.database, mosquitto.url, SITE)
    hub.start()
    page = browser.new_page(locale="pl-PL", viewport={"width": 360, "height": 740})
    try:
        log_in_browser(page, f"http://127.0.0.1:{hub.web_port}", director["email"], PASSWORD)
        page.goto(f"http://127.0.0.1:{hub.web_port}/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Przejdź do treści"
    finally:
        page.close()
        hub.stop()
