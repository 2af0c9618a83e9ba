"""The new-account form asks the role first and then shows only that role's fields, with or
without a script; a parent's children are found by name. No role is chosen for you."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from hub.accounts import accounts
from tests.pages_support import INJECTION, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


def new_account(page: str) -> str:
    return page.split('id="new-account"')[1]


def test_the_role_comes_first_and_none_is_chosen(site: Site) -> None:
    form = new_account(site.client("admin").get("/admin/users").text)
    assert '<option value="" selected>' in form and 'name="email"' not in form
    assert 'name="groups"' not in form and 'name="children"' not in form and 'name="granted"' not in form
    assert "selected>administrator" not in form


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("teacher", ['name="groups"'], ['name="children"', 'name="expires_on"', 'name="granted"']),
        ("parent", ['name="children"', 'id="find-child"'], ['name="groups"', 'name="expires_on"']),
        ("inspector", ['name="expires_on"', 'name="granted"'], ['name="groups"', 'name="children"']),
        ("secretary", [], ['name="groups"', 'name="children"', 'name="expires_on"', 'name="granted"']),
    ],
)
def test_only_the_roles_fields(site: Site, role: str, shown: list[str], hidden: list[str]) -> None:
    form = new_account(site.client("admin").get(f"/admin/users?role={role}").text)
    assert 'name="email"' in form and f'<input type="hidden" name="role" value="{role}">' in form
    assert all(field in form for field in shown), shown
    assert not any(field in form for field in hidden), hidden


def test_children_found_by_name_with_or_without_polish_letters(site: Site) -> None:
    admin = site.client("admin")
    for text in ("kowal", "ANIA", "Kowalska Ania"[:8]):
        form = new_account(admin.get("/admin/users", params={"role": "parent", "q": text}).text)
        assert "Kowalska Ania" in form and "Żak Olek" not in form, text
    for text in ("zak", "Żak", "ŻAK"):
        form = new_account(admin.get("/admin/users", params={"role": "parent", "q": text}).text)
        assert "Żak Olek" in form and "Kowalska Ania" not in form, text
    nobody = new_account(admin.get("/admin/users", params={"role": "parent", "q": INJECTION}).text)
    assert "<script>alert" not in nobody and "&lt;script&gt;" in nobody


def test_an_unknown_role_in_the_address_asks_again(site: Site) -> None:
    for wrong in ("root", INJECTION, ""):
        page = site.client("admin").get("/admin/users", params={"role": wrong})
        assert page.status_code == 200 and 'name="email"' not in new_account(page.text)
        assert "<script>alert" not in page.text


def test_a_parent_account_with_a_child_and_a_refusal_keeps_the_choices(site: Site) -> None:
    admin = site.client("admin")
    made = admin.post(
        "/admin/users",
        data={
            "role": "parent",
            "email": "tata@p11.example.pl",
            "name": "Tomasz Żak",
            "children": str(site.olek),
        },
    )
    assert made.status_code == 200 and "tata@p11.example.pl" in made.text
    with site.db() as db:
        created = next(u for u in accounts.list_users(db) if u["email"] == "tata@p11.example.pl")
        assert created["role"] == "parent" and created["children"] == [site.olek]
    refused = admin.post(
        "/admin/users",
        data={"role": "teacher", "email": "nie-adres", "name": "Ktoś", "groups": str(site.zabki)},
    )
    assert refused.status_code == 422
    form = new_account(refused.text)
    assert f'id="new-group-{site.zabki}" type="checkbox" name="groups" value="{site.zabki}" checked' in form
    assert f'id="new-group-{site.motylki}" type="checkbox" name="groups" value="{site.motylki}">' in form
    no_role = admin.post("/admin/users", data={"email": "ktos@p11.example.pl", "name": "Ktoś"})
    assert no_role.status_code == 422 and 'name="email"' not in new_account(no_role.text)


def test_in_chromium_the_role_shows_its_fields_and_the_search_filters(
    tmp_path: Path, browser: Browser
) -> None:
    site = Site.make(tmp_path)
    add_account(site.settings.database, "admin", email="admin@p11.example.pl")
    with WebServer(site.app) as server:
        page = browser.new_context(locale="pl-PL").new_page()
        page.goto(f"{server.url}/login")
        page.get_by_label("Adres e-mail").fill("admin@p11.example.pl")
        page.get_by_label("Hasło").fill(PASSWORD)
        page.get_by_role("button", name="Zaloguj").click()
        page.wait_for_url("**/account/welcome**")
        page.goto(f"{server.url}/admin/users")
        expect(page.get_by_label("Adres e-mail (login)")).to_have_count(0)
        page.get_by_label("Rola").select_option("parent")  # no button: the script goes on
        expect(page.get_by_label("Adres e-mail (login)")).to_be_visible()
        page.get_by_role("searchbox", name="Znajdź dziecko po imieniu lub nazwisku").fill("zak")
        expect(page.get_by_label("Żak Olek (Żabki)")).to_be_visible()
        expect(page.get_by_label("Kowalska Ania (Motylki)")).to_be_hidden()
