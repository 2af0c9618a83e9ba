"""Translations: every message in web/ has a Polish and an English text; language choice per request."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from hub import reports
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store.db import open_database
from tests.support import WebServer
from tests.web_support import signed_in
from web import i18n
from web.app import create_app
from web.pages.reports import TITLES

WEB = Path(__file__).resolve().parent.parent / "web"
HUB = WEB.parent / "hub"


def extracted_ids() -> set[str | tuple[str, str]]:
    """Every message id in web/'s code and templates and in the hub's refusals, as `make
    messages` finds them."""
    with (WEB / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message
        for folder in (WEB, HUB)
        for _file, _line, message, _comments, _context in extract_from_dir(folder, method_map, options_map)
    }


def catalogue(language: str) -> Catalog:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_message_is_translated(language: str) -> None:
    """A new `_()` or `{% trans %}` fails here until `make messages` ran and both texts are written."""
    messages = catalogue(language)
    missing = []
    for message_id in extracted_ids():
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = messages.get(key)
        texts = entry.string if entry and isinstance(entry.string, tuple) else (entry and entry.string,)
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(key)
    assert not missing, f"{language}: untranslated (run `make messages`, then translate): {sorted(missing)}"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_translations_keep_the_placeholders(language: str) -> None:
    problems = [
        f"{message.id!r}: {error}" for message, errors in catalogue(language).check() for error in errors
    ]
    assert not problems


def test_every_report_has_a_translatable_title() -> None:
    assert set(TITLES) == set(reports.REPORTS)


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, None, "pl"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE, en;q=0.5, pl;q=0.8", "pl"),
        (None, "en;q=0, fr", "pl"),
        (None, "en;q=oops", "pl"),
        ("en", "pl", "en"),
        ("xx", "en", "en"),
    ],
)
def test_language_from_cookie_then_browser_then_polish(
    cookie: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.choose_language(cookie, accept) == expected


def test_formats_follow_the_language() -> None:
    with i18n.language("pl"):
        assert i18n.money(Decimal("1234.5")) == "1\u00a0234,50\u00a0zł"
    with i18n.language("en"):
        assert i18n.money(Decimal("1234.5")) == "1,234.50\u00a0zł"
        assert i18n.money(Decimal("0.125")) == "0.13\u00a0zł"  # half up, not Babel's half even


def test_concurrent_requests_keep_their_own_language() -> None:
    """Each task sees the language it activated, however their awaits interleave."""

    async def translate_after_others(language: str) -> list[str]:
        seen = []
        with i18n.language(language):
            for _round in range(20):
                await asyncio.sleep(0)
                seen.append(i18n.gettext("Reports"))
        return seen

    async def both() -> list[list[str]]:
        return list(await asyncio.gather(translate_after_others("pl"), translate_after_others("en")))

    with ThreadPoolExecutor(1) as thread:  # a loop of its own: Playwright's may be running in this one
        polish, english = thread.submit(asyncio.run, both()).result()
    assert set(polish) == {"Raporty"} and set(english) == {"Reports"}


def test_a_server_answers_concurrent_readers_each_in_their_language(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "i18n.db")
    open_database(settings.database).close()
    with WebServer(create_app(settings, EventBus())) as server, ThreadPoolExecutor(8) as pool:

        def heading(language: str) -> str:
            page = httpx.get(f"{server.url}/login", headers={"Accept-Language": language}, timeout=10).text
            return page.split("<h1>")[1].split("</h1>")[0]

        languages = ["pl", "en"] * 20
        assert list(pool.map(heading, languages)) == [
            {"pl": "Zaloguj", "en": "Log in"}[language] for language in languages
        ]


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(database=tmp_path / "i18n.db")
    open_database(settings.database).close()
    return signed_in(create_app(settings, EventBus()), settings.database, "secretary")


def test_pages_follow_the_switch_and_say_they_vary(client: TestClient) -> None:
    page = client.get("/reports", headers={"Accept-Language": "en-US,en"})
    assert '<html lang="en">' in page.text and "<h1>Reports</h1>" in page.text
    assert "Cookie" in page.headers["vary"]
    switched = client.get("/language/pl?next=/reports%3Fx%3D1", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/reports?x=1"
    client.cookies.set(i18n.COOKIE, "pl")
    assert "<h1>Raporty</h1>" in client.get("/reports", headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize("target", ["//elsewhere.example", "https://elsewhere.example", "/\\elsewhere"])
def test_language_switch_never_leaves_the_site(client: TestClient, target: str) -> None:
    response = client.get("/language/en", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_error_pages_for_browsers_json_for_the_api(client: TestClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "en"}
    missing = client.get("/reports/no-such-report", headers=browser)
    assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.text
    assert "There is no report called no-such-report." in missing.text
    wrong = client.get("/reports/monthly-grid?month=2026-13", headers={**browser, "Accept-Language": "pl"})
    assert wrong.status_code == 422 and "<h1>Błędne wartości</h1>" in wrong.text and "month" in wrong.text
    api = client.get("/api/nothing-here", headers=browser)
    assert api.status_code == 404
    assert api.json() == {
        "code": "not_found",
        "message": "There is no page at this address. It may have been moved.",
        "params": {},
    }
    invalid = client.get("/api/taps?from=x", headers={"Accept-Language": "pl"}).json()
    assert invalid["code"] == "invalid" and invalid["message"] == "Niektóre podane wartości są nieprawidłowe."
    assert invalid["params"]["errors"][0]["loc"] == ["query", "from"]
