"""The hub's refusals a person meets on the journal's forms, in Polish and English: each is
made by the hub itself, so a reworded sentence there fails here instead of going untranslated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from hub.config import Settings
from hub.services import months
from hub.store import absences, cards, fee_settings, registry
from hub.store.db import open_database
from hub.store.registry import RegistryError
from web import i18n
from web.hub_reasons import translated

SETTINGS = Settings(database=Path("unused.db"))
REFUSALS: list[tuple[Callable[[Database], Any], str, str]] = [
    (lambda db: registry.add_group(db, " ", author="t"), "Nazwa grupy: to pole jest wymagane.",
     "Group name: this is required."),
    (lambda db: registry.add_group(db, "Żabki", author="t"), "Jest już grupa o nazwie „Żabki”.",
     "There is already a group called “Żabki”."),
    (lambda db: registry.add_child(db, first_name="A" * 81, last_name="B", group=1, author="t"),
     "Imię: najwyżej 80 znaków.", "First name: at most 80 characters."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group="Sowy", author="t"),
     "Nie ma grupy o nazwie „Sowy”.", "There is no group called “Sowy”."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, birth_date="4.05.2021",
                                   author="t"),
     "Data urodzenia: podaj datę jako RRRR-MM-DD.", "Date of birth: give a date as YYYY-MM-DD."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, active_from="2026-09-01",
                                   active_to="2026-08-01", author="t"),
     "Ostatni dzień jest przed pierwszym.", "The last day is before the first."),
    (lambda db: registry.add_child(db, first_name="A", last_name="B", group=1, active_from="2026-09-01",
                                   birth_date="2027-01-01", author="t"),
     "Data urodzenia jest późniejsza niż pierwszy dzień w przedszkolu.",
     "The date of birth is after the first day in the kindergarten."),
    (lambda db: registry.add_guardian(db, name="X", email="x.example.pl", author="t"),
     "„x.example.pl” nie jest adresem e-mail.", "“x.example.pl” is not an e-mail address."),
    (lambda db: cards.assign_card(db, uid="zz", child_id=1, author="t"),
     "Numer UID karty ma 8, 14 lub 20 cyfr szesnastkowych, a nie „zz”.",
     "A card's UID has 8, 14 or 20 hexadecimal digits, not “zz”."),
    (lambda db: cards.assign_card(db, uid="04A2B3C4", child_id=1, author="t"),
     "Karta 04A2B3C4 jest już przypisana: Ania Kowalska; najpierw ją unieważnij.",
     "Card 04A2B3C4 is already assigned to Ania Kowalska; revoke it first."),
    (lambda db: fee_settings.set_rate(db, date(2026, 9, 1), "abc", author="t"),
     "Podaj kwotę w złotych, np. 1,44.", "Give an amount in złoty, e.g. 1,44."),
    (lambda db: fee_settings.set_rate(db, date(2026, 9, 1), "-1", author="t"),
     "Podaj kwotę w złotych i groszach, nieujemną.", "Give an amount in złoty and grosze, not negative."),
    (lambda db: months.close(db, SETTINGS, 2999, 1, "t"),
     "Miesiąc 2999-01 jeszcze się nie skończył.", "2999-01 is not over yet."),
    (lambda db: months.close(db, SETTINGS, 2026, 9, "t"),
     "Miesiąc 2026-09 jest już zamknięty.", "2026-09 is already closed."),
    (lambda db: absences.report_absence(db, child_id=1, first=date(2099, 1, 1), last=date(2099, 6, 1),
                                        reported_by="t"),
     "Można zgłosić najwyżej 62 dni naraz.", "Report at most 62 days at a time."),
]  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = open_database(tmp_path_factory.mktemp("reasons") / "hub.db")
    registry.add_group(db, "Żabki", author="t")
    registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=1, active_from="2026-09-01", author="t"
    )
    cards.assign_card(db, uid="04A2B3C4", child_id=1, author="t")
    months.close(db, SETTINGS, 2026, 9, "t")
    return db


@pytest.mark.parametrize(("refuse", "polish", "english"), REFUSALS)
def test_the_hubs_refusal_is_given_in_the_readers_language(
    db: Database, refuse: Callable[[Database], Any], polish: str, english: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        refuse(db)
    assert translated(refused.value) == polish  # Polish by default
    with i18n.language("en"):
        assert translated(refused.value) == english


def test_a_sentence_it_does_not_know_comes_through_as_the_hub_wrote_it() -> None:
    assert translated(RegistryError("the reader is on fire")) == "the reader is on fire"
    assert translated(RegistryError("the moon is required")) == "the moon is required"
