"""Every page in a real Chromium: axe-core finds nothing serious, in Polish, in English, on a phone;
the keyboard reaches everything with visible focus; pages print on A4 without the site's chrome.

A new page joins the scan by a line in `PAGES` (see tests/README.md).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.rules.attachments import Limits
from hub.rules.year_end import archive_purpose
from hub.services import messages, payments, school_readiness, work_plans
from hub.store import (
    absences,
    announcements,
    backups,
    calendar_events,
    cards,
    copayers,
    firmware_updates,
    ledger,
    money_settings,
    observations,
    readers,
    registry,
    staff_absences,
    taps,
)
from hub.store import messages as message_store
from hub.store import year_end as year_end_store
from hub.store.db import open_database
from hub.wire import StatusMessage, TapMessage
from tests.a11y import assert_accessible, assert_keyboard_usable
from tests.sample_site import sample_release
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser
from web.app import create_app

ACCOUNTS = {"director": {}, "teacher": {"groups": [1]}, "parent": {"children": [1]}, "kiosk": {}, "admin": {}}
"""The accounts `seed` makes (options as `web_support.add_account`); e-mail `<role>@p11.example.pl`."""


@dataclass(frozen=True)
class Scan:
    path: str
    status: int = 200
    role: str | None = "director"
    """Who looks, signed in through the login form (a key of `ACCOUNTS`); None: nobody signed in."""


PAGES = [
    Scan("/"),
    Scan("/reports"),
    Scan("/reports/daily-sheet"),
    Scan("/reports/monthly-grid?month=2026-11"),
    Scan("/reports/evacuation"),
    Scan("/reports/no-such-report", 404),
    Scan("/reports/monthly-grid?month=2026-13", 422),
    Scan("/admin/users", 403, role="teacher"),
    Scan("/login", role=None),
    Scan("/account"),
    Scan("/account/welcome"),
    Scan("/account/password"),
    Scan("/admin/users"),
    Scan("/admin/users?role=teacher"),
    Scan("/admin/users?role=parent&q=%C5%BCak"),
    Scan("/admin/users?role=inspector"),
    Scan("/admin/users/1"),
    Scan("/admin/logins"),
    Scan("/admin/backups"),
    Scan("/presence"),
    Scan("/days"),
    Scan("/children/1"),
    Scan("/children/1?month=2026-13", 422),
    Scan("/cards"),
    Scan("/readers"),
    Scan("/registry/children"),
    Scan("/registry/children/1"),
    Scan("/registry/groups"),
    Scan("/registry/guardians"),
    Scan("/registry/import"),
    Scan("/settings"),
    Scan("/months"),
    Scan("/inconsistencies"),
    Scan("/inconsistencies?from=2026-11-20&to=2026-11-18", 422),
    Scan("/audit"),
    Scan("/parent", role="parent"),
    Scan("/parent/children/1", role="parent"),
    Scan("/parent/children/1/data", role="parent"),
    Scan("/parent/children/2", 403, role="parent"),
    Scan("/reports", role="parent"),
    Scan("/money"),
    Scan("/reports/arrears"),
    Scan("/parent/children/1/money", role="parent"),
    Scan("/parent/children/2/money", 403, role="parent"),
    Scan("/groups/1/grid"),
    Scan("/groups/1/grid?welcome", role="teacher"),
    Scan("/parent/children/1?welcome", role="parent"),
    Scan("/kiosk", role="kiosk"),
    Scan("/kiosk/pins/1"),
    Scan("/account/pin", role="parent"),
    Scan("/statistics?period=2026-11"),
    Scan("/statistics?group=&period=2026"),
    Scan("/statistics", role="teacher"),
    Scan("/statistics?period=2026-13&group=x", 422),
    Scan("/announcements"),
    Scan("/announcements", role="parent"),
    Scan("/calendar"),
    Scan("/calendar?month=2026-12", role="parent"),
    Scan("/calendar?month=2026-13", 422),
    Scan("/plans"),
    Scan("/groups/1/plans"),
    Scan("/groups/1/plans/2026-11"),
    Scan("/groups/1/plans/2026-11", role="teacher"),
    Scan("/reports/work-plan/1/2026-11"),
    Scan("/observations"),
    Scan("/children/1/observations"),
    Scan("/children/1/readiness/2027"),
    Scan("/reports/readiness/1/2027"),
    Scan("/children/2/readiness/2027", role="teacher"),
    Scan("/parent/children/1/observations", role="parent"),
    Scan("/account/notifications", role="parent"),
    Scan("/account/notifications"),
    Scan("/messages", role="parent"),
    Scan("/messages/1", role="parent"),
    Scan("/messages/new", role="parent"),
    Scan("/messages/1", role="teacher"),
    Scan("/messages/sent", role="teacher"),
    Scan("/messages/new", role="teacher"),
    Scan("/messages/1", 403, role="director"),
    Scan("/messages/years", role="admin"),
    Scan("/registry/children/3/erase", role="admin"),  # past retention: the confirmation form
    Scan("/registry/children/1/erase", role="admin"),  # attends: why not
    Scan("/registry/guardians/2/erase", role="admin"),
    Scan("/admin/users/1/erase", role="admin"),
    Scan("/registry/children/3/erase", 403),
    Scan("/year-end", role="admin"),
    Scan("/year-end?year=2024", role="admin"),
    Scan("/year-end"),
    Scan("/year-end?year=1999", 422, role="admin"),
    Scan("/staff-absences"),
    Scan("/replies", role="teacher"),
    Scan("/replies/panel"),
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWS = {
    "pl": {"locale": "pl-PL", "viewport": DESKTOP},
    "en": {"locale": "en-GB", "viewport": DESKTOP},
    "pl-phone": {"locale": "pl-PL", "viewport": PHONE},
}


def seed(settings: Settings) -> None:
    """A reader, two children with cards and today's taps (one card nobody has): tables with rows."""
    db = open_database(settings.database)
    now = datetime.now(UTC)
    readers.add_reader(db, "wejscie", "Wejście główne")
    registry.add_group(db, "Żabki", teachers="Agnieszka Śliwińska", author="test")
    for first, last, uid in [("Łucja", "Żak", "04A2B3C4"), ("Jędrzej", "Kłos", "04A2B3C5")]:
        child = registry.add_child(
            db, first_name=first, last_name=last, group="Żabki", active_from="2026-09-01", author="test"
        )
        cards.assign_card_from_day(
            db, uid=uid, child_id=child["id"], author="test", day=date(2026, 9, 1), tz=settings.tz
        )
    with db.atomic():
        moments = [("04A2B3C4", 30), ("04A2B3C5", 20), ("04FFFFFF", 10)]
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(at.timestamp())), at)
                for seq, (uid, minutes) in enumerate(moments, 1)
                for at in [now - timedelta(minutes=minutes)]
            ],
        )
        readers.record_status(db, "wejscie", StatusMessage(online=True, queue=0), now, retained=False)
    copy = {"created_at": now, "size_bytes": 52_000_000, "sha256": "ab" * 32}
    location = "/mnt/kopie/ewidencjoner-przedszkole-20261205T020000Z"
    backup_id = backups.record_backup(
        db, made_by="schedule", purpose="kopia bezpieczeństwa", location=location, verified=True, **copy
    )
    backups.record_copy(
        db, made_by="test", purpose="Kuratorium", location="pendrive", source_backup_id=backup_id, **copy
    )
    # The money: Łucja's September unpaid (arrears), one transfer to assign, the account set.
    money_settings.set_values(db, {"account_prefix": "1090101400000712"}, author="test")
    with db.atomic():
        charge = dict(
            child_id=1,
            kind="stay",
            amount=8640,
            booked_on="2026-09-30",
            due_on="2026-10-15",
            period="2026-09",
            description="Opłata za pobyt 2026-09",
            source="month:2026-09",
            created_at="2026-10-01T00:00:00.000Z",
            created_by="test",
        )
        ledger.add_entries(db, [charge])
    statement = (
        "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n2026-10-05;50,00;obiady;Jan Kłos;;1\n"
    )
    payments.import_file(db, statement.encode(), file_name="wyciag.csv", author="test")
    copayers.add_copayer(db, "MOPS Kraków", "welfare", author="test")
    firmware_updates.request(db, ["wejscie"], "1.1.0", "/releases/1.1.0", "test")  # the update column
    firmware_updates.set_state(db, "wejscie", "rolled-back", "wejscie went back to 1.0.0")
    # Issue 12: Żabki's plan for November submitted (the director's decision forms), Łucja's
    # observations (one changed by the director: its history) and her readiness draft.
    registry.update_child(db, 1, birth_date="2021-04-04", author="test")
    plan = work_plans.write(db, group_id=1, year=2026, month=11, text="Jesień\nRodzina", author="test")
    work_plans.submit(db, plan["id"], actor="test")
    for area, for_parents in (("mowa", True), ("motoryka", False)):
        entry = observations.add(
            db, child_id=1, day=date(2026, 11, 2), kind="observation", area=area, text="Opowiada chętnie.",
            author="test", for_parents=for_parents,
        )  # fmt: skip
    observations.modify(
        db, entry["id"], day=date(2026, 11, 2), kind="diagnosis", area="motoryka", text="Wycina po linii.",
        actor="test",
    )  # fmt: skip
    school_readiness.write(db, child_id=1, school_year=2027, text="Gotowa do szkoły.", author="test")
    # An absence ahead: the parent's page shows it with its "withdraw" button.
    monday = date(2099, 1, 12)
    absences.report_absence(db, child_id=1, first=monday, last=monday, reported_by="test")
    # Announcements (one current on the home pages, one withdrawn) and this month's events.
    today = now.astimezone(settings.tz).date()
    shown = {"shown_from": today, "shown_to": today + timedelta(days=7), "author": "test"}
    body = "W piątek o 10.\nZapraszamy rodziców."
    announcements.publish(db, title="Jasełka", body=body, audience="everyone", group_id=None, **shown)
    withdrawn = announcements.publish(
        db, title="Zebranie", body="Sala 2.", audience="group", group_id=1, **shown
    )
    announcements.withdraw(db, withdrawn["id"], reason="Nowy termin", author="test")
    calendar_events.add_event(db, kind="trip", title="Do lasu", place="Las Wolski", group_id=1, start=today,
                              end=today, author="test", tz=settings.tz)  # fmt: skip
    at_five = datetime.combine(today, time(17), tzinfo=settings.tz)
    calendar_events.add_event(db, kind="meeting", title="Zebranie", group_id=None, start=at_five,
                              end=at_five + timedelta(hours=1), author="test", tz=settings.tz)  # fmt: skip
    # The end of 2025/2026: messages closed, the archive written and failing its verification
    # (the page's problems and both buttons).
    message_store.close_year(db, "2025/2026", actor="test", today=date(2026, 9, 2))
    archive_id = backups.record_copy(
        db, created_at=now, made_by="test", purpose=archive_purpose(2025), source_backup_id=None,
        location="/mnt/kopie/archiwum/2025", size_bytes=12_500_000, sha256="cd" * 32,
    )  # fmt: skip
    problems = ["archive.xml: SHA-256 się nie zgadza"]
    year_end_store.record_verification(
        db, archive_id, school_year=2025, problems=problems, when=now, actor="test"
    )
    db.close()
    for role, options in ACCOUNTS.items():
        add_account(settings.database, role, **options)
    seed_messages(settings)
    # The teacher's sick leave (the staff absences page); the parent's reply to her message
    # (seed_messages) waits for her reply (her due list, the director's panel).
    db = open_database(settings.database)
    teacher = db.execute("SELECT id FROM users WHERE role = 'teacher'").fetchone()[0]
    staff_absences.add_absence(
        db, account_id=teacher, first=date(2099, 1, 12), last=date(2099, 1, 16), kind="sick", author="test"
    )
    # Child 3 left in 2019 and her guardian (2): both past retention, their erasure pages ask
    # to confirm.
    gone = registry.add_child(
        db, first_name="Zofia", last_name="Dawna", group="Żabki", active_from="2018-09-01",
        active_to="2019-08-31", author="test",
    )  # fmt: skip
    registry.add_guardian(db, name="Anna Dawna", children=[gone["id"]], author="test")
    db.close()


def seed_messages(settings: Settings) -> None:
    """Message 1: the teacher's to her group's parents with a PDF, read and answered by the
    parent; the teacher's thread shows the receipts."""
    db = open_database(settings.database)
    ids = {row["role"]: row["id"] for row in db.query("SELECT id, role FROM users")}
    limits = Limits(1024 * 1024, 3)
    teacher = messages.writer(db, account_id=ids["teacher"], role="teacher", teacher_groups=frozenset({1}),
                              today=date.today())  # fmt: skip
    parent = messages.writer(
        db, account_id=ids["parent"], role="parent", teacher_groups=frozenset(), today=date.today()
    )
    sent = messages.send(
        db, teacher, actor="teacher@p11.example.pl", audience="group_guardians", target=1,
        subject="Zebranie z rodzicami we wtorek", body="Zebranie o 17:00.\nProszę o potwierdzenie.",
        uploads=[messages.Upload("plan zebrania.pdf", b"%PDF-1.7 plan")],
        attachments_dir=settings.attachments_dir, limits=limits, tz=settings.tz,
    )  # fmt: skip
    messages.open_thread(db, ids["parent"], sent.message_id, actor="parent@p11.example.pl")
    messages.reply(
        db, parent, actor="parent@p11.example.pl", message_id=sent.message_id, body="Będę, dziękuję.",
        attachments_dir=settings.attachments_dir, limits=limits, tz=settings.tz,
    )  # fmt: skip
    db.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    workdir = tmp_path_factory.mktemp("a11y")
    settings = Settings(
        database=workdir / "a11y.db", firmware_release_dir=sample_release(workdir / "release")
    )
    seed(settings)
    with WebServer(create_app(settings, EventBus())) as server:
        yield server


@pytest.fixture(scope="module")
def sessions(browser: Browser, site: WebServer) -> Callable[[str], StorageState]:
    """Each role's signed-in cookies, logged in once through the form and reused by every scan."""
    known: dict[str, StorageState] = {}

    def session(role: str) -> StorageState:
        if role not in known:
            context = browser.new_context()
            log_in_browser(context.new_page(), site.url, f"{role}@p11.example.pl", PASSWORD)
            known[role] = context.storage_state()
            context.close()
        return known[role]

    return session


@pytest.fixture
def visit(
    browser: Browser, site: WebServer, sessions: Callable[[str], StorageState]
) -> Iterator[Callable[..., Page]]:
    """Open a scan's page in a fresh browser context: its role signed in, language and screen
    as in `VIEWS`; the answer must have the scan's status."""
    contexts = []

    def open_page(scan: Scan, view: str = "pl") -> Page:
        signed_in = sessions(scan.role) if scan.role else None
        context = browser.new_context(storage_state=signed_in, **VIEWS[view])
        contexts.append(context)
        page = context.new_page()
        response = page.goto(site.url + scan.path)
        assert response is not None, scan.path
        assert response.status == scan.status, f"{scan.path}: HTTP {response.status}, expected {scan.status}"
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("scan", PAGES, ids=lambda scan: f"{scan.path} as {scan.role}")
def test_no_serious_accessibility_problem(visit: Callable[..., Page], scan: Scan, view: str) -> None:
    page = visit(scan, view)
    assert_accessible(page)
    if VIEWS[view]["viewport"] == PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "wider than the phone"


@pytest.mark.parametrize(
    "scan",
    [Scan("/"), Scan("/reports"), Scan("/reports/no-such-report", 404), Scan("/days"), Scan("/cards")],
    ids=lambda scan: scan.path,
)
def test_keyboard_reaches_everything_with_visible_focus(visit: Callable[..., Page], scan: Scan) -> None:
    assert_keyboard_usable(visit(scan))


def test_pages_speak_the_readers_language(visit: Callable[..., Page]) -> None:
    english = visit(Scan("/reports"), "en")
    assert english.locator("html").get_attribute("lang") == "en"
    assert english.locator("h1").inner_text() == "Reports"
    english.get_by_role("link", name="Polski").click()
    english.wait_for_url("**/reports")
    assert english.locator("h1").inner_text() == "Raporty"  # the cookie wins over the browser from now on
    assert english.locator("html").get_attribute("lang") == "pl"
    live = visit(Scan("/"), "en")
    assert "Skip to content" in live.locator("a.skip").inner_text()
    # A locator's assertion, not wait_for_function: that evaluates a string in the page,
    # which the page's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    expect(live.locator("#connection")).to_have_text("Live")


@pytest.mark.parametrize(
    "path", ["/", "/reports", "/presence", "/days", "/children/1", "/statistics?period=2026-11"]
)
def test_prints_on_a4_without_menu_or_buttons(visit: Callable[..., Page], path: str, tmp_path: Path) -> None:
    page = visit(Scan(path))
    pdf = tmp_path / "page.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert page.locator("h1").inner_text().split("—")[0].strip() in text
    page.emulate_media(media="print")
    for screen_only in ["a.skip", "header.site", "footer.site", "button"]:
        shown = [element for element in page.locator(screen_only).all() if element.is_visible()]
        assert not shown, f"{screen_only} is printed"
