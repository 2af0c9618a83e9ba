"""In Chromium, a month from closing to a settled balance: the director closes September and
sets the bank's prefix, the secretary imports the bank's CSV, Ania's payment matches by her
individual account, her mother sees on her phone nothing left to pay and where she paid,
and Olek, who paid nothing, is on the arrears list with his reminder letter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.sync_api import Browser, expect

from hub.rules.fees.money import format_amount, from_grosz
from hub.rules.ledger import child_account, printed
from hub.store import fee_settings, ledger
from tests.pages_support import PARENT_EMAIL, Site
from tests.support import WebServer
from tests.test_parent_absence_browser import PHONE, log_in
from tests.web_support import add_account

PREFIX = "1090101400000712"


def test_a_month_from_closing_to_a_settled_balance(tmp_path: Path, browser: Browser) -> None:
    site = Site.make(tmp_path)
    with site.db() as db:
        fee_settings.set_meal_price(db, date(2026, 9, 1), "obiad", "8,50", author="test")
    add_account(site.settings.database, "director", email="dyrektor@p11.example.pl")
    add_account(site.settings.database, "secretary", email="sekretariat@p11.example.pl")
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania])
    with WebServer(site.app) as server:
        director = log_in(browser, server, "dyrektor@p11.example.pl")
        director.goto(f"{server.url}/months")
        director.locator("#close-month").fill("2026-09")
        director.get_by_role("button", name="Zamknij miesiąc").click()
        expect(director.get_by_role("status")).to_contain_text("2026-09")
        director.goto(f"{server.url}/money")
        director.locator("#money-account_prefix").fill(PREFIX)
        director.get_by_role("button", name="Zapisz").click()
        expect(director.get_by_role("status")).to_contain_text("Ustawienia płatności zapisano.")

        with site.db() as db:
            owed = sum(e.amount for e in ledger.entries_of(db, site.ania))
        assert owed > 0  # September's meals
        statement = tmp_path / "wyciag.csv"
        statement.write_text(
            "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n"
            f"2026-10-08;{format_amount(from_grosz(owed)).replace(chr(160), '')};Przedszkole;Marta Kowalska;"
            f"{child_account(PREFIX, site.ania)};B-1\n",
            encoding="utf-8",
        )
        secretary = log_in(browser, server, "sekretariat@p11.example.pl")
        secretary.goto(f"{server.url}/money")
        secretary.locator("#import-file").set_input_files(statement)
        secretary.get_by_role("button", name="Importuj").click()
        expect(secretary.get_by_role("status")).to_contain_text("przypisane 1")
        arrears = secretary.locator("section", has=secretary.locator("#arrears-title"))
        expect(arrears).to_contain_text("Żak Olek")
        expect(arrears).not_to_contain_text("Kowalska Ania")
        expect(arrears.get_by_role("link", name="PDF Żak Olek")).to_have_attribute(
            "href", f"/reports/reminder?child={site.olek}&format=pdf"
        )

        parent = log_in(browser, server, PARENT_EMAIL, viewport=PHONE)
        parent.goto(f"{server.url}/parent/children/{site.ania}")
        parent.get_by_role("link", name="Opłaty: ile i gdzie zapłacić, wpłaty").click()
        expect(parent.locator(".big-number")).to_have_text("0,00\u00a0zł")
        expect(parent.locator(".account-number")).to_have_text(printed(child_account(PREFIX, site.ania)))
        expect(parent.locator("#payments-title + ul")).to_contain_text(format_amount(from_grosz(owed)))
        assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
