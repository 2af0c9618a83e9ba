"""The door in a real Chromium (issue 14's journeys): a teacher on a tablet records three
children in three taps and another screen's presence board shows each within 250 ms; a
child not come by the set hour shows as missing on the grid and the board; a guardian
records an arrival at the kiosk with a PIN, and five wrong PINs stop the next try.

The app's clock is set to a Wednesday morning (`app.state.clock`), so the journeys run the
same on any day of the week."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.accounts import kiosk_pins
from hub.rules.attendance import local_instant
from hub.store import absences, registry
from tests.a11y import assert_accessible, assert_keyboard_usable
from tests.pages_support import Site
from tests.support import WebServer, wait_until
from tests.web_support import PASSWORD, add_account, log_in_browser

WEDNESDAY = date(2026, 11, 18)
TABLET = {"width": 800, "height": 1280}
PHONE = {"width": 360, "height": 740}
BOARD_WITHIN_MS = 250
SEEN_ON_BOARD = """() => {
  // The moment each child's row first appears on the board, by this browser's clock.
  window.seen = {};
  const mark = () => {
    for (const row of document.querySelectorAll("#board tr[data-child]")) {
      if (!(row.dataset.child in window.seen)) window.seen[row.dataset.child] = Date.now();
    }
  };
  new MutationObserver(mark).observe(document.getElementById("board"), {childList: true, subtree: true});
  mark();
}"""
SENT_FROM_GRID = """() => {
  // The moment each tap's form is sent, by the same browser's clock.
  window.sent = {};
  document.addEventListener("submit", (event) => {
    window.sent[event.target.closest("li").dataset.child] = Date.now();
  }, true);
}"""


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    site.app.state.clock = lambda: local_instant(WEDNESDAY, time(7, 45), site.settings.tz)
    return site


@pytest.fixture
def server(site: Site) -> Iterator[WebServer]:
    with WebServer(site.app) as running:
        yield running


def signed_in(
    browser: Browser, server: WebServer, email: str, **options: object
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="pl-PL", **options)  # type: ignore[arg-type]
    page = context.new_page()
    log_in_browser(page, server.url, email, PASSWORD)
    return context, page


def fits(page: Page) -> None:
    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "wider than the screen"


def test_a_teacher_records_three_children_in_three_taps_and_the_board_shows_them_at_once(
    site: Site, server: WebServer, browser: Browser
) -> None:
    with site.db() as db:
        children = [site.ania] + [
            registry.add_child(
                db, first_name=first, last_name=last, group=site.motylki, active_from="2026-09-01", author="t"
            )["id"]
            for first, last in (("Łucja", "Ćwik"), ("Jędrzej", "Sądecki"))
        ]
    teacher = add_account(site.settings.database, "teacher", groups=[site.motylki])
    director = add_account(site.settings.database, "director")
    grid_context, grid = signed_in(browser, server, teacher["email"], viewport=TABLET)
    board_context, board = signed_in(browser, server, director["email"])
    try:
        assert grid.url.endswith(f"/groups/{site.motylki}/grid?welcome")  # where a teacher lands
        board.goto(f"{server.url}/presence")
        expect(board.locator("#connection")).to_have_text("Na żywo: tablica odświeża się sama.")
        expect(grid.locator("#connection")).to_have_text("Na żywo: lista odświeża się sama.")
        board.evaluate(SEEN_ON_BOARD)
        grid.evaluate(SENT_FROM_GRID)
        fits(grid)
        for child_id in children:
            row = grid.locator(f"#child-{child_id}")
            button = row.get_by_role("button", name="Przyszło teraz")
            # A live refresh may swap the row between finding the button and measuring it,
            # and a detached button has no box: measure again until it is on the page.
            box = wait_until(button.bounding_box, timeout=30)
            assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
            button.click()  # one tap a child
            expect(row).to_have_attribute("data-state", "in")
            expect(board.locator(f"#board tr[data-child='{child_id}']")).to_contain_text("07:45")
        sent = grid.evaluate("window.sent")
        seen = board.evaluate("window.seen")
        latencies = [seen[str(child_id)] - sent[str(child_id)] for child_id in children]
        print(f"board latency after a tap on the grid: {latencies} ms")
        # Each is the whole way: the form sent, the correction stored, the event, the board
        # rendered and pushed over the stream and swapped in. The median keeps one stall of
        # a busy CI machine from failing the journey; the worst is bounded loosely too.
        assert statistics.median(latencies) <= BOARD_WITHIN_MS, latencies
        assert max(latencies) <= 4 * BOARD_WITHIN_MS, latencies
        expect(board.locator("#board .totals")).to_contain_text("Teraz w budynku: 3")
        assert_accessible(grid)
    finally:
        grid_context.close()
        board_context.close()


def test_a_child_not_come_by_the_set_hour_shows_as_missing(
    site: Site, server: WebServer, browser: Browser
) -> None:
    with site.db() as db:
        tomek = registry.add_child(
            db, first_name="Tomek", last_name="Lis", group=site.motylki, active_from="2026-09-01", author="t"
        )["id"]
        absences.report_absence(db, child_id=tomek, first=WEDNESDAY, last=WEDNESDAY, reported_by="mama")
    teacher = add_account(site.settings.database, "teacher", groups=[site.motylki])
    context, page = signed_in(browser, server, teacher["email"], viewport=PHONE)
    try:
        site.app.state.clock = lambda: local_instant(WEDNESDAY, time(8, 59), site.settings.tz)
        page.goto(f"{server.url}/groups/{site.motylki}/grid")
        expect(page.locator(f"#child-{site.ania}")).to_have_attribute("data-state", "expected")
        page.goto(f"{server.url}/presence")
        expect(page.locator("#board")).not_to_contain_text("Brakuje")
        site.app.state.clock = lambda: local_instant(WEDNESDAY, time(9, 1), site.settings.tz)
        page.reload()
        missing = page.locator("#board .presence-missing")
        expect(missing).to_contain_text("Brakuje: 2")
        expect(missing).to_contain_text("Ania Kowalska")
        expect(missing).to_contain_text("Olek Żak")
        expect(missing).not_to_contain_text("Tomek")  # his mother reported the day absent
        missing.get_by_role("link", name="Motylki").click()
        ania = page.locator(f"#child-{site.ania}")
        expect(ania).to_have_attribute("data-state", "missing")
        expect(ania.locator(".door-state")).to_have_text("brak")
        expect(page.locator(f"#child-{tomek} .door-state")).to_have_text("nieobecne")
        fits(page)
    finally:
        context.close()


def test_a_guardian_records_an_arrival_at_the_kiosk_and_five_wrong_pins_stop_them(
    site: Site, server: WebServer, browser: Browser
) -> None:
    with site.db() as db:
        father = registry.add_guardian(
            db, name="Jan Kowalski", phone="600 100 200", children=[site.ania], relation="tata", author="t"
        )["id"]
        kiosk_pins.set_pin(db, father, "4826", author="sekretariat")
    kiosk = add_account(site.settings.database, "kiosk", email="kiosk@p11.example.pl")
    context, page = signed_in(browser, server, kiosk["email"], viewport=TABLET)
    try:
        assert "/kiosk" in page.url  # where the kiosk lands
        fits(page)
        page.get_by_label("Twój numer telefonu").fill("600100200")
        page.get_by_label("Twój PIN").fill("4826")
        page.get_by_role("button", name="Dalej").click()
        children = page.locator(".kiosk-children li")
        expect(children).to_have_count(1)
        assert_accessible(page)
        children.get_by_role("button", name="Przyprowadzam").click()
        expect(page.locator(".flash-ok")).to_have_text("Ania Kowalska: zapisano przyjście o 07:45.")
        page.get_by_role("button", name="Gotowe").click()
        expect(page.get_by_label("Twój PIN")).to_be_visible()

        for _ in range(kiosk_pins.LOCK_AFTER):
            page.get_by_label("Twój numer telefonu").fill("600100200")
            page.get_by_label("Twój PIN").fill("1357")
            page.get_by_role("button", name="Dalej").click()
            expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("zablokowany po 5 błędnych próbach")
        page.get_by_label("Twój numer telefonu").fill("600100200")
        page.get_by_label("Twój PIN").fill("4826")  # the right one, now too late
        page.get_by_role("button", name="Dalej").click()
        expect(page.get_by_role("alert")).to_contain_text("zablokowany")
        expect(page.locator(".kiosk-children")).to_have_count(0)
    finally:
        context.close()

    teacher = add_account(site.settings.database, "teacher", groups=[site.motylki])
    context, page = signed_in(browser, server, teacher["email"])
    try:
        row = page.locator(f"#child-{site.ania}")
        expect(row).to_have_attribute("data-state", "in")
        expect(row).to_contain_text("(Jan Kowalski)")
        expect(row.locator(".tag", has_text="kiosk")).to_have_count(1)
    finally:
        context.close()


def test_the_grid_works_from_the_keyboard_and_keeps_the_place(
    site: Site, server: WebServer, browser: Browser
) -> None:
    teacher = add_account(site.settings.database, "teacher", groups=[site.motylki])
    context, page = signed_in(browser, server, teacher["email"], viewport=TABLET)
    try:
        assert_keyboard_usable(page, stops=40)
        came = page.get_by_role("button", name="Przyszło teraz: Ania Kowalska")
        came.focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#child-{site.ania}")).to_have_attribute("data-state", "in")
        # the same child's next button has the focus: the teacher goes on from where they were
        expect(page.get_by_role("button", name="Wyszło teraz: Ania Kowalska")).to_be_focused()
    finally:
        context.close()
