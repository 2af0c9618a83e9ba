"""The hub's refusals reach a person by their code, in Polish and in English: made by the hub
itself, read back through the catalogues (hub/i18n.py), on a page, in the API and on the
command line (hub/refusal.py, web/errors.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub import i18n
from hub.cli.main import cli
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.refusal import N_, Label, Refusal
from hub.services import months
from hub.store import absences, cards, fee_settings, registry
from hub.store.db import open_database
from tests.web_support import signed_in
from web.app import create_app
from web.errors import ApiError

SETTINGS = Settings(database=Path("unused.db"))
REFUSALS: list[tuple[Callable[[Database], Any], str, str, str]] = [
    (lambda db: registry.add_group(db, " ", author="t"), "field.required",
     "Nazwa grupy: to pole jest wymagane.", "Group name: this is required."),
    (lambda db: registry.add_group(db, "Żabki", author="t"), "group.exists",
     "Jest już grupa o nazwie „Żabki”.", "There is already a group called “Żabki”."),
    (lambda db: registry.add_child(db, first_name="A" * 81, last_name="B", group=1, author="t"),
     "field.too_long", "Imię: najwyżej 80 znaków.", "First name: at most 80 characters."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group="Sowy", author="t"),
     "group.unknown", "Nie ma grupy o nazwie „Sowy”.", "There is no group called “Sowy”."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, birth_date="4.05.2021",
                                   author="t"),
     "field.not_a_date", "Data urodzenia: podaj datę jako RRRR-MM-DD.",
     "Date of birth: give a date as YYYY-MM-DD."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, active_from="2026-09-01",
                                   active_to="2026-08-01", author="t"),
     "child.ends_before_start", "Ostatni dzień jest przed pierwszym.", "The last day is before the first."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, active_from="2026-09-01",
                                   birth_date="2027-01-01", author="t"),
     "child.born_after_start", "Data urodzenia jest późniejsza niż pierwszy dzień w przedszkolu.",
     "The date of birth is after the first day in the kindergarten."),
    (lambda db: registry.get_child(db, 99), "child.not_found",
     "Nie ma dziecka o identyfikatorze 99.", "There is no child with id 99."),
    (lambda db: registry.add_guardian(db, name="X", email="x.example.pl", author="t"), "email.invalid",
     "„x.example.pl” nie jest adresem e-mail.", "“x.example.pl” is not an e-mail address."),
    (lambda db: cards.assign_card(db, uid="zz", child_id=1, author="t"), "card.bad_uid",
     "Numer UID karty ma 8, 14 lub 20 cyfr szesnastkowych, a nie „zz”.",
     "A card's UID has 8, 14 or 20 hexadecimal digits, not “zz”."),
    (lambda db: cards.assign_card(db, uid="04A2B3C4", child_id=1, author="t"), "card.assigned",
     "Karta 04A2B3C4 jest już przypisana: Ania Kowalska; najpierw ją unieważnij.",
     "Card 04A2B3C4 is already assigned to Ania Kowalska; revoke it first."),
    (lambda db: fee_settings.set_rate(db, date(2026, 9, 1), "abc", author="t"), "amount.invalid",
     "Podaj kwotę w złotych, np. 1,44.", "Give an amount in złoty, e.g. 1,44."),
    (lambda db: fee_settings.set_rate(db, date(2026, 9, 1), "-1", author="t"), "amount.not_in_grosze",
     "Podaj kwotę w złotych i groszach, nieujemną.", "Give an amount in złoty and grosze, not negative."),
    (lambda db: months.close(db, SETTINGS, 2999, 1, "t"), "month.not_over",
     "Miesiąc 2999-01 jeszcze się nie skończył.", "2999-01 is not over yet."),
    (lambda db: months.close(db, SETTINGS, 2026, 9, "t"), "month.closed",
     "Miesiąc 2026-09 jest już zamknięty.", "2026-09 is already closed."),
    (lambda db: absences.report_absence(db, child_id=1, first=date(2099, 1, 1), last=date(2099, 6, 1),
                                        reported_by="t"),
     "absence.too_long", "Można zgłosić najwyżej 62 dni naraz.", "Report at most 62 days at a time."),
]  # fmt: skip
"""(make the hub refuse, the refusal's code, what a Polish reader sees, what an English one sees)"""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = open_database(tmp_path_factory.mktemp("refusals") / "hub.db")
    registry.add_group(db, "Żabki", author="t")
    registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=1, active_from="2026-09-01", author="t"
    )
    cards.assign_card(db, uid="04A2B3C4", child_id=1, author="t")
    months.close(db, SETTINGS, 2026, 9, "t")
    yield db
    db.close()


@pytest.mark.parametrize(("refuse", "code", "polish", "english"), REFUSALS)
def test_the_hubs_refusal_is_given_in_the_readers_language(
    db: Database, refuse: Callable[[Database], Any], code: str, polish: str, english: str
) -> None:
    with pytest.raises(Refusal) as refused:
        refuse(db)
    assert refused.value.code == code
    with i18n.language("pl"):
        assert i18n.refusal_text(refused.value) == polish
    with i18n.language("en"):
        assert i18n.refusal_text(refused.value) == english


def test_a_label_is_translated_and_a_program_reads_its_english_id() -> None:
    refusal = Refusal("field.required", N_("%(field)s: this is required."), field=Label(N_("First name")))
    assert str(refusal) == "First name: this is required."  # logs and readers without catalogues
    assert refusal.params == {"field": "First name"}
    with i18n.language("pl"):
        assert i18n.refusal_text(refusal) == "Imię: to pole jest wymagane."


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({"LANG": "pl_PL.UTF-8"}, "pl"),
        ({"LANG": "pl"}, "pl"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "pl_PL.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
        ({"LC_ALL": "", "LC_MESSAGES": "pl_PL", "LANG": "C"}, "pl"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_command_lines_language_comes_from_the_locale(environment: dict[str, str], language: str) -> None:
    assert i18n.language_from_environment(environment) == language


NO_LOCALE: dict[str, str | None] = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("pl_PL.UTF-8", "Jest już grupa o nazwie „Żabki”."),
        ("en_GB.UTF-8", "There is already a group called “Żabki”."),
        (None, "There is already a group called “Żabki”."),
    ],
)
def test_the_command_line_says_a_refusal_in_the_locales_language(
    tmp_path: Path, lang: str | None, sentence: str
) -> None:
    database = tmp_path / "hub.db"
    open_database(database).close()
    environment = {**NO_LOCALE, "LANG": lang}
    runner = CliRunner()
    assert runner.invoke(cli, ["--database", str(database), "groups", "add", "Żabki"]).exit_code == 0
    refused = runner.invoke(cli, ["--database", str(database), "groups", "add", "Żabki"], env=environment)
    assert refused.exit_code == 1
    assert refused.output.strip() == f"Error: {sentence}"


def test_a_bad_row_of_an_import_is_said_in_the_locales_language(tmp_path: Path) -> None:
    database, rows = tmp_path / "hub.db", tmp_path / "children.csv"
    open_database(database).close()
    rows.write_text("imię;nazwisko;grupa\n;Kowalska;Żabki\n", encoding="utf-8")
    environment = {**NO_LOCALE, "LANG": "pl_PL.UTF-8"}
    result = CliRunner().invoke(
        cli, ["--database", str(database), "children", "import", str(rows)], env=environment
    )
    assert result.exit_code == 1 and "row 2: Imię: to pole jest wymagane." in result.output


@pytest.fixture(scope="module")
def director(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings(database=tmp_path_factory.mktemp("web") / "hub.db", timezone="Europe/Warsaw")
    with open_database(settings.database) as db:
        registry.add_group(db, "Żabki", author="t")
        registry.add_child(db, first_name="Ania", last_name="Kowalska", group=1, author="t")
    return signed_in(create_app(settings, EventBus()), settings.database, "director")


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("pl", "Jest już grupa o nazwie „Żabki”."), ("en", "There is already a group called “Żabki”.")],
)
def test_the_api_answers_a_refusal_with_its_code_params_and_sentence(
    director: TestClient, language: str, sentence: str
) -> None:
    response = director.post("/api/groups", json={"name": "Żabki"}, headers={"Accept-Language": language})
    assert response.status_code == 422
    assert response.json() == {"code": "group.exists", "message": sentence, "params": {"name": "Żabki"}}


def test_the_api_names_a_field_by_its_english_label_and_translates_it_in_the_message(
    director: TestClient,
) -> None:
    child = {"first_name": " ", "last_name": "Nowak", "group": "Żabki"}
    response = director.post("/api/children", json=child, headers={"Accept-Language": "pl"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "field.required",
        "message": "Imię: to pole jest wymagane.",
        "params": {"field": "First name"},
    }


FIX = {"child_id": 1, "day": "2026-11-18", "kind": "mark_absent", "reason": "r"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("get", "/api/children/99", None, 404, "child.not_found"),
        ("get", "/api/days?group=Sowy", None, 404, "group.unknown"),
        ("post", "/api/cards", {"uid": "zz", "child_id": 1}, 422, "card.bad_uid"),
        ("get", "/api/taps?from=2026-11-05&to=2026-11-01", None, 422, "range.reversed"),
        ("get", "/api/taps?from=yesterday", None, 422, "invalid"),
        ("get", "/api/nothing-here", None, 404, "not_found"),
        ("post", "/api/corrections", {**FIX, "kind": "add_arrival"}, 422, "correction.needs_time"),
        ("post", "/api/corrections", {**FIX, "time": "08:00"}, 422, "correction.takes_no_time"),
        ("post", "/api/corrections", {**FIX, "kind": "cancel"}, 422, "correction.needs_target"),
        ("post", "/api/corrections", {**FIX, "correction": 1}, 422, "correction.takes_no_target"),
        ("post", "/api/corrections", {**FIX, "kind": "move", "time": "09:00", "correction": 9}, 422,
         "correction.not_found"),
        ("post", "/api/corrections", {**FIX, "kind": "cancel", "tap": "wejscie#1"}, 422, "tap.not_found"),
        ("post", "/api/corrections", {**FIX, "reason": " "}, 422, "field.required"),
    ],
)  # fmt: skip
def test_every_api_error_has_a_code_a_message_and_params(
    director: TestClient, method: str, path: str, body: dict | None, status: int, code: str
) -> None:
    response = director.request(method.upper(), path, json=body, headers={"Accept-Language": "en"})
    assert response.status_code == status, response.text
    error = ApiError.model_validate(response.json())
    assert error.code == code and error.message


def test_validation_errors_list_the_failing_values(director: TestClient) -> None:
    response = director.post("/api/groups", json={"teachers": 5})
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid"
    failing = {tuple(item["loc"]) for item in error["params"]["errors"]}
    assert failing == {("body", "name"), ("body", "teachers")}
    assert all(item["msg"] and item["type"] for item in error["params"]["errors"])


def test_without_a_session_the_api_answers_401_with_a_code(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "hub.db")
    anonymous = TestClient(create_app(settings, EventBus()))
    response = anonymous.get("/api/groups", headers={"Accept-Language": "pl"})
    assert response.status_code == 401
    assert response.json() == {"code": "login.required", "message": "Zaloguj się.", "params": {}}
    sent = anonymous.post("/api/groups", json={"name": "x"})
    assert sent.status_code == 401 and sent.json()["code"] == "login.required"


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("pl", "Jest już grupa o nazwie „Żabki”."), ("en", "There is already a group called “Żabki”.")],
)
def test_a_page_shows_the_refusal_in_the_readers_language(
    director: TestClient, language: str, sentence: str
) -> None:
    director.cookies.set("lang", language)
    try:
        refused = director.post("/registry/groups", data={"name": "Żabki"}, headers={"Accept": "text/html"})
    finally:
        director.cookies.delete("lang")
    assert refused.status_code == 422
    assert sentence.replace("“", "&#8220;") in refused.text or sentence in refused.text


def test_the_command_line_reads_the_catalogues_only_to_print_a_refusal() -> None:
    """Its cold start stays cheap: the .po files are parsed on the first refusal, not at import."""
    probe = "import sys, hub.cli.main; print('babel.messages.pofile' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
