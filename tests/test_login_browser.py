"""In Chromium: a blocked teacher, unblocked by the director with a one-time password, logs
in, sees the failed attempts since the last visit, must choose a new password, then logs out."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import registry
from hub.store.db import open_database
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser
from web.app import create_app


def test_unblock_with_a_one_time_password(tmp_path: Path, browser) -> None:
    settings = Settings(database=tmp_path / "login.db")
    db = open_database(settings.database)
    registry.add_group(db, "Żabki", author="test")
    db.close()
    teacher = add_account(settings.database, "teacher", groups=[1])
    director = add_account(settings.database, "director")
    with WebServer(create_app(settings, EventBus())) as site:
        intruder = browser.new_page(locale="pl-PL")
        for attempt in range(5):
            intruder.goto(f"{site.url}/login")
            intruder.fill("#login-email", teacher["email"])
            intruder.fill("#login-password", f"Zgaduje{attempt}X")
            intruder.click("form[action='/login'] button[type=submit]")
            expect(intruder.locator(".form-error")).to_contain_text("Błędny adres e-mail lub hasło")
        intruder.close()

        office = browser.new_context(locale="pl-PL").new_page()
        log_in_browser(office, site.url, director["email"], PASSWORD)
        office.goto(f"{site.url}/admin/users/{teacher['id']}")
        expect(office.locator("dl.facts")).to_contain_text("zablokowane")
        office.get_by_role("button", name="Wydaj hasło jednorazowe").click()
        one_time = office.locator("code.one-time").inner_text()
        assert re.fullmatch(r"[A-Za-z2-9]{14}", one_time)

        page = browser.new_context(locale="pl-PL").new_page()
        log_in_browser(page, site.url, teacher["email"], one_time)
        expect(page.locator(".login-notice")).to_contain_text("5 nieudanych prób logowania")
        page.get_by_role("link", name="Ustaw teraz nowe hasło").click()
        page.fill("#password-current", one_time)
        page.fill("#password-new", "Wiosna2027Motyl")
        page.fill("#password-repeat", "Wiosna2027Motyl")
        page.get_by_role("button", name="Zmień hasło").click()
        expect(page.locator(".flash-ok")).to_have_text("Hasło zostało zmienione.")
        page.goto(f"{site.url}/")
        expect(page.locator("#connection")).to_be_visible()  # the live page opens now
        page.get_by_role("button", name="Wyloguj").click()
        expect(page.locator("h1")).to_have_text("Zaloguj")
        page.goto(f"{site.url}/")
        expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_the_directors_own_browser_logs_in_while_a_stranger_blocks_the_account(
    tmp_path: Path, browser
) -> None:
    settings = Settings(database=tmp_path / "device.db")
    director = add_account(settings.database, "director")
    with WebServer(create_app(settings, EventBus())) as site:
        office = browser.new_context(locale="pl-PL").new_page()
        refused_by_policy = []
        office.on("console", lambda message: refused_by_policy.append(message.text)
                  if "Content Security Policy" in message.text else None)  # fmt: skip
        log_in_browser(office, site.url, director["email"], PASSWORD)
        office.goto(f"{site.url}/")
        expect(office.locator("#connection")).to_be_visible()
        office.get_by_role("button", name="Wyloguj").click()

        stranger = browser.new_context(locale="pl-PL").new_page()
        for attempt in range(8):
            stranger.goto(f"{site.url}/login")
            stranger.fill("#login-email", director["email"])
            stranger.fill("#login-password", f"Zgaduje{attempt}X")
            stranger.click("form[action='/login'] button[type=submit]")
            expect(stranger.locator(".form-error")).to_be_visible()
        stranger.fill("#login-password", PASSWORD)
        stranger.click("form[action='/login'] button[type=submit]")
        expect(stranger.locator(".form-error")).to_contain_text("zablokowane")

        log_in_browser(office, site.url, director["email"], PASSWORD)
        expect(office.locator(".login-notice")).to_contain_text("9 nieudanych prób logowania")
        assert refused_by_policy == []
