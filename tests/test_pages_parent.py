"""A parent's pages: their child today (arrived when, brought by whom), the history, reporting an
absence (before the cut-off it cancels the meal), the data held with the accounts that can edit
it; never another family's child."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from hub.rules.attendance import is_day_off
from hub.rules.attendance.calendar import local_instant
from hub.services import billing
from hub.store import absences, audit, cards, fee_settings, readers
from tests.pages_support import INJECTION, Site, errors, store_tap, without_csrf

CARD = "04A2B3C4"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    with site.db() as db:
        readers.add_reader(db, "wejscie", "Wejście główne")
        cards.assign_card_from_day(
            db, uid=CARD, child_id=site.ania, author="test", day=date(2026, 9, 1), tz=site.settings.tz,
            holder="mama",
        )  # fmt: skip
        fee_settings.set_meal_price(db, date(2026, 9, 1), "obiad", "8,50", author="test")
    return site


def next_working_day(site: Site) -> date:
    day = datetime.now(site.settings.tz).date() + timedelta(days=1)
    while is_day_off(day):
        day += timedelta(days=1)
    return day


def test_today_shows_when_and_who_brought_the_child(site: Site) -> None:
    moment = datetime.now(site.settings.tz).replace(second=0, microsecond=0)
    with site.db() as db:
        store_tap(db, 1, CARD, moment)
    parent = site.client("parent")
    index = parent.get("/parent")  # with one child: that child's page
    assert index.status_code == 200 and index.url.path == f"/parent/children/{site.ania}"
    assert f"/parent/children/{site.olek}" not in index.text
    page = parent.get(f"/parent/children/{site.ania}").text
    today = page.split('id="today-title"')[1].split("</section>")[0]
    assert f"wejście {moment:%H:%M}" in today and "przyprowadził(a): mama" in today
    history = page.split('id="history-caption"')[1]
    assert f"{moment.day}.{moment:%m.%Y}" in history  # 5.12.2026: the Polish short date
    assert parent.get(f"/parent/children/{site.ania}?month=2026-13").status_code == 200  # back to this month


@pytest.mark.parametrize("path", ["", "/data"])
def test_another_familys_child_is_refused_and_logged(site: Site, path: str) -> None:
    parent = site.client("parent")
    assert parent.get(f"/parent/children/{site.olek}{path}").status_code == 403
    assert (
        parent.post(f"/parent/children/{site.olek}/absences", data={"first": "2099-01-05"}).status_code == 403
    )
    with site.db() as db:
        refused = [(row["login"], row["object"], row["reason"]) for row in audit.denials(db)]
        assert absences.list_absences(db) == []
    assert refused[:2] == [(parent.account["email"], f"child {site.olek}", "not theirs")] * 2


def test_an_absence_before_the_cut_off_cancels_the_meal(site: Site) -> None:
    day = next_working_day(site)
    with site.db() as db:
        assert billing.meal_count(db, site.settings, day) == {"Motylki": {"obiad": 1}, "Żabki": {"obiad": 1}}
    parent = site.client("parent")
    page = parent.post(
        f"/parent/children/{site.ania}/absences", data={"first": day.isoformat(), "reason": INJECTION}
    )
    assert page.status_code == 200 and "saved=absence" in str(page.url)
    reported = page.text.split('id="reported-absences"')[1].split("</table>")[0]
    assert f"{day.day}.{day:%m.%Y}" in reported and "odwołane" in reported
    assert INJECTION not in page.text and "&lt;script&gt;" in reported
    with site.db() as db:
        assert billing.meal_count(db, site.settings, day) == {"Żabki": {"obiad": 1}}  # Motylki: none
        [entry] = audit.entries(db, entity="child", entity_id=site.ania, actor=parent.account["email"])
    assert entry["action"] == "absence.report" and entry["after"]["first"] == day.isoformat()


def test_an_absence_after_the_cut_off_is_kept_but_the_meal_is_charged(site: Site) -> None:
    with site.db() as db:
        fee_settings.set_meal_rules(
            db, cutoff=datetime.min.time(), days_before=14, billing="in_advance", author="t"
        )
    day = next_working_day(site)
    page = site.client("parent").post(
        f"/parent/children/{site.ania}/absences", data={"first": day.isoformat(), "last": day.isoformat()}
    )
    assert "zgłoszono po terminie: płatne" in page.text.split('id="reported-absences"')[1]
    with site.db() as db:
        assert billing.meal_count(db, site.settings, day)["Motylki"] == {"obiad": 1}
        assert len(absences.list_absences(db, child_id=site.ania)) == 1


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (
            {"first": "2020-01-06"},
            "Nieobecność zgłasza się z wyprzedzeniem: pierwszy dzień nie może być w przeszłości.",
        ),
        ({"first": "2099-01-09", "last": "2099-01-05"}, "Ostatni dzień jest przed pierwszym."),
        ({"first": "jutro"}, "Podaj datę jako RRRR-MM-DD."),
        ({"first": "2099-01-05", "last": "2099-06-30"}, "Można zgłosić najwyżej 62 dni naraz."),
    ],
)
def test_a_wrong_absence_says_why_and_stores_nothing(site: Site, form: dict[str, str], reason: str) -> None:
    refused = site.client("parent").post(
        f"/parent/children/{site.ania}/absences", data={**form, "reason": "katar"}
    )
    assert refused.status_code == 422 and errors(refused.text) == [reason]
    assert 'value="katar"' in refused.text
    with site.db() as db:
        assert absences.list_absences(db) == []


def test_a_forged_absence_form_is_refused(site: Site) -> None:
    forged = without_csrf(site.client("parent"))
    day = next_working_day(site)
    assert (
        forged.post(f"/parent/children/{site.ania}/absences", data={"first": day.isoformat()}).status_code
        == 403
    )
    with site.db() as db:
        assert absences.list_absences(db) == []


def test_the_data_held_and_who_can_edit_it(site: Site) -> None:
    for role in ("director", "secretary", "teacher"):
        site.client(role)
    site.client("teacher", email="olek.teacher@p11.example.pl", groups=[site.zabki])
    page = site.client("parent").get(f"/parent/children/{site.ania}/data")
    assert page.status_code == 200
    assert "Kowalska" in page.text and "4.05.2021" in page.text and "Marta Kowalska (matka)" in page.text
    assert "— mama" in page.text.split('id="cards-title"')[1].split("</section>")[0]
    editors = page.text.split('id="editors-title"')[1]
    assert "director@p11.example.pl" in editors and "secretary@p11.example.pl" in editors
    assert "teacher@p11.example.pl" in editors and "olek.teacher@p11.example.pl" not in editors
    assert "marta.kowalska@example.pl" not in editors


def test_the_parents_pages_take_today_from_the_apps_clock(site: Site) -> None:
    """Like the door's pages, the parent's take now from `app.state.clock`: set to a past
    Wednesday, its taps are today, its month is shown and absences count from it."""
    wednesday = date(2026, 11, 18)
    with site.db() as db:
        store_tap(db, 1, CARD, local_instant(wednesday, time(7, 42), site.settings.tz))
        absences.report_absence(
            db, child_id=site.ania, first=date(2026, 11, 19), last=date(2026, 11, 19), reported_by="test"
        )
    site.app.state.clock = lambda: local_instant(wednesday, time(9, 30), site.settings.tz)
    parent = site.client("parent")
    page = parent.get(f"/parent/children/{site.ania}").text
    today = page.split('id="today-title"')[1].split("</section>")[0]
    assert "18 listopada 2026" in today and "wejście 07:42" in today
    assert 'option value="2026-11" selected' in page and 'min="2026-11-18"' in page
    assert "/withdraw" in page.split('id="absences"')[1]  # Thursday has not started yet
    refused = parent.post(f"/parent/children/{site.ania}/absences", data={"first": "2026-11-17"})
    assert refused.status_code == 422
    accepted = parent.post(f"/parent/children/{site.ania}/absences", data={"first": "2026-11-20"})
    assert accepted.status_code == 200 and accepted.url.fragment == "absences"
    money = parent.get(f"/parent/children/{site.ania}/money").text
    assert "18.11.2026" in money
