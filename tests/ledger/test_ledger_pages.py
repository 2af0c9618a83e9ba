"""The money pages: the accountant imports a statement and assigns what matched nobody in one
step; a parent sees what to pay, where, and their payments; a bad file is refused with its
line and nothing stored."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from hub.rules.ledger import child_account, printed
from hub.store import audit, bank, copayers, ledger, money_settings
from tests.pages_support import Site, errors

PREFIX = "1090101400000712"
HEADER = "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    db = site.db()
    money_settings.set_values(db, {"account_prefix": PREFIX}, author="test")
    charge = dict(
        kind="stay", amount=24_240, booked_on="2026-09-30", due_on="2026-10-15", period="2026-09",
        description="Opłata za pobyt 2026-09", source="month:2026-09", created_at="2026-10-01T00:00:00.000Z",
        created_by="test",
    )  # fmt: skip
    with db.atomic():
        ledger.add_entries(db, [{**charge, "child_id": site.ania}, {**charge, "child_id": site.olek}])
    db.close()
    return site


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").split())


def test_import_then_assign_in_one_step_then_the_parent_sees_it(site: Site) -> None:
    secretary = site.client("secretary")
    statement = (
        HEADER
        + f"2026-10-05;100,00;Opłata;Marta Kowalska;{child_account(PREFIX, site.ania)};1\n"
        + "2026-10-06;142,40;za wrzesień;Marta Kowalska;;2\n"
    )
    sent = {"file": ("wyciag.csv", statement.encode(), "text/csv")}
    page = secretary.post("/money/import", files=sent, follow_redirects=False)
    assert page.status_code == 200
    assert "2 new transfers, 1 matched, 1 to assign" in text(page.text) or "nowe przelewy 2" in text(
        page.text
    )
    db = site.db()
    [waiting] = bank.transfers(db, unmatched=True)
    db.close()
    assigned = secretary.post(
        f"/money/transfers/{waiting['id']}/assign", data={"child": str(site.ania)}, follow_redirects=False
    )
    assert assigned.status_code == 303 and assigned.headers["location"] == "/money?saved=assigned"
    again = secretary.post(f"/money/transfers/{waiting['id']}/assign", data={"child": str(site.olek)})
    assert again.status_code == 422 and errors(again.text)
    parent = site.client("parent").get(f"/parent/children/{site.ania}/money")
    shown = text(parent.text)
    assert printed(child_account(PREFIX, site.ania)) in shown
    assert f"EW-{site.ania} Kowalska Ania" in shown and "142,40" in shown
    assert "0,00 zł" in shown  # nothing left to pay
    assert site.client("parent").get(f"/parent/children/{site.olek}/money").status_code == 403
    db = site.db()
    assert [e["action"] for e in audit.entries(db, entity="bank_transfer")] == ["payments.assign"]
    db.close()
    money = text(secretary.get("/money").text)
    assert "Żak Olek" in money and "Kowalska Ania" not in money  # only Olek is in arrears


def test_a_bad_statement_is_refused_with_its_line_and_nothing_is_stored(site: Site) -> None:
    bad = HEADER + "2026-10-05;100,00;Opłata;A;;1\n2026-10-06;sto złotych;B;;;2\n"
    page = site.client("secretary").post("/money/import", files={"file": ("w.csv", bad.encode(), "text/csv")})
    assert page.status_code == 422
    assert any("3" in reason and "sto złotych" in reason for reason in errors(page.text))
    db = site.db()
    assert bank.transfers(db) == []
    db.close()
    empty = site.client("secretary").post("/money/import", files={"file": ("", b"", "text/csv")})
    assert empty.status_code == 422


def test_the_director_sets_the_money_settings_and_a_refusal_changes_nothing(site: Site) -> None:
    director = site.client("director")
    form = {"due_day": "10", "account_prefix": "1020 1026", "interest_threshold": "870"}
    saved = director.post("/money/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/money?saved=settings"
    refused = director.post(
        "/money/settings", data={"due_day": "31", "account_prefix": "", "interest_threshold": "870"}
    )
    assert refused.status_code == 422 and any("31" in reason for reason in errors(refused.text))
    db = site.db()
    current = money_settings.load(db)
    assert (current.due_day, current.account_prefix) == (10, "10201026")
    assert audit.entries(db, entity="settings", entity_id="money")[0]["after"]["due_day"] == "10"
    db.close()
    assert site.client("secretary").post("/money/settings", data={"due_day": "5"}).status_code == 403


def test_a_co_payers_transfer_is_assigned_to_its_ledger_for_the_child(site: Site) -> None:
    db = site.db()
    mops = copayers.add_copayer(db, "MOPS Kraków", "welfare", author="test")
    db.close()
    secretary = site.client("secretary")
    statement = HEADER + "2026-10-07;300,00;Dopłata do przedszkola;MOPS Kraków;;M-1\n"
    secretary.post("/money/import", files={"file": ("mops.csv", statement.encode(), "text/csv")})
    page = secretary.get("/money").text
    assert "MOPS Kraków</option>" in page
    db = site.db()
    [waiting] = bank.transfers(db, unmatched=True)
    db.close()
    form = {"child": str(site.olek), "payer": str(mops["id"])}
    assert (
        secretary.post(
            f"/money/transfers/{waiting['id']}/assign", data=form, follow_redirects=False
        ).status_code
        == 303
    )
    db = site.db()
    assert [e.amount for e in ledger.entries_of(db, site.olek, mops["id"])] == [-30_000]
    assert sum(e.amount for e in ledger.entries_of(db, site.olek)) == 24_240  # the parents' own is untouched
    db.close()
    wrong = secretary.post(
        f"/money/transfers/{waiting['id']}/assign", data={"child": str(site.olek), "payer": "x"}
    )
    assert wrong.status_code == 422


def test_a_statement_of_one_8_mb_line_is_refused_at_the_form(site: Site) -> None:
    one_line = HEADER + "2026-10-05;100,00;" + "A" * 7_900_000 + ";B;;1\n"
    page = site.client("secretary").post(
        "/money/import", files={"file": ("w.csv", one_line.encode(), "text/csv")}
    )
    assert page.status_code == 422 and any("CSV" in reason for reason in errors(page.text))
    db = site.db()
    assert bank.transfers(db) == [] and bank.imports(db) == []
    db.close()


def test_a_money_setting_int_cannot_read_is_refused_at_the_form_and_the_page_still_opens(
    site: Site,
) -> None:
    director = site.client("director")
    for form in ({"due_day": "²"}, {"interest_threshold": "²"}, {"interest_threshold": "9" * 5000}):
        refused = director.post(
            "/money/settings", data={"due_day": "15", "interest_threshold": "870", **form}
        )
        assert refused.status_code == 422 and errors(refused.text)
    assert director.get("/money").status_code == 200


@pytest.mark.parametrize(
    ("language", "booked", "month", "due"),
    [
        ("pl", "6.10.2026", "wrzesień 2026", "15.10.2026"),
        ("en", "Oct 6, 2026", "September 2026", "Oct 15, 2026"),
    ],
)
def test_money_pages_show_dates_and_months_in_the_readers_language(
    site: Site, language: str, booked: str, month: str, due: str
) -> None:
    statement = HEADER + "2026-10-06;142,40;za wrzesień;Marta Kowalska;;2\n"
    site.client("secretary").post("/money/import", files={"file": ("w.csv", statement.encode(), "text/csv")})
    headers = {"Accept-Language": language}
    money = site.client("secretary").get("/money", headers=headers).text
    assert f"<td>{booked}</td>" in money and "<td>2026-10-06</td>" not in money
    parent = site.client("parent").get(f"/parent/children/{site.ania}/money", headers=headers).text
    assert f"<td>{month}</td><td>{due}" in parent and "2026-10-15" not in parent
