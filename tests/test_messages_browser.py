"""In Chromium: a teacher writes to her group's parents with a PDF, a parent opens it on a
360 px phone (the menu's count goes, the message is no longer bold), and the teacher sees
the parent's receipt, "przeczytana DD.MM.RRRR, GG:MM"."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.pages_support import PARENT_EMAIL, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account

PHONE = {"width": 360, "height": 740}
TEACHER_EMAIL = "maria.nowak@p11.example.pl"


def log_in(browser: Browser, server: WebServer, email: str, **context: object) -> Page:
    page = browser.new_context(locale="pl-PL", **context).new_page()  # type: ignore[arg-type]
    page.goto(f"{server.url}/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_a_teacher_writes_a_parent_reads_on_a_phone_and_the_teacher_sees_the_receipt(
    tmp_path: Path, browser: Browser
) -> None:
    site = Site.make(tmp_path)
    add_account(site.settings.database, "teacher", email=TEACHER_EMAIL, groups=[site.motylki])
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania])
    plan = tmp_path / "plan zebrania.pdf"
    plan.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with WebServer(site.app) as server:
        teacher = log_in(browser, server, TEACHER_EMAIL)
        teacher.goto(f"{server.url}/messages/new")
        teacher.get_by_label("Do (wymagane)").select_option(label="Rodzice grupy: Motylki")
        teacher.get_by_label("Temat (wymagane)").fill("Zebranie we wtorek")
        teacher.get_by_label("Treść (wymagane)").fill("Zapraszam na zebranie o 17:00.")
        teacher.get_by_label("Załączniki").set_input_files(str(plan))
        teacher.get_by_role("button", name="Wyślij").click()
        expect(teacher.get_by_role("status")).to_contain_text("Wiadomość została wysłana.")
        expect(teacher.locator(".receipts")).to_contain_text("nieprzeczytana")
        sent_at = teacher.url

        parent = log_in(browser, server, PARENT_EMAIL, viewport=PHONE)
        parent.goto(f"{server.url}/messages")
        unread = parent.locator(".message-item.unread")
        expect(unread).to_contain_text("Zebranie we wtorek")
        assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        unread.get_by_role("link").click()
        expect(parent.get_by_role("heading", level=1)).to_have_text("Zebranie we wtorek")
        expect(parent.locator(".message-to")).to_have_text("Do: rodzice grupy Motylki")
        expect(parent.get_by_role("link", name="plan zebrania.pdf")).to_be_visible()
        assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        parent.goto(f"{server.url}/messages")
        expect(parent.locator(".message-item.unread")).to_have_count(0)

        teacher.goto(sent_at)
        receipt = teacher.locator(".receipts-table tbody tr").filter(has_text="Test parent")
        expect(receipt).to_contain_text(re.compile(r"przeczytana \d\d\.\d\d\.\d{4}, \d\d:\d\d"))
