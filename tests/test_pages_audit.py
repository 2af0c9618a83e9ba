"""The audit log in people's words: actions, objects and fields translated (no `user.password`,
`must_change` or `user #1`), people and objects by name, local times only, a filter of kinds
in the reader's language, and 50 entries a page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.accounts import accounts, rights
from hub.store import registry
from tests.pages_support import INJECTION, Site, errors
from web import audit_view


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    director = site.client("director").account["email"]  # type: ignore[attr-defined]
    with site.db() as db:
        user, _password = accounts.add_user(
            db, email="nowa@p11.example.pl", name="Nowa Nauczycielka", role="teacher", author=director
        )
        accounts.set_password(db, user["id"], "Dobre-Haslo-2027", author="nowa@p11.example.pl")
        registry.update_child(db, site.olek, first_name="Oliwer", author=director)
    return site


def test_actions_fields_and_people_in_words(site: Site) -> None:
    page = site.client("director").get("/audit").text
    table = page.split('id="audit-caption"')[1].split("</table>")[0]
    for internal in ("user.password", "user.create", "must_change", "user #", "child #", "password_set_at"):
        assert internal not in table, internal
    assert "Zmiana hasła" in table and "Utworzenie konta" in table and "konto: Nowa Nauczycielka" in table
    assert (
        "musi zmienić hasło" in table and "Zmiana danych dziecka" in table and "dziecko: Oliwer Żak" in table
    )
    assert "imię" in table and "Olek" in table and "Oliwer" in table
    # Each person by name, their login beside it.
    assert "Nowa Nauczycielka" in table and "nowa@p11.example.pl" in table
    # Local times only: no stored UTC instant shows.
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", table)
    english = site.client("director").get("/audit", headers={"Accept-Language": "en"}).text
    assert (
        "Password changed" in english and "must change the password" in english and "account: Nowa" in english
    )


def test_the_kind_filter_is_a_translated_choice(site: Site) -> None:
    director = site.client("director")
    page = director.get("/audit").text
    assert '<option value="child">dziecko</option>' in page and "e.g. child" not in page
    assert "Adres e-mail, którym konto się loguje." in page
    children = director.get("/audit?entity=child").text.split('id="audit-caption"')[1].split("</table>")[0]
    assert "Zmiana danych dziecka" in children and "Zmiana hasła" not in children
    for wrong in ("user.password", INJECTION):
        refused = director.get("/audit", params={"entity": wrong})
        assert refused.status_code == 422 and errors(refused.text) == ["Wybierz jeden z rodzajów."]
        assert "<script>alert" not in refused.text


def test_fifty_entries_a_page(site: Site) -> None:
    with site.db() as db:
        for number in range(125):
            registry.add_group(db, f"Grupa {number:03d}", author="test")
    director = site.client("director")
    first = director.get("/audit").text
    total = int(re.search(r'id="audit-caption">(\d+) wpis', first).group(1))  # type: ignore[union-attr]
    assert 100 < total <= 150 and "Strona 1 z 3" in first and 'href="?page=2"' in first
    audit_table = first.split('id="audit-caption"')[1].split("</table>")[0]
    assert audit_table.count("<tr>") == 51  # a header row
    last = director.get("/audit?page=3&entity=").text
    assert "Strona 3 z 3" in last and 'href="?entity=&amp;page=2"' in last
    assert "Grupa 000" in last and "Grupa 124" not in last
    assert "Strona 1 z 1" not in director.get("/audit?entity=user").text


def test_refused_actions_in_words(site: Site) -> None:
    """The refused part names the right, the object and the reason in words, not codes."""
    assert site.client("parent").get(f"/parent/children/{site.olek}").status_code == 403
    assert site.client("teacher").get("/admin/users").status_code == 403
    page = site.client("director").get("/audit").text
    refused = page.split('id="denials-title"')[1]
    for internal in (
        "not theirs",
        "no such right",
        "attendance.view",
        "users.view",
        "child " + str(site.olek),
    ):
        assert internal not in refused, internal
    assert "to nie jest dziecko ani grupa tego konta" in refused and "dziecko: Oliwer Żak" in refused
    assert "konto nie ma takiego uprawnienia" in refused and "widzieć konta" in refused
    assert "Test parent" in refused and "marta.kowalska@example.pl" in refused
    english = site.client("director").get("/audit", headers={"Accept-Language": "en"}).text
    refused = english.split('id="denials-title"')[1]
    assert "not the account&#39;s own child or group" in refused and "child: Oliwer Żak" in refused
    assert "the account has no such right" in refused and "see the accounts" in refused


def test_every_right_has_words_for_the_refused_actions() -> None:
    assert set(audit_view.RIGHTS) == set(rights.RIGHTS)


def test_staff_reads_of_a_childs_data_are_recorded_and_shown(site: Site) -> None:
    """RODO: who opened a child's record, and when. A parent's look at their own child is theirs."""
    assert site.client("teacher").get(f"/children/{site.ania}").status_code == 200
    assert site.client("secretary").get(f"/registry/children/{site.olek}").status_code == 200
    assert site.client("inspector").get(f"/api/children/{site.ania}").status_code == 200
    assert site.client("parent").get(f"/children/{site.ania}").status_code == 200
    assert site.client("teacher").get("/children/999999").status_code == 404  # nobody's data: no read
    with site.db() as db:
        rows = db.execute("SELECT actor, child_id, view FROM personal_data_reads ORDER BY id").fetchall()
    logins = {role: site.client(role).account["email"] for role in ("teacher", "secretary", "inspector")}  # type: ignore[attr-defined]
    assert rows == [
        (logins["teacher"], site.ania, "child.page"),
        (logins["secretary"], site.olek, "registry.child"),
        (logins["inspector"], site.ania, "api.child"),
    ]
    page = site.client("director").get("/audit").text
    reads = page.split('id="reads-title"')[1].split("</table>")[0]
    assert "Ania Kowalska" in reads and "Oliwer Żak" in reads and "strona dziecka" in reads
    only_ania = site.client("director").get(f"/audit?entity=child&entity_id={site.ania}").text
    reads = only_ania.split('id="reads-title"')[1].split("</table>")[0]
    assert "Ania Kowalska" in reads and "Oliwer" not in reads
    for hostile in ("99999999999999999999999", "²", "-1", "1 OR 1=1"):
        response = site.client("director").get("/audit", params={"entity": "child", "entity_id": hostile})
        assert response.status_code == 200, hostile
