"""The attendance statistics page (/statistics): figures in Polish, a teacher's own group
first, every group reachable, a school year month by month, the report's downloads, and a
clear refusal of every malformed or out-of-range choice (nothing computed for it)."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from hub.store import absences
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap
from tests.pages_support import Site

NOVEMBER = "2026-11"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Ania (Motylki) came on 17 November 2026 7:30–15:45 and on the 18th 8:00–16:00; Olek
    (Żabki) has a week of absence reported ahead, 23–27 November."""
    site = Site.make(tmp_path_factory.mktemp("statistics"))
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
        for seq, (day, wall) in enumerate(
            [(17, time(7, 30)), (17, time(15, 45)), (18, time(8)), (18, time(16))], 1
        ):
            store_tap(db, seq, ANIA_CARD, local(site.settings, date(2026, 11, day), wall))
        absences.report_absence(
            db, child_id=site.olek, first=date(2026, 11, 23), last=date(2026, 11, 27), reported_by="mama"
        )
    return site


def row(html: str, name: str) -> list[str]:
    """The cells of the first table row headed `name`, as text."""
    found = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert found, name
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


def test_a_month_in_polish(site: Site) -> None:
    page = site.client("director").get(f"/statistics?group={site.motylki}&period={NOVEMBER}")
    assert page.status_code == 200
    html = page.text
    # November 2026: 20 open days (the 11th is a holiday); 487.5 minutes on average → 8 h 08 min.
    assert row(html, "Kowalska Ania") == ["20", "2", "0", "18", "0", "1", "8 h 08 min", "10,0\u00a0%"]
    assert "Żak Olek" not in html
    assert (
        f'href="/reports/attendance-stats?month={NOVEMBER}&amp;group={site.motylki}&amp;format=pdf"' in html
    )


def test_the_whole_kindergarten_has_every_group(site: Site) -> None:
    html = site.client("director").get(f"/statistics?group=&period={NOVEMBER}").text
    assert row(html, "Motylki")[:3] == ["20", "2", "0"]
    assert row(html, "Żabki")[:4] == ["20", "0", "5", "15"]
    assert row(html, "Razem")[:4] == ["40", "2", "5", "33"]
    assert html.index("Grupa Motylki") < html.index("Grupa Żabki")  # Polish order: Ż after Z


def test_a_teacher_opens_on_their_group_and_may_see_every_group(site: Site) -> None:
    teacher = site.client("teacher")
    html = teacher.get("/statistics").text
    assert f'<option value="{site.motylki}" selected>' in html
    other = teacher.get(f"/statistics?group={site.zabki}&period={NOVEMBER}")
    assert other.status_code == 200 and "Żak Olek" in other.text
    assert site.client("parent").get("/statistics").status_code == 403


def test_a_school_year_month_by_month(site: Site) -> None:
    html = site.client("director").get("/statistics?group=&period=2026").text
    assert "Miesiąc po miesiącu" in html
    assert row(html, "listopad 2026")[1:3] == ["2", "5"]


def test_in_english(site: Site) -> None:
    client = site.client("director")
    html = client.get(
        f"/statistics?group={site.motylki}&period={NOVEMBER}", headers={"Accept-Language": "en"}
    )
    assert "Attendance rate" in html.text and "10.0%" in html.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group=999999", "group"),
        ("group=9223372036854775808", "group"),
        ("group=-1", "group"),
        ("group=abc", "group"),
        ("group=%C2%B2", "group"),  # "²" is a digit to str.isdigit
        ("period=2026-13", "period"),
        ("period=2026-00", "period"),
        ("period=1999", "period"),
        ("period=2099-01", "period"),
        ("period=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", "period"),  # full-width digits
        ("period=2026-1", "period"),
        ("period=2026/2027", "period"),
        ("period=" + "9" * 5000, "period"),
    ],
)
def test_a_wrong_choice_is_refused_with_the_field_named(site: Site, query: str, field: str) -> None:
    page = site.client("director").get(f"/statistics?{query}")
    assert page.status_code == 422, query
    assert f'id="stats-{field}"' in page.text and 'aria-invalid="true"' in page.text
    assert "<table" not in page.text


def test_the_report_of_a_school_year_from_its_address(site: Site) -> None:
    client = site.client("teacher")
    csv_text = client.get(f"/reports/attendance-stats?school_year=2026&group={site.zabki}&format=csv").text
    assert "Żak Olek" in csv_text and "Miesiąc po miesiącu" in csv_text
    for query in ("school_year=1999", "school_year=x", "school_year=2026&month=2026-11", ""):
        assert client.get(f"/reports/attendance-stats?{query}").status_code == 422, query
    assert site.client("parent").get("/reports/attendance-stats?school_year=2026").status_code == 403
