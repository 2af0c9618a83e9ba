"""A person's own data (RODO art. 15), downloaded from their account page: the account, its
sessions and logins, the guardian record, and for a guardian every kept day of their own
children with who recorded it, absences, corrections, the ledger and who opened the data.
Never another family's child, another guardian's contacts or any secret; the download is
audited."""

from __future__ import annotations

import io
import json
from datetime import date, time
from pathlib import Path

import pikepdf
import pytest

from hub.accounts import kiosk_pins
from hub.store import absences, audit, corrections, registry
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap
from tests.pages_support import Site
from tests.reports.test_pdf import pdf_text, squeezed

DAY = date(2026, 11, 18)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    site.app.state.clock = lambda: local(site.settings, date(2026, 11, 20), time(12))
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
        store_tap(db, 1, ANIA_CARD, local(site.settings, DAY, time(7, 45)))
        corrections.add_correction(
            db, child_id=site.ania, day=DAY, kind="add_departure", at=local(site.settings, DAY, time(16)),
            reason="wyszła z babcią", author="nauczycielka@p.pl",
        )  # fmt: skip
        absences.report_absence(
            db, child_id=site.ania, first=date(2026, 11, 19), last=date(2026, 11, 19), reported_by="mama"
        )
        registry.add_guardian(
            db, name="Jan Kowalski", phone="+48 600 100 200", email="jan@example.pl", children=[site.ania],
            relation="ojciec", author="test",
        )  # fmt: skip
    return site


def download(site: Site, role: str) -> dict:
    response = site.client(role).get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == 'attachment; filename="moje-dane-2026-11-20.json"'
    return json.loads(response.text)


def test_a_guardian_gets_their_account_and_their_childs_whole_record(site: Site) -> None:
    site.client("teacher").get(f"/children/{site.ania}")  # a staff read, to be reported
    site.client("parent")
    with site.db() as db:
        guardian = db.execute("SELECT guardian_id FROM users WHERE role = 'parent'").fetchone()[0]
        db.table("guardians").update(guardian, {"phone": "+48 501 502 503"})
        kiosk_pins.set_pin(db, guardian, "2468", author="sekretariat@p.pl")
    data = download(site, "parent")
    assert data["account"]["email"] == "marta.kowalska@example.pl" and data["account"]["role"] == "parent"
    assert data["guardian"]["name"] == "Marta Kowalska"
    assert data["kiosk_pin"]["set_by"] == "sekretariat@p.pl"
    assert [attempt["outcome"] for attempt in data["login_attempts"]] == ["ok"]
    assert len(data["sessions"]) == 1
    [child] = data["children"]
    assert child["child"]["first_name"] == "Ania"
    assert {"name": "Jan Kowalski", "relation": "ojciec"} in child["guardians"]
    assert [card["uid"] for card in child["cards"]] == [ANIA_CARD]
    [day] = [day for day in child["days"] if day["day"] == DAY.isoformat()]
    [visit] = day["visits"]
    assert visit["arrival"]["clock"] == "07:45" and visit["departure"]["clock"] == "16:00"
    [correction] = child["corrections"]
    assert visit["departure"]["correction"] == str(correction["id"])  # who: the correction's
    assert correction["author"] == "nauczycielka@p.pl" and correction["reason"] == "wyszła z babcią"
    assert child["days"][0]["day"] == "2026-09-01" and child["days"][-1]["day"] == "2026-11-20"
    assert [row["day"] for row in child["absences"]] == ["2026-11-19"]
    teacher = site.client("teacher").account["email"]  # type: ignore[attr-defined]
    assert [(read["actor"], read["view"]) for read in child["reads_of_data"]] == [(teacher, "child.page")]


def test_nothing_of_another_family_and_no_secret(site: Site) -> None:
    body = site.client("parent").get("/account/data.json").text
    for foreign in ("Olek", "Żak", "+48 600 100 200", "jan@example.pl"):
        assert foreign not in body, foreign
    for secret in ("password_hash", "pin_hash", "pass_hash", "csrf_token", "$argon2"):
        assert secret not in body, secret


def test_staff_get_their_own_account_only_and_each_download_is_audited(site: Site) -> None:
    data = download(site, "teacher")
    assert data["children"] == [] and data["guardian"] is None and data["account"]["role"] == "teacher"
    download(site, "parent")
    with site.db() as db:
        exports = [row for row in audit.entries(db, entity="user") if row["action"] == "account.data_export"]
    assert len(exports) == 2


def test_the_account_page_links_to_the_download(site: Site) -> None:
    page = site.client("parent").get("/account").text
    assert 'href="/account/data.json"' in page and "Pobierz moje dane" in page
    assert 'href="/account/data.pdf"' in page


def download_pdf(site: Site, role: str, tmp_path: Path, language: str = "pl") -> str:
    """The "my data" PDF as its text read back (pdftotext), checked to be a PDF/A-2b."""
    client = site.client(role)
    client.cookies.set("lang", language)
    try:
        response = client.get("/account/data.pdf")
    finally:
        client.cookies.delete("lang")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="moje-dane-2026-11-20.pdf"'
    title = "Moje dane w dzienniku" if language == "pl" else "My data in the journal"
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        assert pdf.open_metadata()["dc:title"].startswith(title)
    return squeezed(pdf_text(response.content, tmp_path, "-raw"))


def test_the_pdf_holds_the_guardian_and_her_child_and_no_other_family(site: Site, tmp_path: Path) -> None:
    site.client("teacher").get(f"/children/{site.ania}")
    text = download_pdf(site, "parent", tmp_path)
    teacher = site.client("teacher").account["email"]  # type: ignore[attr-defined]
    for expected in (
        "Mojedanewdzienniku", "MartaKowalska", "marta.kowalska@example.pl", "Dziecko:AniaKowalska",
        "04.05.2021", "JanKowalski", "ojciec", ANIA_CARD, "18.11.2026", "07:45–16:00", "8h15min",
        "wyszłazbabcią", "nauczycielka@p.pl", "Dodajwyjście", "rodziclubopiekunprawny", "19.11.2026",
        teacher, "obecn",
    ):  # fmt: skip
        assert squeezed(expected) in text, expected
    for foreign in ("Olek", "Żak", "+48600100200", "jan@example.pl", "$argon2"):
        assert foreign not in text, foreign


def test_the_pdf_speaks_the_readers_language(site: Site, tmp_path: Path) -> None:
    english = download_pdf(site, "parent", tmp_path, "en")
    assert "Child:AniaKowalska" in english and "AniaKowalska:whoopenedthedata" in english
    assert "Addadeparture" in english and "parentorlegalguardian" in english
    assert "Dziecko:" not in english


def test_staff_get_their_own_account_as_pdf_and_it_is_audited(site: Site, tmp_path: Path) -> None:
    text = download_pdf(site, "teacher", tmp_path)
    assert "Konto" in text and "Dziecko:" not in text and "Kowalska" not in text
    with site.db() as db:
        [export] = [row for row in audit.entries(db, entity="user") if row["action"] == "account.data_export"]
    assert export["after"] == {"format": "pdf"}
