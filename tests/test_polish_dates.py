"""Dates and months as people write them: `5.12.2026`, "5 grudnia 2026", "grudzień 2026" in
Polish, English formats in English (Babel); the browser's date inputs keep ISO values."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from hub.store import site_settings
from hub.timefmt import month_title
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap
from tests.pages_support import Site
from web import i18n

DAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("language", "short", "long", "month"),
    [
        ("pl", "5.12.2026", "5 grudnia 2026", "grudzień 2026"),
        ("en", "Dec 5, 2026", "December 5, 2026", "December 2026"),
    ],
)
def test_the_formats_follow_the_language(language: str, short: str, long: str, month: str) -> None:
    with i18n.language(language):
        assert i18n.short_date(DAY) == i18n.short_date("2026-12-05") == short
        assert i18n.long_date(DAY) == long
        assert i18n.month_name(DAY) == i18n.month_name("2026-12") == month
        assert i18n.moment(datetime.combine(DAY, time(7, 42))) == f"{short} 07:42"
        assert i18n.short_date(None) == "—"


def test_the_parents_page_in_polish_and_in_english(tmp_path: Path) -> None:
    site = Site.make(tmp_path)
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
        store_tap(db, 1, ANIA_CARD, local(site.settings, date(2026, 11, 18), time(7, 42)))
    parent = site.client("parent")
    page = parent.get(f"/parent/children/{site.ania}?month=2026-11").text
    assert "Dni: listopad 2026" in page and "Zestawienie pobytu i opłat: listopad 2026" in page
    assert "18.11.2026" in page and "2026-11-18<" not in page
    assert '<option value="2026-11"' in page  # the picker still sends ISO
    english = parent.get(
        f"/parent/children/{site.ania}?month=2026-11", headers={"Accept-Language": "en"}
    ).text
    assert "November 2026" in english and "Nov 18, 2026" in english
    data = parent.get(f"/parent/children/{site.ania}/data").text
    assert "4.05.2021" in data
    inconsistencies = site.client("director").get("/inconsistencies?from=2026-11-18&to=2026-11-18").text
    assert "18.11.2026" in inconsistencies


def test_the_months_of_reports_come_from_babel_in_the_reports_language() -> None:
    """The reports' headings name the month in Polish's stand-alone form, for every month."""
    months = ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
              "wrzesień", "październik", "listopad", "grudzień")  # fmt: skip
    assert [month_title(2026, number) for number in range(1, 13)] == [f"{m} 2026" for m in months]
    with i18n.language("en"):  # a reader's English does not change a filed report
        assert month_title(2026, 12) == "grudzień 2026"


@pytest.mark.parametrize(
    ("language", "until", "birth", "closed"),
    [
        ("pl", "do 31.12.2099", "4.05.2021", "24.12.2026"),
        ("en", "until Dec 31, 2099", "May 4, 2021", "Dec 24, 2026"),
    ],
)
def test_registry_accounts_and_settings_show_dates_in_the_readers_language(
    tmp_path: Path, language: str, until: str, birth: str, closed: str
) -> None:
    site = Site.make(tmp_path)
    site.client("inspector")
    with site.db() as db:
        site_settings.add_closed_day(db, date(2026, 12, 24), "Wigilia", author="test")
    admin = site.client("admin")
    headers = {"Accept-Language": language}
    accounts = admin.get("/admin/users", headers=headers).text
    assert until in accounts and "2099-12-31<" not in accounts and "2099-12-31 " not in accounts
    children = admin.get("/registry/children", headers=headers).text
    assert birth in children and "2021-05-04" not in children
    started = "1.09.2026" if language == "pl" else "Sep 1, 2026"
    assert started in children and "2026-09-01" not in children
    child = site.client("director").get(f"/children/{site.ania}", headers=headers).text
    assert started in child and "from 2026-09-01" not in child and "od 2026-09-01" not in child
    settings = site.client("director").get("/settings", headers=headers).text
    assert f"<td>{closed}</td>" in settings
    assert 'name="day" value="2026-12-24"' in settings  # the form still posts ISO
