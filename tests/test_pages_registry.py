"""The registry pages: who may read and change them, every form's happy path, refusals that
keep what was typed and change nothing, the audit of personal data, and the CSV import."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.store import audit, registry
from tests.pages_support import INJECTION, ROLES, Site, errors, without_csrf


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """For tests that change nothing: one kindergarten, one account per role."""
    return Site.make(tmp_path_factory.mktemp("registry"))


READ = {"admin": 200, "director": 200, "secretary": 200, "teacher": 200, "parent": 403, "inspector": 200}
IMPORT = {"admin": 200, "director": 200, "secretary": 200, "teacher": 403, "parent": 403, "inspector": 403}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_registry(shared: Site, role: str) -> None:
    site = shared
    client = site.client(role)
    for path in [
        "/registry/children",
        f"/registry/children/{site.ania}",
        "/registry/groups",
        "/registry/guardians",
    ]:
        assert client.get(path).status_code == READ[role], path
    assert client.get("/registry/import").status_code == IMPORT[role]
    can_edit = role in ("admin", "director", "secretary")
    page = client.get(f"/registry/children/{site.ania}").text if READ[role] == 200 else ""
    assert (f'action="/registry/children/{site.ania}"' in page) == can_edit
    assert ("/reports/stay-report?" in page) == (role in ("admin", "director", "secretary", "inspector"))


@pytest.mark.parametrize("role", ["teacher", "parent", "inspector"])
def test_who_may_not_change_it(shared: Site, role: str) -> None:
    site = shared
    client = site.client(role)
    form = {"first_name": "Zenon", "last_name": "Nowy", "group": str(site.motylki)}
    assert client.post("/registry/children", data=form).status_code == 403
    assert client.post(f"/registry/children/{site.ania}", data=form).status_code == 403
    assert client.post("/registry/groups", data={"name": "Sowy"}).status_code == 403
    with site.db() as db:
        assert [c["first_name"] for c in registry.list_children(db)] == ["Ania", "Olek"]
        assert len(registry.list_groups(db)) == 2


def test_secretary_adds_a_child_and_every_change_is_audited(site: Site) -> None:
    secretary = site.client("secretary")
    added = secretary.post(
        "/registry/children",
        data={"first_name": "Zosia", "last_name": "Nowak", "group": str(site.zabki),
              "birth_date": "2022-01-02", "active_from": "2026-09-01", "fee_exempt": "yes",
              "notes": "dieta bezglutenowa"},
    )  # fmt: skip
    assert added.status_code == 200 and "saved=added" in str(added.url)
    child_id = int(str(added.url).split("/")[-1].split("?")[0])
    edited = secretary.post(
        f"/registry/children/{child_id}",
        data={"first_name": "Zofia", "last_name": "Nowak", "group": str(site.motylki),
              "birth_date": "2022-01-02", "active_from": "2026-09-01", "active_to": "2027-08-31",
              "fee_exempt": "", "notes": ""},
    )  # fmt: skip
    assert edited.status_code == 200 and "Zofia" in edited.text
    with site.db() as db:
        child = registry.get_child(db, child_id)
        assert (child["first_name"], child["group_id"], child["fee_exempt"]) == ("Zofia", site.motylki, None)
        [update, create] = audit.entries(db, entity="child", entity_id=child_id)
    assert update["actor"] == secretary.account["email"] and update["action"] == "child.update"
    assert update["before"]["first_name"] == "Zosia" and update["after"]["first_name"] == "Zofia"
    assert update["before"]["fee_exempt"] is True and update["after"]["fee_exempt"] is None
    assert create["after"]["notes"] == "dieta bezglutenowa"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"birth_date": "4 maja"}, "birth_date", "Date must be given as YYYY-MM-DD."),
        ({"fee_exempt": "maybe"}, "fee_exempt", "Choose how the fee exemption applies."),
        ({"active_to": "2020-01-01"}, None, "The last day is before the first."),  # the hub's, translated
    ],
)
def test_a_wrong_child_form_says_why_keeps_the_values_and_changes_nothing(
    site: Site, change: dict[str, str], field: str | None, reason: str
) -> None:
    form = {"first_name": "Ania", "last_name": "Kowalska-Nowak", "group": str(site.motylki),
            "active_from": "2026-09-01", "birth_date": "2021-05-04", "notes": "nowa uwaga"}  # fmt: skip
    with site.db() as db:
        before = registry.get_child(db, site.ania)
    english = site.client("secretary")
    english.cookies.set("lang", "en")
    refused = english.post(f"/registry/children/{site.ania}", data={**form, **change})
    assert refused.status_code == 422
    assert errors(refused.text) == [reason]
    assert "Kowalska-Nowak" in refused.text and "nowa uwaga" in refused.text  # nothing typed is lost
    if field:
        assert f'id="child-{field}"' in refused.text and 'aria-invalid="true"' in refused.text
    with site.db() as db:
        assert registry.get_child(db, site.ania) == before
        assert audit.entries(db, entity="child", entity_id=site.ania, actor=english.account["email"]) == []


def test_polish_is_the_default_language_of_the_reasons(site: Site) -> None:
    refused = site.client("secretary").post("/registry/children", data={"last_name": "X", "group": "1"})
    assert errors(refused.text) == ["To pole jest wymagane."]


def test_html_typed_into_a_field_is_shown_as_text(site: Site) -> None:
    secretary = site.client("secretary")
    secretary.post(
        f"/registry/children/{site.ania}",
        data={"first_name": "Ania", "last_name": "Kowalska", "group": str(site.motylki), "notes": INJECTION},
    )
    secretary.post("/registry/guardians", data={"name": INJECTION, "child_id": str(site.ania)})
    for path in [f"/registry/children/{site.ania}", "/registry/guardians"]:
        page = secretary.get(path).text
        assert INJECTION not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_a_form_without_the_csrf_token_is_refused(site: Site) -> None:
    forged = without_csrf(site.client("director"))
    form = {"first_name": "Ania", "last_name": "Hacked", "group": str(site.motylki)}
    assert forged.post(f"/registry/children/{site.ania}", data=form).status_code == 403
    assert forged.post("/registry/groups", data={"name": "Sowy"}).status_code == 403
    with site.db() as db:
        assert registry.get_child(db, site.ania)["last_name"] == "Kowalska"
        assert [row["reason"] for row in audit.denials(db)][:2] == ["missing or wrong CSRF token"] * 2


def test_groups_are_the_directors(site: Site) -> None:
    assert site.client("secretary").post("/registry/groups", data={"name": "Sowy"}).status_code == 403
    director = site.client("director")
    assert "saved=group" in str(director.post("/registry/groups", data={"name": "Sowy"}).url)
    renamed = director.post(f"/registry/groups/{site.zabki}", data={"name": "Żabki 2", "teachers": "Ewa Lis"})
    assert renamed.status_code == 200 and "Żabki 2" in renamed.text
    taken = director.post(f"/registry/groups/{site.zabki}", data={"name": "Motylki", "teachers": "x"})
    assert taken.status_code == 422 and errors(taken.text) == ["Jest już grupa o nazwie „Motylki”."]
    with site.db() as db:
        names = {group["name"]: group["teachers"] for group in registry.list_groups(db)}
        assert names == {"Motylki": "Maria Nowak", "Sowy": None, "Żabki 2": "Ewa Lis"}
        [change] = audit.entries(db, entity="group", entity_id=site.zabki, actor=director.account["email"])
    assert change["before"] == {"name": "Żabki", "teachers": None}


def test_guardians_are_added_and_linked(site: Site) -> None:
    secretary = site.client("secretary")
    wrong = secretary.post("/registry/guardians", data={"name": "Jan Żak", "email": "jan.example.pl"})
    assert wrong.status_code == 422 and "jan.example.pl" in wrong.text
    added = secretary.post(
        "/registry/guardians", data={"name": "Jan Żak", "phone": "600 700 800", "child_id": str(site.olek),
                                     "relation": "ojciec"},
    )  # fmt: skip
    assert added.status_code == 200 and "Jan Żak" in added.text
    with site.db() as db:
        jan = next(g for g in registry.list_guardians(db) if g["name"] == "Jan Żak")
    linked = secretary.post(
        f"/registry/children/{site.ania}/guardians", data={"guardian_id": str(jan["id"]), "relation": "wujek"}
    )
    assert linked.status_code == 200 and "Jan Żak (wujek)" in linked.text
    nobody = secretary.post(f"/registry/children/{site.ania}/guardians", data={"guardian_id": "x"})
    assert nobody.status_code == 422 and errors(nobody.text) == ["Wybierz opiekuna."]


def test_csv_import_is_all_or_nothing_with_errors_by_row(site: Site) -> None:
    secretary = site.client("secretary")
    bad = "imię;nazwisko;grupa;data_urodzenia\nJaś;Fasola;Sowy;2021-01-01\nMałgosia;;Sowy;2021-13-01\n"
    refused = secretary.post("/registry/import", files={"file": ("lista.csv", bad.encode("cp1250"))})
    assert refused.status_code == 422
    assert "Wiersz 3" in refused.text and "lista.csv" in refused.text
    with site.db() as db:
        assert len(registry.list_children(db)) == 2 and len(registry.list_groups(db)) == 2
    good = "imię;nazwisko;grupa;opiekun;telefon\nJaś;Fasola;Sowy;Anna Fasola;600100100\n"
    imported = secretary.post("/registry/import", files={"file": ("lista.csv", good.encode("utf-8-sig"))})
    assert imported.status_code == 200 and "Sowy" in imported.text
    with site.db() as db:
        assert [c["first_name"] for c in registry.list_children(db) if c["group_name"] == "Sowy"] == ["Jaś"]
    assert secretary.post("/registry/import", data={}).status_code == 422
