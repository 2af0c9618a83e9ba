"""In Chromium: a parent reports tomorrow's absence on their phone, and the kitchen's meal count
for that day (the `meal-count` report the secretary prints) has one meal fewer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from hub.rules.attendance import is_day_off
from hub.store import fee_settings
from tests.pages_support import PARENT_EMAIL, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account

PHONE = {"width": 360, "height": 740}


def log_in(browser: Browser, server: WebServer, email: str, **context: object) -> Page:
    page = browser.new_context(locale="pl-PL", **context).new_page()  # type: ignore[arg-type]
    page.goto(f"{server.url}/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def meal_total(page: Page, server: WebServer, day: date) -> str:
    page.goto(f"{server.url}/reports/meal-count?date={day.isoformat()}&format=html")
    return page.locator("tr.totals td").nth(1).inner_text()


def test_a_parents_absence_takes_a_meal_off_the_kitchens_count(tmp_path: Path, browser: Browser) -> None:
    site = Site.make(tmp_path)
    with site.db() as db:
        fee_settings.set_meal_price(db, date(2026, 9, 1), "obiad", "8,50", author="test")
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania])
    add_account(site.settings.database, "secretary", email="sekretariat@p11.example.pl")
    day = datetime.now(site.settings.tz).date() + timedelta(days=1)
    while is_day_off(day):
        day += timedelta(days=1)
    with WebServer(site.app) as server:
        kitchen = log_in(browser, server, "sekretariat@p11.example.pl")
        assert meal_total(kitchen, server, day) == "2"

        parent = log_in(browser, server, PARENT_EMAIL, viewport=PHONE)  # one child: lands on hers
        expect(parent.get_by_role("heading", level=1)).to_have_text("Ania Kowalska")
        parent.get_by_label("Pierwszy dzień").fill(day.isoformat())
        parent.get_by_label("Powód").fill("katar")
        parent.get_by_role("button", name="Zgłoś nieobecność").click()
        expect(parent.get_by_role("status")).to_contain_text("Nieobecność została zgłoszona.")
        row = parent.locator("#reported-absences tbody tr").filter(
            has_text=f"{day.day}.{day:%m.%Y}"
        )  # 7.12.2026
        expect(row).to_contain_text("odwołane")
        expect(row).to_contain_text("katar")
        assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        assert meal_total(kitchen, server, day) == "1"
