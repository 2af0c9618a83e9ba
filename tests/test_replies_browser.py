"""The reply rule's journey in Chromium (issue 11, "done when"): a parent writes to her
child's teacher on a Friday from her phone; the app's clock (`app.state.clock`) moves to the
Wednesday (the third working day: due today) and then to the Thursday, the fourth working
day, when the director's panel shows the message overdue; the teacher's own list says so too,
and once she replies the panel counts it as answered late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.rules.attendance import local_instant
from tests.pages_support import PARENT_EMAIL, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser

FRIDAY = date(2026, 11, 27)
WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)
TEACHER_EMAIL = "nauczycielka@p11.example.pl"
DIRECTOR_EMAIL = "dyrektor@p11.example.pl"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    set_clock(site, FRIDAY, time(10, 15))
    return site


@pytest.fixture
def server(site: Site) -> Iterator[WebServer]:
    with WebServer(site.app) as running:
        yield running


def set_clock(site: Site, day: date, at: time) -> None:
    moment = local_instant(day, at, site.settings.tz)
    site.app.state.clock = lambda: moment


def signed_in(
    browser: Browser, server: WebServer, email: str, **options: object
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="pl-PL", **options)  # type: ignore[arg-type]
    page = context.new_page()
    log_in_browser(page, server.url, email, PASSWORD)
    return context, page


def test_a_parents_friday_message_is_overdue_on_the_fourth_working_day(
    site: Site, server: WebServer, browser: Browser
) -> None:
    teacher = add_account(site.settings.database, "teacher", email=TEACHER_EMAIL, groups=[site.motylki])
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania])
    add_account(site.settings.database, "director", email=DIRECTOR_EMAIL)

    parent_context, parent = signed_in(browser, server, PARENT_EMAIL, viewport=PHONE)
    parent.goto(f"{server.url}/messages/new")
    parent.select_option("#message-to", value=f"teacher:{teacher['id']}")
    parent.fill("#message-subject", "Piątkowe pytanie o wycieczkę")
    parent.fill("#message-body", "Czy w poniedziałek trzeba dać dziecku prowiant?")
    parent.get_by_role("button", name="Wyślij").click()
    expect(parent.locator("main")).to_contain_text("Piątkowe pytanie o wycieczkę")
    parent_context.close()

    director_context, director = signed_in(browser, server, DIRECTOR_EMAIL)
    set_clock(site, WEDNESDAY, time(9, 0))  # Mon 30, Tue 1, Wed 2: the third working day
    director.goto(f"{server.url}/replies/panel")
    row = director.locator("#reply-panel tbody tr", has_text="Test teacher")
    expect(row.locator("td").nth(0)).to_have_text("0")
    expect(row.locator("td").nth(1)).to_have_text("1")

    set_clock(site, THURSDAY, time(8, 0))  # the fourth working day
    director.reload()
    expect(row.locator("td").nth(0)).to_have_text("1")
    expect(director.locator("main")).to_contain_text("1 zaległa")
    expect(director.locator("main")).to_contain_text("Piątkowe pytanie o wycieczkę")

    teacher_context, teacher_page = signed_in(browser, server, TEACHER_EMAIL, viewport=PHONE)
    teacher_page.goto(f"{server.url}/replies")
    item = teacher_page.locator("article", has_text="Piątkowe pytanie o wycieczkę")
    expect(item).to_contain_text("zaległa")
    expect(item).to_contain_text("2 grudnia 2026")
    item.get_by_role("link", name="Piątkowe pytanie o wycieczkę").click()
    teacher_page.fill("textarea[name=body]", "Tak, prosimy o drugie śniadanie.")
    teacher_page.locator("form[action$='/reply'] button[type=submit]").click()
    expect(teacher_page.locator("main")).to_contain_text("Tak, prosimy o drugie śniadanie.")
    teacher_page.goto(f"{server.url}/replies")
    expect(teacher_page.locator("main")).to_contain_text("Nic nie czeka na Twoją odpowiedź")
    teacher_context.close()

    director.reload()
    expect(row.locator("td").nth(0)).to_have_text("0")
    expect(row.locator("td").nth(3)).to_have_text("1")  # answered late this month
    director_context.close()
