"""In Chromium: a teacher writes and submits the month's work plan, the director returns it
with a remark, the teacher changes it and submits it again, the director approves it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.pages_support import Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account

TEACHER = "maria.nowak@p11.example.pl"
DIRECTOR = "dyrektor@p11.example.pl"


def log_in(browser: Browser, server: WebServer, email: str) -> Page:
    page = browser.new_context(locale="pl-PL").new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_a_plan_is_returned_with_a_remark_resubmitted_and_approved(tmp_path: Path, browser: Browser) -> None:
    site = Site.make(tmp_path)
    add_account(site.settings.database, "teacher", email=TEACHER, groups=[site.motylki])
    add_account(site.settings.database, "director", email=DIRECTOR)
    month = f"{datetime.now(site.settings.tz):%Y-%m}"
    with WebServer(site.app) as server:
        teacher = log_in(browser, server, TEACHER)
        teacher.goto(f"{server.url}/plans")
        teacher.get_by_role("link", name="Plany grupy Motylki").click()
        teacher.locator("#plan-month").fill(month)
        teacher.get_by_role("textbox", name="Plan").fill("Jesień w parku\nMoja rodzina")
        teacher.get_by_role("button", name="Zapisz projekt").click()
        expect(teacher.get_by_role("status")).to_contain_text("Zapisano plan.")
        teacher.get_by_role("button", name="Przekaż dyrektorowi").click()
        expect(teacher.get_by_role("status")).to_contain_text("Plan przekazano dyrektorowi.")
        expect(teacher.get_by_role("button", name="Zatwierdź plan")).to_have_count(0)  # not the teacher's

        director = log_in(browser, server, DIRECTOR)
        director.goto(f"{server.url}/plans")
        director.get_by_role("link", name="Plany grupy Motylki").click()
        director.locator(f"a[href='/groups/{site.motylki}/plans/{month}']").click()
        director.get_by_label("Uwaga dla nauczyciela").fill("Dodać wyjście do teatru")
        director.get_by_role("button", name="Zwróć z uwagą").click()
        expect(director.get_by_role("status")).to_contain_text("Plan zwrócono nauczycielowi.")

        teacher.reload()
        expect(teacher.locator("#history-title + .table-scroll")).to_contain_text("Dodać wyjście do teatru")
        teacher.get_by_role("textbox", name="Plan").fill("Jesień w parku\nMoja rodzina\nWyjście do teatru")
        teacher.get_by_role("button", name="Zapisz nową wersję").click()
        expect(teacher.get_by_role("status")).to_contain_text("Zapisano plan.")
        teacher.get_by_role("button", name="Przekaż dyrektorowi").click()
        expect(teacher.get_by_role("status")).to_contain_text("Plan przekazano dyrektorowi.")

        director.reload()
        expect(director.locator(".plan-text")).to_contain_text("Wyjście do teatru")
        director.get_by_role("button", name="Zatwierdź plan").click()
        expect(director.get_by_role("status")).to_contain_text("Plan zatwierdzono.")

        teacher.reload()
        expect(teacher.get_by_text("zatwierdzony", exact=True)).to_be_visible()
        expect(teacher.get_by_role("button", name="Przekaż dyrektorowi")).to_have_count(0)
        history = teacher.locator("#history-title + .table-scroll tbody tr")
        expect(history).to_have_count(6)
