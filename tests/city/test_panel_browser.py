"""The gmina's panel in Chromium: an officer logs in through the form, every page passes axe
(as the site's pages do, tests/a11y.py) on a desktop and on a 360 px phone without sideways
scrolling, the keyboard reaches it, and a page prints on A4 without the header or buttons."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page

from hub.accounts import passwords
from hub.city import officers
from hub.city.pg_schema import migrate
from tests.a11y import assert_accessible, assert_keyboard_usable
from tests.city import panel_data
from tests.city_support import Postgres
from tests.support import WebServer
from web.city.app import create_panel_app

pytestmark = pytest.mark.city

PASSWORD = "Urzednik2026x"
PAGES = [
    "/",
    "/attendance?month=2026-11",
    "/fees?month=2026-11",
    "/sites/p-czap?month=2026-11",
    "/sites/p-ciem",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def panel_url() -> Iterator[str]:
    with Postgres() as pg:
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            migrate(conn)
            panel_data.fill(conn)
            officers.add(conn, "anna", "Anna Urzędniczka", passwords.hash_password(PASSWORD))
        with WebServer(create_panel_app(pg.dsn, clock=lambda: panel_data.NOW)) as server:
            yield server.url


def signed_in_page(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(locale="pl-PL", viewport=viewport).new_page()  # type: ignore[arg-type]
    page.goto(f"{url}/")
    assert "/login" in page.url
    assert_accessible(page)
    page.fill("#login-login", "anna")
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_every_page_is_accessible_and_fits(
    browser: Browser, panel_url: str, viewport: dict[str, int]
) -> None:
    page = signed_in_page(browser, panel_url, viewport)
    for path in PAGES:
        page.goto(f"{panel_url}{path}")
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width} px wide"
    page.goto(f"{panel_url}/")
    assert_keyboard_usable(page)
    page.context.close()


def test_a_page_prints_on_a4_without_the_header(browser: Browser, panel_url: str, tmp_path: Path) -> None:
    page = signed_in_page(browser, panel_url, {"width": 1280, "height": 800})
    page.goto(f"{panel_url}/fees?month=2026-11")
    pdf = tmp_path / "fees.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Opłaty i posiłki, listopad 2026" in text and "Całe miasto" in text
    page.emulate_media(media="print")
    for screen_only in ["a.skip", "header.site", "footer.site", "button"]:
        shown = [element for element in page.locator(screen_only).all() if element.is_visible()]
        assert not shown, f"{screen_only} is printed"
    page.context.close()
