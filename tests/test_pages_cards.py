"""`/cards`' unknown cards: only cards that are still nobody's, with the readers' names, a
page at a time."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser
from sqlite_utils import Database

from hub.store import cards
from hub.timefmt import utc_now
from tests.a11y import assert_accessible
from tests.journal_support import UNKNOWN_CARD, give_cards, store_tap
from tests.pages_support import INJECTION, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account, log_in_browser
from web.cli import cli


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    db.close()
    return site


@pytest.fixture
def db(site: Site) -> Database:
    db = site.db()
    yield db
    db.close()


def unknown_json(site: Site) -> list[dict]:
    result = CliRunner().invoke(
        cli, ["--database", str(site.settings.database), "cards", "unknown", "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_card_given_to_a_child_since_is_no_longer_unknown(site: Site, db: Database) -> None:
    store_tap(db, 1, UNKNOWN_CARD, utc_now() - timedelta(minutes=5))
    page = site.client("secretary").get("/cards").text
    assert f'id="unknown-{UNKNOWN_CARD}"' in page
    assert "Wejście główne" in page[: page.index('id="assign-title"')]
    assert [(row["uid"], row["reader_names"]) for row in unknown_json(site)] == [
        (UNKNOWN_CARD, "Wejście główne")
    ]
    listed = CliRunner().invoke(cli, ["--database", str(site.settings.database), "cards", "unknown"]).output
    assert UNKNOWN_CARD in listed and "on Wejście główne" in listed
    # Handed out from now: the tap before stays nobody's, but the card has a holder now.
    cards.assign_card(db, uid=UNKNOWN_CARD, child_id=site.olek, author="test", holder="tata")
    page = site.client("secretary").get("/cards").text
    assert f'id="unknown-{UNKNOWN_CARD}"' not in page and "Brak nieznanych kart." in page
    assert unknown_json(site) == []
    assert site.client("secretary").get("/api/cards/unknown").json() == []


def test_the_reader_is_named_not_its_id(site: Site, db: Database) -> None:
    store_tap(db, 1, UNKNOWN_CARD, utc_now() - timedelta(minutes=5))
    unknown = site.client("secretary").get("/cards").text
    section = unknown[: unknown.index('id="assign-title"')]
    assert "czytnik Wejście główne" in section and "czytnik wejscie" not in section


def test_many_unknown_cards_a_page_at_a_time(site: Site, db: Database) -> None:
    now = utc_now()
    uids = [f"04FF{n:04X}" for n in range(25)]
    for seq, uid in enumerate(uids, 1):
        store_tap(db, seq, uid, now - timedelta(minutes=60 - seq))  # the last one newest
    secretary = site.client("secretary")
    first = secretary.get("/cards").text
    newest = list(reversed(uids))
    assert sum(f'id="unknown-{uid}"' in first for uid in uids) == 10
    assert all(f'id="unknown-{uid}"' in first for uid in newest[:10])
    assert "Strona 1 z 3" in first and 'href="?unknown_page=2"' in first and "25 kart" in first
    last = secretary.get("/cards?unknown_page=3").text
    assert all(f'id="unknown-{uid}"' in last for uid in newest[20:]) and "Strona 3 z 3" in last
    assert 'href="?unknown_page=2"' in last and "unknown_page=4" not in last
    for wrong in ("0", "-1", "abc", "99999999999999999999999", INJECTION):
        page = secretary.get("/cards", params={"unknown_page": wrong})
        assert page.status_code == 200 and "<script>alert" not in page.text
    assert "Strona 3 z 3" in secretary.get("/cards?unknown_page=999").text
    # The address naming a card (the live page's link) opens the page it is on.
    named = secretary.get(f"/cards?uid={newest[23]}").text
    assert "Strona 3 z 3" in named and f'id="unknown-{newest[23]}"' in named
    with_all = secretary.get("/cards?show=all&unknown_page=1").text
    assert 'href="?show=all&amp;unknown_page=2"' in with_all


def test_a_refused_assignment_shows_the_page_of_its_card(site: Site, db: Database) -> None:
    now = utc_now()
    uids = [f"04EE{n:04X}" for n in range(12)]
    for seq, uid in enumerate(uids, 1):
        store_tap(db, seq, uid, now - timedelta(minutes=60 - seq))
    oldest = uids[0]  # on page 2
    refused = site.client("secretary").post("/cards", data={"uid": oldest, "unknown": oldest, "child_id": ""})
    assert refused.status_code == 422
    assert f'id="unknown-{oldest}"' in refused.text and "Strona 2 z 2" in refused.text


def test_the_pages_of_unknown_cards_pass_axe(tmp_path: Path, browser: Browser) -> None:
    """In Chromium, page 2 of twelve unknown cards (with its pager) has no serious problem."""
    site = Site.make(tmp_path / "axe")
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
        now = utc_now()
        for seq in range(1, 13):
            store_tap(db, seq, f"04DD{seq:04X}", now - timedelta(minutes=seq))
    add_account(site.settings.database, "secretary", email="sekretariat@p11.example.pl")
    with WebServer(site.app) as server:
        page = browser.new_context(locale="pl-PL").new_page()
        log_in_browser(page, server.url, "sekretariat@p11.example.pl", PASSWORD)
        page.goto(f"{server.url}/cards?unknown_page=2")
        assert page.get_by_role("navigation", name="Strony nieznanych kart").is_visible()
        assert_accessible(page)
