"""In Chromium: the administrator walks the end of the school year on a small site — closes
the messages, writes the archive onto the disk, verifies it, makes the yearly backup and
purges — one button at a time, the next step highlighted each time; the director then sees
the routine done, with no button; the finished page passes axe."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import messages
from hub.store.db import open_database
from tests.a11y import assert_accessible
from tests.backup_support import data_dir_with_attachments
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser
from web.app import create_app

BUTTONS = (
    ("messages", "Zamknij wiadomości roku 2025/2026", "Zrobione: zamknięcie wiadomości roku szkolnego."),
    ("archive", "Zapisanie archiwum", "Zrobione: zapisanie archiwum."),
    ("verify", "Sprawdzenie archiwum", "Zrobione: sprawdzenie archiwum."),
    ("backup", "Wykonaj kopię", "Zrobione: roczna kopia zapasowa."),
    ("purge", "Usuń teraz", "Zrobione: usunięcie danych po okresie przechowywania."),
)


def test_the_administrator_walks_the_end_of_the_year(tmp_path: Path, browser: Browser) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    disk = tmp_path / "dysk"
    disk.mkdir()
    settings = Settings(database=database, archive_dir=disk)
    admin = add_account(database, "admin")
    director = add_account(database, "director")
    with WebServer(create_app(settings, EventBus())) as server:
        page = browser.new_context(locale="pl-PL").new_page()
        log_in_browser(page, server.url, admin["email"], PASSWORD)
        page.get_by_role("link", name="Koniec roku szkolnego").first.click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Rok szkolny 2025/2026")
        for step, button, done in BUTTONS:
            current = page.locator('[aria-current="step"]')
            expect(current).to_have_class("panel step-next")
            expect(current.get_by_role("button")).to_have_text(button)
            current.get_by_role("button", name=button).click()
            expect(page.get_by_role("status")).to_contain_text(done)
            expect(page.locator(f"li.step-done form[action='/year-end/{step}']")).to_have_count(0)
        expect(page.locator('[aria-current="step"]')).to_have_count(0)
        expect(page.locator("li.panel.step-done")).to_have_count(5)
        expect(page.get_by_text("Zakończenie roku szkolnego 2025/2026 jest wykonane.")).to_be_visible()
        expect(page.get_by_text("Kompletne i poprawne", exact=False)).to_be_visible()
        assert_accessible(page)

        other = browser.new_context(locale="pl-PL").new_page()
        log_in_browser(other, server.url, director["email"], PASSWORD)
        other.goto(f"{server.url}/year-end")
        expect(other.get_by_text("Zakończenie roku szkolnego 2025/2026 jest wykonane.")).to_be_visible()
        expect(other.locator("form[action^='/year-end/']")).to_have_count(0)
    archives = [path.name for path in disk.iterdir() if "archiwum" in path.name]
    assert archives == ["ewidencjoner-przedszkole-archiwum-2025-2026"]
    assert messages.is_closed(open_database(database), "2025/2026")
