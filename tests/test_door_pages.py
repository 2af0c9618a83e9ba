"""The door's pages over HTTP: the group's grid and its taps, the board's missing children,
the landing pages after a login, the kiosk and setting PINs — per role, with CSRF and
refused forms that change nothing (issue 14)."""

from __future__ import annotations

import re
from datetime import date, time
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.accounts import kiosk_pins
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.rules.attendance import local_instant
from hub.store import corrections, kiosk, notifications, registry
from tests.pages_support import INJECTION, PARENT_EMAIL, Site, without_csrf
from tests.web_support import BASE_URL, PASSWORD, add_account, log_in, signed_in
from web.app import create_app

WEDNESDAY = date(2026, 11, 18)
PHONE = "600 100 200"
ALERT = re.compile(r'class="form-error" role="alert">([^<]*)')


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    at = local_instant(WEDNESDAY, time(9, 30), site.settings.tz)
    site.app.state.clock = lambda: at
    return site


def stored(site: Site, child_id: int) -> list[tuple[str, str, str]]:
    with site.db() as db:
        return [
            (fix.kind, fix.reason, fix.author)
            for fix in corrections.corrections_for(db, WEDNESDAY, [child_id])
        ]


def test_a_teacher_marks_her_own_groups_child_in_one_post_with_the_default_reason(site: Site) -> None:
    teacher = site.client("teacher")
    page = teacher.get(f"/groups/{site.motylki}/grid")
    assert page.status_code == 200
    assert 'data-state="missing"' in page.text and "Przyszło teraz" in page.text
    done = teacher.post(
        f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "came"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert stored(site, site.ania) == [
        ("add_arrival", "Przyszło bez odbicia karty: zapisano przy drzwiach.", teacher.account["email"])  # type: ignore[attr-defined]
    ]
    rows = teacher.get(f"/groups/{site.motylki}/grid/rows").text
    assert 'data-state="in"' in rows and "przyszło 09:30" in rows and "Wyszło teraz" in rows


def test_another_groups_grid_is_read_only_and_its_tap_refused(site: Site) -> None:
    teacher = site.client("teacher")
    page = teacher.get(f"/groups/{site.zabki}/grid")
    assert page.status_code == 200 and "Olek Żak" in page.text and "Przyszło teraz" not in page.text
    refused = teacher.post(f"/groups/{site.zabki}/grid/{site.olek}", data={"action": "came"})
    assert refused.status_code == 403 and stored(site, site.olek) == []


@pytest.mark.parametrize(
    ("form", "child"),
    [
        ({"action": "fly"}, "ania"),
        ({}, "ania"),
        ({"action": "came"}, "olek"),
        ({"action": INJECTION}, "ania"),
    ],
)
def test_a_bad_tap_is_refused_with_a_reason_and_stores_nothing(
    site: Site, form: dict[str, str], child: str
) -> None:
    teacher = site.client("director")
    child_id = getattr(site, child)
    refused = teacher.post(f"/groups/{site.motylki}/grid/{child_id}", data=form)
    assert refused.status_code == 422
    assert "<script>" not in refused.text
    assert stored(site, child_id) == []


def test_a_tap_without_the_csrf_token_or_by_an_inspector_changes_nothing(site: Site) -> None:
    forged = without_csrf(site.client("teacher"))
    assert forged.post(f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "came"}).status_code == 403
    inspector = site.client("inspector")
    assert (
        inspector.post(f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "came"}).status_code == 403
    )
    assert site.client("parent").get(f"/groups/{site.motylki}/grid").status_code == 403
    assert stored(site, site.ania) == []


def test_the_board_lists_who_is_missing_from_the_set_hour(site: Site) -> None:
    director = site.client("director")
    board = director.get("/presence").text
    assert "Brakuje: 2" in board and "nie przyszły do 09:00" in board
    director.post(f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "absent"})
    board = director.get("/presence/board").text
    assert "Brakuje: 1" in board and f'data-missing="{site.olek}"' in board
    assert f'data-missing="{site.ania}"' not in board
    early = local_instant(WEDNESDAY, time(8, 59), site.settings.tz)
    site.app.state.clock = lambda: early
    assert "Brakuje" not in director.get("/presence/board").text


def test_the_missing_childrens_guardians_phones_are_on_the_grid(site: Site) -> None:
    with site.db() as db:
        registry.add_guardian(
            db, name="Jan Żak", phone=PHONE, children=[site.olek], relation="tata", author="t"
        )
    grid = site.client("director").get(f"/groups/{site.zabki}/grid").text
    assert "Olek Żak: Jan Żak (tata)" in grid and f'href="tel:{PHONE}"' in grid


# -- landing after a login -----------------------------------------------------------------


def landing(site: Site, email: str) -> tuple[str, str]:
    client = TestClient(site.app, base_url=BASE_URL)
    response = log_in(client, email, PASSWORD)
    return str(response.url).removeprefix(BASE_URL), response.text


def test_a_teacher_lands_on_her_group_and_a_parent_on_the_only_child_with_the_notice(site: Site) -> None:
    add_account(site.settings.database, "teacher", email="n@p11.example.pl", groups=[site.zabki])
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania])
    add_account(site.settings.database, "admin", email="a@p11.example.pl")
    where, text = landing(site, "n@p11.example.pl")
    assert where == f"/groups/{site.zabki}/grid?welcome" and "Sprawdź swoją poprzednią wizytę" in text
    where, text = landing(site, PARENT_EMAIL)
    assert where == f"/parent/children/{site.ania}?welcome" and "To pierwsze logowanie" in text
    assert text.index("today-title") < text.index("notice-heading")  # today first
    where, _text = landing(site, "a@p11.example.pl")
    assert where.startswith("/account/welcome")


def test_a_parent_of_two_sees_one_card_per_child_with_today(site: Site) -> None:
    add_account(site.settings.database, "parent", email=PARENT_EMAIL, children=[site.ania, site.olek])
    where, text = landing(site, PARENT_EMAIL)
    assert where == "/parent?welcome"
    assert text.count('class="today"') == 2 and "Ania Kowalska" in text and "Olek Żak" in text


# -- the kiosk -----------------------------------------------------------------------------


@pytest.fixture
def kiosk_client(site: Site) -> TestClient:
    with site.db() as db:
        father = registry.add_guardian(db, name="Jan Kowalski", phone=PHONE, children=[site.ania], author="t")
        kiosk_pins.set_pin(db, father["id"], "4826", author="t")
    add_account(site.settings.database, "kiosk", email="kiosk@p11.example.pl")
    client = TestClient(site.app, base_url=BASE_URL)
    response = log_in(client, "kiosk@p11.example.pl", PASSWORD)
    assert str(response.url) == f"{BASE_URL}/kiosk?welcome"
    return client


def test_a_kiosk_record_is_pushed_to_the_guardians_who_opted_in(site: Site, kiosk_client: TestClient) -> None:
    """The mother chose arrivals by push: the father's record at the kiosk is queued for her
    phone in the record's transaction, naming who recorded it and when."""
    mother = site.client("parent")
    mother.post("/account/notifications", data={"arrival.push": "1", "arrival.email": "1"})
    with site.db() as db:
        account = db.execute("SELECT id FROM users WHERE email = ?", [PARENT_EMAIL]).fetchone()[0]
        notifications.add_subscription(
            db, account, "https://push.example.com/mama", "k", "a", site.app.state.clock()
        )
    chosen = kiosk_client.post("/kiosk", data={"phone": PHONE, "pin": "4826"})
    token = re.search(r'name="pass" value="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    kiosk_client.post("/kiosk/record", data={"pass": token, "child_id": str(site.ania), "direction": "in"})
    with site.db() as db:
        queued = [(row["channel"], row["kind"], row["email"]) for row in notifications.outbox(db)]
        summary = db.execute("SELECT DISTINCT summary FROM notification_outbox").fetchall()
    assert sorted(queued) == [("email", "arrival", PARENT_EMAIL), ("push", "arrival", PARENT_EMAIL)]
    assert summary == [("Ania Kowalska: przyjście 09:30 (kiosk, Jan Kowalski)",)]


def test_a_teachers_came_now_is_pushed_to_the_guardian_who_opted_in(site: Site) -> None:
    site.client("parent").post("/account/notifications", data={"arrival.email": "1"})
    teacher = site.client("teacher")
    answer = teacher.post(
        f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "came"}, follow_redirects=False
    )
    assert answer.status_code == 303
    teacher.post(
        f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "absent"}, follow_redirects=False
    )
    with site.db() as db:
        rows = [(row["kind"], row["email"]) for row in notifications.outbox(db)]
        [(summary,)] = db.execute("SELECT summary FROM notification_outbox").fetchall()
    assert rows == [("arrival", PARENT_EMAIL)]  # "absent" tells nobody
    assert summary == "Ania Kowalska: przyjście 09:30 (zapis przy drzwiach: Test teacher)"


def test_a_kiosk_can_do_nothing_else(site: Site, kiosk_client: TestClient) -> None:
    for path in (
        "/presence",
        f"/groups/{site.motylki}/grid",
        "/parent",
        f"/children/{site.ania}",
        "/api/children",
    ):
        assert kiosk_client.get(path).status_code == 403, path
    assert kiosk_client.get("/", follow_redirects=False).headers["location"] == "/kiosk"
    refused = kiosk_client.post(f"/groups/{site.motylki}/grid/{site.ania}", data={"action": "came"})
    assert refused.status_code == 403


def test_a_guardian_records_an_arrival_at_the_kiosk(site: Site, kiosk_client: TestClient) -> None:
    chosen = kiosk_client.post("/kiosk", data={"phone": PHONE, "pin": "4826"})
    assert chosen.status_code == 200 and "Ania Kowalska" in chosen.text and "Olek" not in chosen.text
    token = re.search(r'name="pass" value="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    done = kiosk_client.post(
        "/kiosk/record", data={"pass": token, "child_id": str(site.ania), "direction": "in"}
    )
    assert "Ania Kowalska: zapisano przyjście o 09:30." in done.text
    grid = site.client("teacher").get(f"/groups/{site.motylki}/grid").text
    assert "(Jan Kowalski)" in grid and '<span class="tag">kiosk</span>' in grid
    mother = site.client("parent").get(f"/parent/children/{site.ania}?month=2026-11").text  # its history
    assert "(przyprowadził(a): Jan Kowalski, w kiosku)" in mother
    log = site.client("teacher").get("/inconsistencies?from=2026-11-18&to=2026-11-18").text
    assert "Zapis w kiosku PIN-em opiekuna, do sprawdzenia" in log
    with site.db() as db:
        [record] = kiosk.records_between(db, "2026", "2027")
    reviewed = site.client("teacher").post(f"/kiosk/records/{record['id']}/reviewed", follow_redirects=False)
    assert reviewed.status_code == 303
    assert (
        "do sprawdzenia"
        not in site.client("teacher").get("/inconsistencies?from=2026-11-18&to=2026-11-18").text
    )
    assert site.client("parent").post(f"/kiosk/records/{record['id']}/reviewed").status_code == 403


def test_five_wrong_pins_at_the_kiosk_stop_the_guardian(site: Site, kiosk_client: TestClient) -> None:
    answers = [kiosk_client.post("/kiosk", data={"phone": PHONE, "pin": "1357"}) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [422] * 4 + [429]
    right = kiosk_client.post("/kiosk", data={"phone": PHONE, "pin": "4826"})
    assert right.status_code == 429 and "zablokowany" in unescape(ALERT.search(right.text).group(1))  # type: ignore[union-attr]


def test_a_forged_or_other_familys_kiosk_record_is_refused(site: Site, kiosk_client: TestClient) -> None:
    chosen = kiosk_client.post("/kiosk", data={"phone": PHONE, "pin": "4826"})
    token = re.search(r'name="pass" value="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    other = kiosk_client.post(
        "/kiosk/record", data={"pass": token, "child_id": str(site.olek), "direction": "in"}
    )
    assert other.status_code == 422
    forged = kiosk_client.post(
        "/kiosk/record", data={"pass": "x", "child_id": str(site.ania), "direction": "in"}
    )
    assert forged.status_code == 422 and "Czas na wybór minął" in forged.text
    assert without_csrf(kiosk_client).post("/kiosk", data={"phone": PHONE, "pin": "4826"}).status_code == 403
    with site.db() as db:
        assert kiosk.records_between(db, "2026", "2027") == []


def test_pins_are_set_by_the_secretary_and_by_the_guardian_for_themselves(site: Site) -> None:
    with site.db() as db:
        mother = registry.guardians_of(db, site.ania)[0]["id"]
        registry.add_guardian(db, name="Jan Kowalski", phone=PHONE, children=[site.ania], author="t")
    secretary = site.client("secretary")
    refused = secretary.post(f"/kiosk/pins/{mother}", data={"pin": "4826", "repeat_pin": "4826"})
    assert refused.status_code == 422 and "numeru telefonu" in refused.text  # the mother has no phone
    differ = secretary.post(f"/kiosk/pins/{mother}", data={"pin": "4826", "repeat_pin": "4827"})
    assert differ.status_code == 422 and "różnią" in differ.text
    parent = site.client("parent")
    assert parent.get("/account/pin").status_code == 200
    assert parent.get(f"/kiosk/pins/{mother}").status_code == 403
    assert site.client("teacher").get("/account/pin").status_code == 403
    assert site.client("secretary").get("/account/pin").status_code == 403
    with site.db() as db:
        assert kiosk_pins.pin_state(db, mother) is None


def test_a_teacher_of_a_kindergarten_without_groups_lands_on_the_notice(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "empty.db")
    client = signed_in(create_app(settings, EventBus()), settings.database, "teacher")
    assert (
        client.get("/grid?welcome", follow_redirects=False).headers["location"] == "/account/welcome?next=/"
    )
    assert client.get("/grid").status_code == 404


def test_the_director_sets_the_missing_hour_and_a_wrong_one_changes_nothing(site: Site) -> None:
    director = site.client("director")
    form = {"opening": "06:30", "closing": "17:00", "debounce_s": "60"}
    refused = director.post("/settings/hours", data={**form, "missing_from": "dziewiąta"})
    assert refused.status_code == 422 and "Podaj godzinę jako GG:MM." in refused.text
    assert (
        director.post(
            "/settings/hours", data={**form, "missing_from": "8:30"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert "nie przyszły do 08:30" in director.get("/presence").text
    assert director.post("/settings/hours", data=form, follow_redirects=False).status_code == 303  # kept
    assert "nie przyszły do 08:30" in director.get("/presence").text
    assert (
        site.client("teacher").post("/settings/hours", data={**form, "missing_from": "10:00"}).status_code
        == 403
    )


def test_a_teachers_own_group_comes_first_on_the_board(site: Site) -> None:
    teacher = add_account(site.settings.database, "teacher", email="z@p11.example.pl", groups=[site.zabki])
    client = TestClient(site.app, base_url=BASE_URL)
    log_in(client, teacher["email"], PASSWORD)
    board = client.get("/presence").text
    assert board.index(f'id="presence-group-{site.zabki}"') < board.index(
        f'id="presence-group-{site.motylki}"'
    )
    board = site.client("director").get("/presence").text  # everyone else: the usual order
    assert board.index(f'id="presence-group-{site.motylki}"') < board.index(
        f'id="presence-group-{site.zabki}"'
    )
