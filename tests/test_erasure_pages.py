"""The administrator's erasure pages (RODO art. 17): the child's, the guardian's and the
account's, by the app's clock: refused with the first possible day until the records are
past retention, then erased after a ticked confirmation; only the administrator's."""

from __future__ import annotations

from datetime import date

from hub.store import audit, registry
from tests.services.test_erasure import CHILD, GUARDIAN, Old, at, old

__all__ = ["old"]


def on(old: Old, day: date) -> None:
    old.site.app.state.clock = lambda: at(old.site, day)


def test_before_its_day_the_page_names_the_day_and_a_post_changes_nothing(old: Old) -> None:
    on(old, date(2025, 12, 31))
    admin = old.site.client("admin")
    page = admin.get(f"/registry/children/{old.child}/erase")
    assert page.status_code == 200
    assert "2026-01-01" in page.text and 'name="confirm"' not in page.text
    refused = admin.post(f"/registry/children/{old.child}/erase", data={"confirm": "yes"})
    assert refused.status_code == 422 and "2026-01-01" in refused.text
    with old.site.db() as db:
        assert registry.get_child(db, old.child)["last_name"] == CHILD[1]


def test_on_its_day_the_child_is_erased_after_a_ticked_confirmation(old: Old) -> None:
    on(old, date(2026, 1, 1))
    admin = old.site.client("admin")
    assert f'href="/registry/children/{old.child}/erase"' in admin.get(f"/registry/children/{old.child}").text
    page = admin.get(f"/registry/children/{old.child}/erase")
    assert 'name="confirm"' in page.text and "Usuń dane (po okresie przechowywania)" in page.text
    unticked = admin.post(f"/registry/children/{old.child}/erase", data={})
    assert unticked.status_code == 422 and "Zaznacz pole" in unticked.text
    done = admin.post(
        f"/registry/children/{old.child}/erase", data={"confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("/erase?erased")
    after = admin.get(done.headers["location"]).text
    assert "Dane zostały usunięte." in after and CHILD[1] not in after
    assert CHILD[1] not in admin.get("/registry/children").text
    with old.site.db() as db:
        [entry] = [row for row in audit.entries(db, entity="child") if row["action"] == "child.erase"]
    assert entry["actor"] == admin.account["email"]  # type: ignore[attr-defined]
    assert "Dane dziecka usunięte" in admin.get("/audit").text


def test_the_guardian_and_an_account_have_their_pages(old: Old) -> None:
    on(old, date(2040, 1, 1))
    admin = old.site.client("admin")
    assert f'href="/registry/guardians/{old.guardian}/erase"' in admin.get("/registry/guardians").text
    assert f'href="/admin/users/{old.account}/erase"' in admin.get(f"/admin/users/{old.account}").text
    done = admin.post(
        f"/registry/guardians/{old.guardian}/erase", data={"confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert GUARDIAN[0] not in admin.get("/registry/guardians").text
    assert "już usunięte" in admin.get(f"/admin/users/{old.account}/erase").text  # erased with her
    own = admin.account["id"]  # type: ignore[attr-defined]
    refused = admin.post(f"/admin/users/{own}/erase", data={"confirm": "yes"})
    assert refused.status_code == 422 and "własnego konta" in refused.text


def test_only_the_administrator_erases_and_never_without_the_csrf_token(old: Old) -> None:
    on(old, date(2026, 1, 1))
    for role in ("director", "secretary", "teacher"):
        client = old.site.client(role)
        assert client.get(f"/registry/children/{old.child}/erase").status_code == 403
        assert (
            client.post(f"/registry/children/{old.child}/erase", data={"confirm": "yes"}).status_code == 403
        )
    assert "/erase" not in old.site.client("director").get(f"/registry/children/{old.child}").text
    admin = old.site.client("admin")
    token = admin.headers.pop("X-CSRF-Token")
    try:
        forged = admin.post(f"/registry/children/{old.child}/erase", data={"confirm": "yes"})
    finally:
        admin.headers["X-CSRF-Token"] = token
    assert forged.status_code == 403
    assert admin.get("/registry/children/999999/erase").status_code == 404
    with old.site.db() as db:
        assert registry.get_child(db, old.child)["last_name"] == CHILD[1]
