"""The inconsistency log (every group for the director, a teacher's own groups, each item linked
to where it is resolved) and the audit log (who, when, what, before and after; filterable)."""

from __future__ import annotations

from datetime import date, time

import pytest

from hub.rules.attendance import local_instant
from hub.store import cards, readers, registry
from tests.pages_support import INJECTION, ROLES, Site, errors, store_tap

DAY = date(2026, 11, 18)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Ania (Motylki) came and never left; Olek (Żabki) too; a card nobody has was tapped."""
    site = Site.make(tmp_path_factory.mktemp("logs"))
    with site.db() as db:
        readers.add_reader(db, "wejscie", "Wejście główne")
        for seq, (uid, child) in enumerate([("04A2B3C4", site.ania), ("04B0B0B0", site.olek)], 1):
            cards.assign_card_from_day(
                db, uid=uid, child_id=child, author="test", day=DAY, tz=site.settings.tz
            )
            store_tap(db, seq, uid, local_instant(DAY, time(7, 30), site.settings.tz))
        store_tap(db, 3, "04C0FFEE", local_instant(DAY, time(8), site.settings.tz))
        registry.update_child(db, site.olek, notes=INJECTION, author="sekretariat@p11.example.pl")
    return site


LOG = {"admin": 200, "director": 200, "secretary": 200, "teacher": 200, "parent": 403, "inspector": 200}
AUDIT = {"admin": 200, "director": 200, "secretary": 403, "teacher": 403, "parent": 403, "inspector": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_logs(site: Site, role: str) -> None:
    client = site.client(role)
    assert client.get("/inconsistencies").status_code == LOG[role]
    assert client.get("/audit").status_code == AUDIT[role]


def test_the_director_sees_every_group_with_links_to_resolve(site: Site) -> None:
    page = site.client("director").get("/inconsistencies?from=2026-11-18&to=2026-11-18").text
    assert "3 sprawy do wyjaśnienia" in page
    assert f'href="/days/{site.motylki}?date=2026-11-18#resolve-title"' in page
    assert f'href="/days/{site.zabki}?date=2026-11-18#resolve-title"' in page
    assert 'href="/cards?uid=04C0FFEE#unknown-title"' in page
    rows = page.split("<tbody>")[1]
    assert rows.count("<td>Brak wyjścia") == 2 and rows.count("<td>Nieznana karta") == 1


def test_a_teacher_sees_only_their_groups(site: Site) -> None:
    teacher = site.client("teacher")
    page = teacher.get("/inconsistencies?from=2026-11-18&to=2026-11-18").text
    assert "1 sprawa do wyjaśnienia" in page and "Ania Kowalska" in page
    assert "Olek" not in page and "04C0FFEE" not in page
    other = teacher.get(f"/inconsistencies?from=2026-11-18&to=2026-11-18&group={site.zabki}")
    assert other.status_code == 422 and errors(other.text) == ["Wybierz jedną z grup."]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("from=2026-11-20&to=2026-11-18", "Ostatni dzień jest przed pierwszym."),
        ("from=2026-01-01&to=2026-11-18", "Można wybrać najwyżej 62 dni naraz."),
        ("from=wczoraj", "Podaj datę jako RRRR-MM-DD."),
    ],
)
def test_a_wrong_period_says_why(site: Site, query: str, reason: str) -> None:
    page = site.client("director").get(f"/inconsistencies?{query}")
    assert page.status_code == 422 and errors(page.text) == [reason]


def test_the_audit_log_shows_before_and_after_filtered_and_inert(site: Site) -> None:
    director = site.client("director")
    page = director.get(f"/audit?entity=child&entity_id={site.olek}").text
    assert "Zmiana danych dziecka" in page and "Dodanie dziecka" in page and "child.update" not in page
    assert "sekretariat@p11.example.pl" in page  # under the account's name
    assert INJECTION not in page and "&lt;script&gt;" in page
    assert f"child #{site.ania}" not in page
    by_actor = director.get("/audit?actor=nobody@example.pl").text
    assert "Brak wpisów." in by_actor
    assert director.get("/audit?from=2026-11-20&to=2026-11-18").status_code == 422
    site.client("parent").get(f"/parent/children/{site.olek}")
    refused = director.get("/audit").text.split('id="denials-title"')[1]
    assert f"/parent/children/{site.olek}" in refused and "marta.kowalska@example.pl" in refused
