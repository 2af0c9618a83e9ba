"""Every page on a 360 px phone, for every role, in Chromium: nothing wider than the screen,
no table column hidden behind a sideways scroll, and the menu folded into one button.

The pages come from `sample_site` (the demo kindergarten with a morning of taps); the axe
scans at phone width are `test_accessibility.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import readers, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.sample_site import NOT_PAGES, PASSWORD, ROLES, email, sample_paths, sample_site
from tests.support import WebServer
from tests.web_support import add_account, log_in_browser
from web.app import PAGES, create_app

PHONE = {"width": 360, "height": 740}
MENU_BAR_HEIGHT = 80
"""The header on a phone, in CSS pixels: the site's name, the menu button and the user's tools
on at most two lines, not the 4–6 lines of links the menu took unfolded."""

MEASURE = """() => {
  const root = document.documentElement;
  const hidden = [...document.querySelectorAll('main *')].filter(element => {
    const style = getComputedStyle(element);
    return ['auto', 'scroll'].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1;
  }).map(element => element.tagName.toLowerCase() + (element.className ? '.' + element.className : ''));
  const header = document.querySelector('header.site');
  return {width: root.scrollWidth, scrolled: hidden, header: header ? header.offsetHeight : 0};
}"""
"""The page's width, the elements in `main` that scroll sideways (a table cut at the screen's
edge), and the header's height."""

PRINT_VIEWS = "/reports/"
"""A report's print view is an A4 page (the PDF's source): its wide tables may scroll sideways
on a phone (the PDF is what a phone gets), but the page itself must still fit."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebServer, date]]:
    with sample_site(tmp_path_factory.mktemp("phone")) as (server, settings):
        yield server, datetime.now(settings.tz).date()


def test_every_page_route_has_a_sample_address() -> None:
    routes = {
        route.path
        for router in PAGES
        for route in router.routes
        if "GET" in (getattr(route, "methods", None) or ())
    }
    missing = routes - NOT_PAGES - set(sample_paths(date(2026, 11, 18)))
    assert not missing, f"add an address for {sorted(missing)} to tests/sample_site.py's sample_paths"


def measure(page: Page, base: str, path: str) -> tuple[int, dict]:
    response = page.goto(base + path)
    assert response is not None, path
    return response.status, page.evaluate(MEASURE)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(browser: Browser, site: tuple[WebServer, date], role: str) -> None:
    server, today = site
    context = browser.new_context(viewport=PHONE, locale="pl-PL")
    try:
        page = context.new_page()
        log_in_browser(page, server.url, email(role), PASSWORD)
        problems = []
        for path in [path for paths in sample_paths(today).values() for path in paths]:
            status, found = measure(page, server.url, path)
            if found["width"] > PHONE["width"]:
                problems.append(f"{path} (HTTP {status}): {found['width']} px wide")
            if found["scrolled"] and not path.startswith(PRINT_VIEWS):
                problems.append(f"{path} (HTTP {status}): scrolls sideways in {found['scrolled']}")
            if found["header"] > MENU_BAR_HEIGHT and path != "/login":
                problems.append(f"{path} (HTTP {status}): the header is {found['header']} px high")
        assert not problems, f"as {role} at {PHONE['width']} px:\n" + "\n".join(problems)
    finally:
        context.close()


def test_the_menu_folds_into_a_button_that_opens_it(browser: Browser, site: tuple[WebServer, date]) -> None:
    server, _ = site
    context = browser.new_context(viewport=PHONE, locale="pl-PL")
    try:
        page = context.new_page()
        log_in_browser(page, server.url, email("director"), PASSWORD)
        page.goto(server.url + "/")
        button = page.get_by_role("button", name="Menu")
        expect(button).to_have_attribute("aria-expanded", "false")
        menu = page.get_by_role("navigation", name="Menu główne")
        expect(menu.get_by_role("link", name="Karty")).to_be_hidden()
        button.focus()
        page.keyboard.press("Enter")
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(menu.get_by_role("link", name="Karty")).to_be_visible()
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()
    finally:
        context.close()


def test_on_a_desktop_the_menu_is_open_without_a_button(
    browser: Browser, site: tuple[WebServer, date]
) -> None:
    server, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="pl-PL")
    try:
        page = context.new_page()
        log_in_browser(page, server.url, email("director"), PASSWORD)
        page.goto(server.url + "/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        menu = page.get_by_role("navigation", name="Menu główne")
        expect(menu.get_by_role("link", name="Karty")).to_be_visible()
    finally:
        context.close()


def test_without_scripts_the_menu_stays_unfolded_and_tables_scroll(
    browser: Browser, site: tuple[WebServer, date]
) -> None:
    server, today = site
    context = browser.new_context(viewport=PHONE, locale="pl-PL", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in_browser(page, server.url, email("teacher"), PASSWORD)
        page.goto(server.url + sample_paths(today)["/groups/{group_id}/days/{day}"][0])
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        menu = page.get_by_role("navigation", name="Menu główne")
        expect(menu.get_by_role("link", name="Dzień grupy")).to_be_visible()
        region = page.get_by_role("region", name="Wejścia i wyjścia")
        expect(region.locator("thead")).to_be_visible()  # a table as a table, in its own scroll
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_tables_print_as_tables_on_a4(browser: Browser, site: tuple[WebServer, date]) -> None:
    """A4 is narrower (about 700 px) than the width where tables stack: print keeps them tables."""
    server, today = site
    context = browser.new_context(viewport={"width": 700, "height": 990}, locale="pl-PL")
    try:
        page = context.new_page()
        log_in_browser(page, server.url, email("teacher"), PASSWORD)
        page.goto(server.url + sample_paths(today)["/groups/{group_id}/days/{day}"][0])
        page.emulate_media(media="print")
        shown = page.evaluate("getComputedStyle(document.querySelector('.table-scroll tbody tr')).display")
        assert shown == "table-row"
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["pl-PL", "en-GB"])
def test_a_long_inconsistency_log_fits_a_phone(browser: Browser, tmp_path: Path, locale: str) -> None:
    """Thirteen cards nobody has, each a row of the log: the page that was 3 px wider than a
    360 px phone (with the accessibility seed's eleven extra cards) stays within the screen."""
    settings = Settings(database=tmp_path / "log.db")
    db = open_database(settings.database)
    now = datetime.now(UTC)
    readers.add_reader(db, "wejscie", "Wejście główne")
    with db.atomic():
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage(f"04FFFF{n:02X}", n, 1, 0, None, int(at.timestamp())), at)
                for n in range(1, 14)
                for at in [now - timedelta(minutes=n)]
            ],
        )
    db.close()
    add_account(settings.database, "director")
    with WebServer(create_app(settings, EventBus())) as server:
        context = browser.new_context(viewport=PHONE, locale=locale)
        try:
            page = context.new_page()
            log_in_browser(page, server.url, email("director"), PASSWORD)
            status, found = measure(page, server.url, "/inconsistencies")
            assert status == 200 and page.locator("tbody tr").count() >= 13
            assert found["width"] <= PHONE["width"] and not found["scrolled"], found
        finally:
            context.close()
