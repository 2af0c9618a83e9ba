"""The register of observations: written by a teacher, modified by the director with the
earlier text kept; the school-readiness information of six-year-olds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.refusal import Refusal
from hub.rules.school_readiness import is_late, is_six_year_old, readiness_due
from hub.rules.school_year import school_year_of
from hub.services import school_readiness
from hub.store import observations, registry
from hub.store.db import open_database

TEACHER = "maria.nowak@p11.example.pl"
DIRECTOR = "dyrektor@p11.example.pl"
TODAY = date(2027, 3, 15)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "observations.db")
    group = registry.add_group(db, "Motylki", author="test")["id"]
    registry.add_child(
        db, first_name="Zosia", last_name="Wójcik", group=group, birth_date="2020-12-31",
        active_from="2026-09-01", author="test",
    )  # fmt: skip
    registry.add_child(
        db, first_name="Antek", last_name="Nowak", group=group, birth_date="2021-01-01",
        active_from="2026-09-01", author="test",
    )  # fmt: skip
    yield db
    db.close()


def test_the_director_modifies_an_observation_and_the_earlier_text_is_kept(db: Database) -> None:
    written = observations.add(
        db, child_id=1, day=date(2026, 10, 5), kind="observation", area="mowa",
        text="Buduje zdania złożone", author=TEACHER, today=TODAY, now=datetime(2026, 10, 5, 12, tzinfo=UTC),
    )  # fmt: skip
    changed = observations.modify(
        db, written["id"], day=date(2026, 10, 5), kind="diagnosis", area="mowa",
        text="Buduje zdania złożone; myli głoski sz–s", for_parents=True, actor=DIRECTOR, today=TODAY,
        now=datetime(2026, 10, 6, 9, tzinfo=UTC),
    )  # fmt: skip
    assert changed["author"] == TEACHER and changed["changed_by"] == DIRECTOR
    assert changed["kind"] == "diagnosis" and changed["for_parents"] is True
    [earlier] = observations.history(db, written["id"])
    assert earlier["text"] == "Buduje zdania złożone" and earlier["kind"] == "observation"
    assert (earlier["written_by"], earlier["replaced_by"]) == (TEACHER, DIRECTOR)
    again = observations.modify(
        db, written["id"], day=date(2026, 10, 5), kind="diagnosis", area="mowa", text="Trzecia wersja",
        for_parents=True, actor=DIRECTOR, today=TODAY,
    )  # fmt: skip
    assert [h["written_by"] for h in observations.history(db, written["id"])] == [TEACHER, DIRECTOR]
    assert again["text"] == "Trzecia wersja"


def test_parents_see_only_what_is_addressed_to_them(db: Database) -> None:
    for text, for_parents in (("Dla rodziców", True), ("Notatka nauczyciela", False)):
        observations.add(
            db, child_id=1, day=date(2026, 11, 2), kind="observation", text=text, author=TEACHER,
            for_parents=for_parents, today=TODAY,
        )  # fmt: skip
    assert [o["text"] for o in observations.list_for_child(db, 1, for_parents_only=True)] == ["Dla rodziców"]
    assert len(observations.list_for_child(db, 1)) == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"text": " "}, "observation.empty"),
        ({"text": "x" * 5001}, "observation.too_long"),
        ({"kind": "plotka"}, "observation.kind"),
        ({"day": date(2027, 3, 16)}, "observation.day"),
        ({"area": "a" * 101}, "observation.area_too_long"),
        ({"author": " "}, "author.missing"),
    ],
)
def test_a_wrong_observation_is_refused_and_nothing_stored(db: Database, changes: dict, code: str) -> None:
    entry = {
        "child_id": 1,
        "day": date(2026, 11, 2),
        "kind": "observation",
        "text": "Tekst",
        "author": TEACHER,
    }
    with pytest.raises(Refusal) as refused:
        observations.add(db, **{**entry, **changes}, today=TODAY)
    assert refused.value.code == code
    assert db["observations"].count == 0


def test_who_is_a_six_year_old_in_2026_2027() -> None:
    """The year of preschool preparation starts in the calendar year the child turns 6."""
    assert school_year_of(date(2026, 9, 1)) == 2026 and school_year_of(date(2027, 8, 31)) == 2026
    assert school_year_of(date(2026, 8, 31)) == 2025
    assert is_six_year_old(date(2020, 1, 1), 2026) and is_six_year_old(date(2020, 12, 31), 2026)
    assert not is_six_year_old(date(2021, 1, 1), 2026)  # turns 6 in 2027: next year
    assert not is_six_year_old(date(2019, 12, 31), 2026)  # turned 6 in 2025: at school now
    assert readiness_due(2026) == date(2027, 4, 30)


def test_the_readiness_information_is_late_after_the_end_of_april() -> None:
    assert not is_late(2026, date(2027, 4, 30), None)
    assert is_late(2026, date(2027, 5, 1), None)
    assert not is_late(2026, date(2027, 6, 1), date(2027, 4, 29))
    assert is_late(2026, date(2027, 6, 1), date(2027, 5, 4))


def test_the_readiness_information_is_written_from_the_observations_finalized_and_given(db: Database) -> None:
    observations.add(
        db, child_id=1, day=date(2026, 10, 5), kind="observation", area="motoryka",
        text="Sprawnie zapina guziki", author=TEACHER, today=TODAY,
    )  # fmt: skip
    observations.add(
        db, child_id=1, day=date(2026, 6, 1), kind="observation", text="Z poprzedniego roku", author=TEACHER,
        today=TODAY,
    )  # fmt: skip
    digest = school_readiness.observations_digest(db, 1, 2026)
    assert digest == "2026-10-05 — motoryka: Sprawnie zapina guziki"
    draft = school_readiness.write(db, child_id=1, school_year=2026, text=digest, author=TEACHER)
    assert (draft["state"], draft["version"]) == ("draft", 1)
    school_readiness.write(
        db, child_id=1, school_year=2026, text=digest + "\nGotowa do szkoły.", author=TEACHER
    )
    with pytest.raises(Refusal) as early:
        school_readiness.mark_given(db, draft["id"], given_on=TODAY, actor=TEACHER, today=TODAY)
    assert early.value.code == "readiness.not_final"
    final = school_readiness.finalize(
        db, draft["id"], actor=DIRECTOR, now=datetime(2027, 4, 20, 9, tzinfo=UTC)
    )
    assert final["state"] == "final" and final["version"] == 2
    with pytest.raises(Refusal) as edit:
        school_readiness.write(db, child_id=1, school_year=2026, text="Zmiana", author=TEACHER)
    assert edit.value.code == "readiness.final"
    with pytest.raises(Refusal) as ahead:
        school_readiness.mark_given(
            db, draft["id"], given_on=date(2027, 4, 29), actor=TEACHER, today=date(2027, 4, 28)
        )
    assert ahead.value.code == "readiness.given_day"
    given = school_readiness.mark_given(
        db, draft["id"], given_on=date(2027, 4, 28), actor=TEACHER, today=date(2027, 4, 28)
    )
    assert given["given_on"] == "2027-04-28"


def test_a_child_who_is_not_six_gets_no_readiness_information(db: Database) -> None:
    with pytest.raises(Refusal) as refused:
        school_readiness.write(db, child_id=2, school_year=2026, text="Tekst", author=TEACHER)
    assert refused.value.code == "readiness.not_six"
    assert refused.value.params == {"year": "2026/2027"}
