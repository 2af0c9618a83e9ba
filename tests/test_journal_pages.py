"""The journal pages over a real database with signed-in clients: presence board, group day,
child, cards and readers — who may see and change what, forged and wrong forms refused with
nothing changed, corrections only with a reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.store import audit, cards, corrections, day_topics, firmware_updates, readers
from hub.timefmt import utc_now
from hub.wire import StatusMessage
from tests.journal_support import ANIA_CARD, OLEK_CARD, UNKNOWN_CARD, give_cards, local, store_tap
from tests.pages_support import Site, errors, without_csrf
from tests.web_support import signed_in

DAY = date(2026, 11, 18)
"""A past Wednesday: Ania came at 07:40 with her mother and no departure was recorded."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site.make(tmp_path)
    db = made.db()
    give_cards(db, made.settings, made.ania, made.olek)
    store_tap(db, 1, ANIA_CARD, local(made.settings, DAY, time(7, 40)))
    store_tap(db, 2, OLEK_CARD, local(made.settings, DAY, time(8, 0)))
    store_tap(db, 3, OLEK_CARD, local(made.settings, DAY, time(15, 0)))
    db.close()
    yield made


@pytest.fixture
def db(site: Site) -> Iterator[Database]:
    database = site.db()
    yield database
    database.close()


def day_page(group: int, day: date = DAY) -> str:
    return f"/groups/{group}/days/{day.isoformat()}"


def stored_corrections(db: Database) -> int:
    return db["corrections"].count


# -- who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed", "refused"),
    [
        ("/presence", ("teacher", "director", "admin", "secretary", "inspector"), ("parent",)),
        ("/presence/board", ("teacher", "director"), ("parent",)),
        ("/cards", ("secretary", "director", "admin"), ("teacher", "parent", "inspector")),
        ("/readers", ("teacher", "director", "secretary", "inspector"), ("parent",)),
    ],
)
def test_pages_open_for_the_roles_with_the_right(
    site: Site, path: str, allowed: tuple, refused: tuple
) -> None:
    for role in allowed:
        assert site.client(role).get(path).status_code == 200, (role, path)
    for role in refused:
        assert site.client(role).get(path).status_code == 403, (role, path)


def test_the_pushed_board_is_refused_to_a_parent(site: Site) -> None:
    # The allowed stream never ends by itself; the browser test watches it push a tap.
    assert site.client("parent").get("/presence/events").status_code == 403


def test_every_page_needs_a_login(site: Site) -> None:
    anonymous = TestClient(site.app, base_url="https://testserver")
    for path in (
        "/presence",
        day_page(site.motylki),
        f"/children/{site.ania}",
        "/cards",
        "/readers",
        "/days",
    ):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_a_group_day_is_changed_only_by_its_teachers_and_the_director(site: Site, db: Database) -> None:
    teacher = site.client("teacher")  # of Motylki
    own = teacher.get(day_page(site.motylki)).text
    assert f'action="/groups/{site.motylki}/days/2026-11-18/corrections"' in own
    other = teacher.get(day_page(site.zabki))
    assert other.status_code == 200 and "Olek" in other.text and "/corrections" not in other.text
    assert "/corrections" not in site.client("secretary").get(day_page(site.motylki)).text
    assert "/corrections" in site.client("director").get(day_page(site.zabki)).text
    assert site.client("parent").get(day_page(site.motylki)).status_code == 403
    forged = {"child_id": site.olek, "kind": "mark_absent", "reason": "próba"}
    assert teacher.post(day_page(site.zabki) + "/corrections", data=forged).status_code == 403
    assert (
        site.client("secretary").post(day_page(site.zabki) + "/corrections", data=forged).status_code == 403
    )
    assert stored_corrections(db) == 0
    refused = [(row["right"], row["object"]) for row in audit.denials(db)]
    assert refused.count(("attendance.correct", f"group {site.zabki}")) == 2


def test_the_days_menu_item_goes_to_a_teachers_own_group_today(site: Site) -> None:
    second = signed_in(
        site.app, site.settings.database, "teacher", email="t2@p11.example.pl", groups=[site.zabki]
    )
    response = second.get("/days", follow_redirects=False)
    today = datetime.now(site.settings.tz).date()
    assert response.headers["location"] == day_page(site.zabki, today)


def test_personal_data_only_with_the_right(site: Site) -> None:
    page = site.client("teacher").get(f"/children/{site.ania}").text
    assert "4.05.2021" in page and "Marta Kowalska" in page
    assert site.client("parent").get(f"/children/{site.olek}").status_code == 403
    inspector = signed_in(
        site.app, site.settings.database, "inspector", email="kontrola@example.pl",
        expires_on=date(2099, 12, 31), granted=["attendance.view"],
    )  # fmt: skip
    limited = inspector.get(f"/children/{site.ania}")
    assert limited.status_code == 200 and "4.05.2021" not in limited.text and "Kowalska" in limited.text


# -- presence -------------------------------------------------------------------------------


def test_the_board_lists_who_is_in_per_group_with_times_and_counts(site: Site, db: Database) -> None:
    now = utc_now()
    store_tap(db, 10, ANIA_CARD, now - timedelta(seconds=5))
    board = site.client("teacher").get("/presence").text
    clock = (now - timedelta(seconds=5)).astimezone(site.settings.tz).strftime("%H:%M")
    assert "Teraz w budynku: 1" in board
    motylki = board[board.index("Motylki") :]
    assert "Ania Kowalska" in motylki and clock in motylki and "mama" in motylki
    assert "Nikogo z tej grupy nie ma w budynku." in board  # Żabki
    assert 'href="/reports/evacuation"' in board
    english = site.client("teacher").get("/presence", headers={"Accept-Language": "en"}).text
    assert "In the building now: 1" in english and "Nobody from this group is in the building." in english


# -- group day ------------------------------------------------------------------------------


def test_a_missing_departure_links_to_its_fix_and_a_correction_resolves_it(site: Site, db: Database) -> None:
    teacher = site.client("teacher")
    page = teacher.get(day_page(site.motylki)).text
    assert "Brak zapisanego wyjścia" in page
    fix = re.search(rf'href="([^"]*fix={site.ania}[^"]*kind=add_departure[^"]*)"', page)
    assert fix, page
    opened = teacher.get(fix.group(1).replace("&amp;", "&")).text
    assert re.search(rf'<details id="child-{site.ania}"[^>]* open', opened)
    assert re.search(r'<option value="add_departure" selected>', opened)
    response = teacher.post(
        day_page(site.motylki) + "/corrections",
        data={
            "child_id": site.ania,
            "kind": "add_departure",
            "time": "15:30",
            "reason": "odebrała babcia bez karty",
        },
    )
    assert response.status_code == 200 and "Korekta została zapisana." in response.text
    assert "Brak zapisanego wyjścia" not in response.text and "15:30" in response.text
    [row] = list(db["corrections"].rows)
    assert (row["author"], row["reason"]) == (teacher.account["email"], "odebrała babcia bez karty")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "add_departure", "time": "15:30", "reason": ""}, "reason", "To pole jest wymagane."),
        ({"kind": "add_departure", "time": "15:30", "reason": "   "}, "reason", "To pole jest wymagane."),
        ({"kind": "add_departure", "time": "", "reason": "r"}, "time", "Podaj godzinę jako GG:MM."),
        ({"kind": "add_departure", "time": "25:99", "reason": "r"}, "time", "Podaj godzinę jako GG:MM."),
        ({"kind": "move", "time": "08:00", "reason": "r"}, "target", "Wybierz, co przesunąć lub anulować."),
        ({"kind": "cancel", "target": "tap:wejscie#2", "reason": "r"}, "target",
         "Wybierz jedną z możliwości."),
        ({"kind": "add_arrival", "time": "07:00", "target": "tap:wejscie#1", "reason": "r"}, "target",
         "Dodane przyjście lub wyjście może potwierdzić tylko odbicie o nieznanej godzinie."),
        ({"kind": "mark_absent", "time": "07:00", "reason": "r"}, "time",
         "Ta korekta nie ma godziny; zostaw to pole puste."),
        ({"kind": "teleport", "reason": "r"}, "kind", "Wybierz, co poprawić."),
    ],
)  # fmt: skip
def test_a_wrong_correction_is_refused_with_the_reason_and_changes_nothing(
    site: Site, db: Database, fields: dict, field: str, message: str
) -> None:
    before = site.client("teacher").get(day_page(site.motylki)).text
    response = site.client("teacher").post(
        day_page(site.motylki) + "/corrections", data={"child_id": site.ania, **fields}
    )
    assert response.status_code == 422
    assert message in errors(response.text)
    assert f'id="fix-{site.ania}-{field}"' in response.text and 'aria-invalid="true"' in response.text
    if fields.get("reason", "").strip():
        assert f'value="{fields["reason"]}"' in response.text  # what was typed is kept
    assert stored_corrections(db) == 0
    assert "Brak zapisanego wyjścia" in before and "Brak zapisanego wyjścia" in response.text


def test_a_correction_ahead_of_time_or_of_another_groups_child_is_refused(site: Site, db: Database) -> None:
    teacher = site.client("teacher")
    tomorrow = datetime.now(site.settings.tz).date() + timedelta(days=1)
    ahead = teacher.post(
        day_page(site.motylki, tomorrow) + "/corrections",
        data={"child_id": site.ania, "kind": "mark_absent", "reason": "wyjazd"},
    )
    assert (
        ahead.status_code == 422
        and "Dzień poprawia się, gdy już się zaczął, nie z wyprzedzeniem." in ahead.text
    )
    assert "/corrections" not in teacher.get(day_page(site.motylki, tomorrow)).text  # no form for days ahead
    stranger = teacher.post(
        day_page(site.motylki) + "/corrections",
        data={"child_id": site.olek, "kind": "mark_absent", "reason": "r"},
    )
    assert stranger.status_code == 422
    assert stored_corrections(db) == 0


def test_revoking_a_correction_needs_a_reason(site: Site, db: Database) -> None:
    made = corrections.add_correction(
        db, child_id=site.ania, day=DAY, kind="add_departure", reason="wyszła", author="t",
        at=local(site.settings, DAY, time(15, 0)),
    )  # fmt: skip
    teacher = site.client("teacher")
    path = day_page(site.motylki) + f"/corrections/{made['id']}/revoke"
    refused = teacher.post(path, data={"reason": ""})
    assert refused.status_code == 422 and "To pole jest wymagane." in errors(refused.text)
    assert corrections.get_correction(db, made["id"])["revoked_at"] is None
    assert (
        teacher.post(
            day_page(site.zabki) + f"/corrections/{made['id']}/revoke", data={"reason": "x"}
        ).status_code
        == 403
    )
    done = teacher.post(path, data={"reason": "pomyłka godziny"})
    assert done.status_code == 200 and "Korekta została odwołana." in done.text
    assert f"odwołał(a) {teacher.account['email']}: pomyłka godziny" in done.text
    assert corrections.get_correction(db, made["id"])["revoke_reason"] == "pomyłka godziny"


def test_forms_without_the_csrf_token_are_refused(site: Site, db: Database) -> None:
    forged = without_csrf(site.client("director"))
    data = {"child_id": site.ania, "kind": "mark_absent", "reason": "r"}
    assert forged.post(day_page(site.motylki) + "/corrections", data=data).status_code == 403
    assert forged.post(day_page(site.motylki) + "/topics", data={"topic": "Jesień"}).status_code == 403
    assert forged.post("/cards", data={"uid": UNKNOWN_CARD, "child_id": site.olek}).status_code == 403
    card = cards.active_card(db, OLEK_CARD)
    assert forged.post(f"/cards/{card['id']}/revoke", data={"reason": "zgubiona"}).status_code == 403
    made = corrections.add_correction(
        db, child_id=site.ania, day=DAY, kind="mark_present", reason="był", author="t"
    )
    revoke = day_page(site.motylki) + f"/corrections/{made['id']}/revoke"
    assert forged.post(revoke, data={"reason": "pomyłka"}).status_code == 403
    assert stored_corrections(db) == 1 and corrections.get_correction(db, made["id"])["revoked_at"] is None
    assert db["day_topics"].count == 0
    assert cards.active_card(db, UNKNOWN_CARD) is None and cards.active_card(db, OLEK_CARD) is not None


def test_a_substitute_writes_the_topic_and_a_correction_keeps_the_first(site: Site, db: Database) -> None:
    teacher = site.client("teacher")
    topics = day_page(site.motylki) + "/topics"
    empty = teacher.post(topics, data={"topic": " ", "substitution": "yes", "substitute_for": "Maria Nowak"})
    assert empty.status_code == 422 and "To pole jest wymagane." in errors(empty.text)
    assert 'value="Maria Nowak"' in empty.text
    page = teacher.post(
        topics, data={"topic": "Liście jesienią", "substitution": "yes", "substitute_for": "Maria Nowak"}
    )
    assert (
        "Zapis dnia został zapisany." in page.text
        and "zastępstwo" in page.text
        and "za Maria Nowak" in page.text
    )
    [first] = day_topics.list_topics(db, site.motylki, DAY, DAY)
    teacher.post(topics, data={"topic": "Liście i kasztany", "replaces": first["id"]})
    page = teacher.get(day_page(site.motylki)).text
    assert "Liście i kasztany" in page and "<del>Liście jesienią</del>" in page
    tomorrow = datetime.now(site.settings.tz).date() + timedelta(days=1)
    ahead = teacher.post(day_page(site.motylki, tomorrow) + "/topics", data={"topic": "Plan"})
    assert ahead.status_code == 422 and "Zapisy dnia wpisuje się za dziś lub dni minione." in ahead.text
    assert site.client("secretary").post(topics, data={"topic": "x"}).status_code == 403
    assert len(day_topics.list_topics(db, site.motylki, DAY, DAY, with_history=True)) == 2


def test_the_day_shows_who_brought_and_collected(site: Site) -> None:
    page = site.client("teacher").get(day_page(site.zabki)).text
    assert "08:00" in page and "15:00" in page
    motylki = site.client("teacher").get(day_page(site.motylki)).text
    assert re.search(r"07:40\s*<span class=\"muted\">\(mama\)</span>", motylki)


# -- child ----------------------------------------------------------------------------------


def test_the_childs_month_calendar_and_history(site: Site) -> None:
    teacher = site.client("teacher")
    page = teacher.get(f"/children/{site.ania}?month=2026-11").text
    assert "listopad 2026" in page and "07:40–?" in page and "do sprawdzenia" in page
    assert 'href="?month=2026-10"' in page
    assert ANIA_CARD in page and "mama" in page
    october = teacher.get(f"/children/{site.ania}?month=2026-10").text
    assert "październik 2026" in october and "07:40" not in october
    wrong = teacher.get(f"/children/{site.ania}?month=2026-13")
    assert wrong.status_code == 422 and "Podaj miesiąc jako RRRR-MM." in errors(wrong.text)
    assert teacher.get("/children/999").status_code == 404


# -- cards ----------------------------------------------------------------------------------


def test_an_unknown_card_is_assigned_in_one_step_and_its_taps_are_attributed(
    site: Site, db: Database
) -> None:
    store_tap(db, 20, UNKNOWN_CARD, utc_now() - timedelta(seconds=30))
    secretary = site.client("secretary")
    page = secretary.get(f"/cards?uid={UNKNOWN_CARD}").text
    assert f'id="unknown-{UNKNOWN_CARD}"' in page and "highlight" in page
    response = secretary.post(
        "/cards", data={"uid": UNKNOWN_CARD, "unknown": UNKNOWN_CARD, "child_id": site.olek, "holder": "tata",
                        "from_day": datetime.now(site.settings.tz).date().isoformat()},
    )  # fmt: skip
    assert response.status_code == 200 and "Karta została przypisana." in response.text
    assert f'id="unknown-{UNKNOWN_CARD}"' not in response.text
    today = datetime.now(site.settings.tz).date()
    day = site.client("director").get(day_page(site.zabki, today)).text
    assert "(tata)" in day
    assert cards.active_card(db, UNKNOWN_CARD)["assigned_by"] == secretary.account["email"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"uid": "", "child_id": "2"}, "uid", "To pole jest wymagane."),
        ({"uid": "04C0FFEE", "child_id": ""}, "child_id", "Wybierz dziecko."),
        ({"uid": "04C0FFEE", "child_id": "999"}, "child_id", "Wybierz dziecko."),
        ({"uid": "04C0FFEE", "child_id": "2", "from_day": "2099-01-01"}, "from_day",
         "Karta liczy się od dziś lub od wcześniejszego dnia."),
        ({"uid": "04C0FFEE", "child_id": "2", "from_day": "jutro"}, "from_day",
         "Podaj datę jako RRRR-MM-DD."),
    ],
)  # fmt: skip
def test_a_wrong_card_form_is_refused_and_changes_nothing(
    site: Site, db: Database, fields: dict, field: str, message: str
) -> None:
    response = site.client("secretary").post("/cards", data=fields)
    assert response.status_code == 422 and message in errors(response.text)
    assert f'id="new-{field}"' in response.text
    assert db["cards"].count == 2


def test_a_card_of_someone_else_or_a_bad_uid_is_refused_with_the_hubs_reason(
    site: Site, db: Database
) -> None:
    taken = site.client("secretary").post("/cards", data={"uid": ANIA_CARD, "child_id": site.olek})
    assert taken.status_code == 422 and "jest już przypisana" in taken.text  # the hub's reason, in Polish
    bad = site.client("secretary").post("/cards", data={"uid": "nonsense", "child_id": site.olek})
    assert bad.status_code == 422 and 'value="nonsense"' in bad.text
    assert db["cards"].count == 2


def test_revoking_a_card_needs_a_reason_and_keeps_its_history(site: Site, db: Database) -> None:
    card = cards.active_card(db, OLEK_CARD)
    secretary = site.client("secretary")
    refused = secretary.post(f"/cards/{card['id']}/revoke", data={"reason": ""})
    assert refused.status_code == 422 and "To pole jest wymagane." in errors(refused.text)
    assert cards.active_card(db, OLEK_CARD) is not None
    done = secretary.post(f"/cards/{card['id']}/revoke", data={"reason": "zgubiona"})
    assert done.status_code == 200 and OLEK_CARD not in done.text.split("Karty w użyciu")[1]
    everything = secretary.get("/cards?show=all").text
    assert "zgubiona" in everything
    assert "08:00" in site.client("teacher").get(day_page(site.zabki)).text  # old taps stay Olek's
    assert secretary.post("/cards/999/revoke", data={"reason": "x"}).status_code == 404


# -- readers --------------------------------------------------------------------------------


def test_readers_show_their_health_and_history(site: Site, db: Database) -> None:
    with db.atomic():
        readers.record_status(
            db, "wejscie",
            StatusMessage(True, fw="1.2.0", boot=7, queue=3, heap=41234, rssi=-61, up=3700, resets=2),
            utc_now(), retained=False,
        )  # fmt: skip
    page = site.client("teacher").get("/readers").text
    for shown in ("Wejście główne", "w sieci", "1.2.0", "40 KB", "-61 dBm", "01:01", ">7<", ">2<", ">3<"):
        assert shown in page, shown
    assert "ostatnie raporty stanu" in page


def test_readers_show_the_state_of_an_update(site: Site, db: Database) -> None:
    firmware_updates.request(db, ["wejscie"], "1.3.0", "/releases/1.3.0", "test")
    page = site.client("teacher").get("/readers").text
    assert "1.3.0: <span>zaraz się zacznie" in page
    firmware_updates.set_state(db, "wejscie", "rolled-back", "wejscie went back to 1.2.0")
    page = site.client("teacher").get("/readers").text
    assert "przywrócono poprzednią wersję" in page and "wejscie went back to 1.2.0" in page
