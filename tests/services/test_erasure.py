"""Erasing a person past retention (RODO art. 17): worked examples of when it is possible,
no trace of the person left in any text column of any table, every table that names a
person handled, and the hub still serving the others afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.refusal import Refusal
from hub.services import erasure
from hub.store import absences, cards, corrections, ledger, observations, personal_data_reads, registry
from hub.store import erasure as erasure_store
from hub.store.db import open_database
from hub.store.messages import Recipient, add_message
from hub.timefmt import to_db
from tests.journal_support import give_cards, local, store_tap
from tests.pages_support import Site
from tests.web_support import BASE_URL, PASSWORD, add_account, log_in

LEFT = date(2020, 8, 31)
OLD_DAY = date(2020, 3, 2)
OLD_CARD = "04AB0001"
CHILD = ("Zuzanna", "Wyjazdowska")
GUARDIAN = ("Halina Przykładowa", "halina.przyk@example.pl", "+48 601 602 603")
TEACHER = "dawna.nauczycielka@p.pl"


@dataclass
class Old:
    site: Site
    child: int
    guardian: int
    account: int


def at(site: Site, day: date, hour: int = 12) -> datetime:
    return local(site.settings, day, time(hour))


@pytest.fixture
def old(tmp_path: Path) -> Old:
    """A child who attended 2019/2020 and left on 31 August 2020, with a card and its taps,
    a correction, an absence, an observation, a ledger entry, a read of her data, a message
    naming her to her guardian's account, and the guardian's kiosk PIN."""
    site = Site.make(tmp_path)
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
        child = registry.add_child(
            db, first_name=CHILD[0], last_name=CHILD[1], group=site.motylki, birth_date="2014-02-02",
            active_from="2019-09-01", active_to=LEFT, notes="alergia na orzechy", author=TEACHER,
        )["id"]  # fmt: skip
        guardian = registry.add_guardian(
            db, name=GUARDIAN[0], email=GUARDIAN[1], phone=GUARDIAN[2], children=[child], relation="babcia",
            author="sekretariat@p.pl",
        )["id"]  # fmt: skip
        cards.assign_card_from_day(
            db, uid=OLD_CARD, child_id=child, author=TEACHER, day=date(2019, 9, 1), tz=site.settings.tz,
            holder=GUARDIAN[0],
        )  # fmt: skip
        store_tap(db, 901, OLD_CARD, at(site, OLD_DAY, 8))
        corrections.add_correction(
            db, child_id=child, day=OLD_DAY, kind="add_departure", at=at(site, OLD_DAY, 15),
            reason=f"{CHILD[0]} {CHILD[1]} odebrana przez babcię", author=TEACHER,
        )  # fmt: skip
        absences.report_absence(
            db, child_id=child, first=date(2020, 3, 3), last=date(2020, 3, 4), reported_by=TEACHER
        )
        observations.add(
            db, child_id=child, day=date(2020, 5, 5), kind="observation", text="Zuzia chętnie rysuje.",
            author=TEACHER, today=date(2020, 5, 5), now=at(site, date(2020, 5, 5)),
        )  # fmt: skip
        ledger.add_entries(
            db, [{"child_id": child, "copayer_id": None, "kind": "stay", "amount": 12_300,
                  "booked_on": "2020-04-01", "due_on": "2020-04-15", "period": "2020-03",
                  "description": f"Opłata za pobyt 2020-03: {CHILD[0]} {CHILD[1]}", "source": "month",
                  "created_at": to_db(at(site, date(2020, 4, 1))), "created_by": "ksiegowa@p.pl"}],
        )  # fmt: skip
        personal_data_reads.record(
            db, actor=TEACHER, child_id=child, view="child.page", now=at(site, OLD_DAY)
        )
    account = add_account(site.settings.database, "parent", email=GUARDIAN[1], children=[child])["id"]
    with site.db() as db:
        teacher = add_account(site.settings.database, "teacher", email=TEACHER, groups=[site.motylki])["id"]
        add_message(
            db, sender_id=teacher, actor=TEACHER, subject=f"{CHILD[0]} {CHILD[1]}: wycieczka",
            body=f"Pani {GUARDIAN[0]}, proszę o zgodę dla {CHILD[0]} {CHILD[1]}.",
            recipients=[Recipient(account, "guardian", f"{CHILD[0]} {CHILD[1]}")], school_year="2019/2020",
            now=at(site, date(2020, 6, 1)),
        )  # fmt: skip
    return Old(site, child, guardian, account)


def erase(old: Old, person: str, person_id: int, day: date) -> erasure.Erased:
    with old.site.db() as db:
        return erasure.erase(db, old.site.settings, person, person_id, at(old.site, day), actor="admin@p.pl")  # type: ignore[arg-type]


def every_text(database: Path) -> dict[tuple[str, str], list[str]]:
    """Every text value of every column of every table."""
    db = open_database(database)
    try:
        found: dict[tuple[str, str], list[str]] = {}
        for table in db.table_names():
            for column in db[table].columns:
                values = [row[0] for row in db.execute(f'SELECT "{column.name}" FROM "{table}"')]
                found[(table, column.name)] = [value for value in values if isinstance(value, str)]
        return found
    finally:
        db.close()


def test_the_child_who_left_on_31_august_2020_is_erasable_on_1_january_2026_not_a_day_before(
    old: Old,
) -> None:
    with pytest.raises(Refusal) as refused:
        erase(old, "child", old.child, date(2025, 12, 31))
    assert refused.value.code == "erasure.too_early"
    assert refused.value.params["erasable_from"] == "2026-01-01"
    assert refused.value.params["kept_until"] == "2025-12-31"
    assert refused.value.params["last_day"] == "2020-08-31"
    with old.site.db() as db:
        assert registry.get_child(db, old.child)["first_name"] == CHILD[0]  # nothing changed
    erased = erase(old, "child", old.child, date(2026, 1, 1))
    assert erased.rows["taps"] == 1 and erased.rows["cards"] == 1 and erased.rows["corrections"] == 1
    assert erased.rows["absences"] == 2 and erased.rows["observations"] == 1


def test_a_record_after_leaving_moves_the_day(old: Old) -> None:
    with old.site.db() as db:
        store_tap(db, 902, OLD_CARD, at(old.site, date(2020, 9, 2), 8))  # the card used once more
        assert erasure.verdict(
            db, old.site.settings, "child", old.child, date(2026, 1, 1)
        ).erasable_from == date(2027, 1, 1)


def test_a_child_still_attending_and_her_guardian_are_refused(old: Old) -> None:
    with pytest.raises(Refusal) as refused:
        erase(old, "child", old.site.ania, date(2040, 1, 1))
    assert refused.value.code == "erasure.still_attends"
    with old.site.db() as db:
        marta = db.execute("SELECT id FROM guardians WHERE name = 'Marta Kowalska'").fetchone()[0]
    with pytest.raises(Refusal) as refused:
        erase(old, "guardian", marta, date(2040, 1, 1))
    assert refused.value.code == "erasure.guardian_of_attending"


def test_the_guardian_waits_for_her_accounts_latest_login(old: Old) -> None:
    client = TestClient(old.site.app, base_url=BASE_URL)
    assert log_in(client, GUARDIAN[1], PASSWORD).status_code == 200  # she logs in today, in 2026
    with pytest.raises(Refusal) as refused:
        erase(old, "guardian", old.guardian, date(2026, 1, 1))  # the child alone would allow it
    assert refused.value.code == "erasure.too_early"
    assert refused.value.params["erasable_from"] >= "2032-01-01"


TRACES = (
    CHILD[1],
    f"{CHILD[0]} {CHILD[1]}",
    GUARDIAN[0],
    GUARDIAN[1],
    GUARDIAN[2],
    OLD_CARD,
    "alergia",
    "Zuzia",
)
"""What names the child or her guardian: her surname alone, her name, the guardian's name,
e-mail and phone, the card, the note and the observation's diminutive."""


def traces(database: Path) -> dict[tuple[str, str], str]:
    """Where any of `TRACES` is found, in any text column of any table."""
    return {
        where: value
        for where, values in every_text(database).items()
        for value in values
        for needle in TRACES
        if needle in value
    }


def test_erasing_the_child_and_her_guardian_leaves_no_trace_of_them_in_any_table(old: Old) -> None:
    before = {table for table, _column in traces(old.site.settings.database)}
    assert {"children", "guardians", "users", "cards", "corrections", "observations", "audit_log", "messages",
            "message_recipients", "ledger_entries", "taps"} <= before  # fmt: skip
    erase(old, "child", old.child, date(2026, 1, 1))
    erase(old, "guardian", old.guardian, date(2040, 1, 1))  # her account was made today
    assert traces(old.site.settings.database) == {}
    with old.site.db() as db:
        child = registry.get_child(db, old.child)
        assert (child["first_name"], child["last_name"], child["birth_date"]) == (
            "[usunięto]",
            "[usunięto]",
            None,
        )
        [charge] = ledger.entries_of(db, old.child)
        assert charge.amount == 12_300  # the ledger's figures stay
        [entry] = [row for row in db["audit_log"].rows_where("action = 'child.erase'")]
        assert (entry["actor"], entry["entity_id"], entry["before"]) == ("admin@p.pl", str(old.child), None)
        user = db["users"].get(old.account)
        assert user["guardian_id"] is None and user["password_hash"] == "!" and user["blocked_at"]


def test_erasing_twice_is_refused(old: Old) -> None:
    erase(old, "child", old.child, date(2026, 1, 1))
    with pytest.raises(Refusal) as refused:
        erase(old, "child", old.child, date(2026, 1, 1))
    assert refused.value.code == "erasure.done"


def test_no_one_erases_their_own_account(old: Old) -> None:
    with old.site.db() as db, pytest.raises(Refusal) as refused:
        erasure.erase(
            db, old.site.settings, "account", old.account, at(old.site, date(2040, 1, 1)), actor=GUARDIAN[1]
        )
    assert refused.value.code == "erasure.own_account"


def test_the_hub_serves_the_other_children_afterwards(old: Old) -> None:
    erase(old, "child", old.child, date(2026, 1, 1))
    erase(old, "guardian", old.guardian, date(2040, 1, 1))  # her account was made today
    director = old.site.client("director")
    for path in (
        f"/children/{old.site.ania}", "/registry/children", "/registry/guardians", "/audit",
        f"/registry/children/{old.child}", "/reports/monthly-grid?month=2020-03&group=1&format=pdf",
        f"/reports/daily-sheet?date=2026-11-18&group={old.site.motylki}&format=pdf", "/statistics",
    ):  # fmt: skip
        response = director.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert CHILD[1] not in response.text


PERSON_COLUMNS = {"children": "child", "guardians": "guardian", "users": "account"}
NAMED_COLUMNS = {"child_id": "child", "guardian_id": "guardian", "user_id": "account",
                 "account_id": "account", "kiosk_id": "account", "sender_id": "account"}  # fmt: skip
"""Columns that name a person by name, with or without a foreign key (the log of reads, the
outbox and the attempts have none)."""


def test_every_column_that_names_a_person_is_handled(tmp_path: Path) -> None:
    """A new table pointing at a child, a guardian or an account fails here until
    `hub/store/erasure.py` says what erasure does with it."""
    db = open_database(tmp_path / "schema.db")
    try:
        naming = set()
        for table in db.table_names():
            for key in db.table(table).foreign_keys:
                if key.other_table in PERSON_COLUMNS:
                    naming.add((table, key.column, PERSON_COLUMNS[key.other_table]))
            for column in db[table].columns:
                if column.name in NAMED_COLUMNS:
                    naming.add((table, column.name, NAMED_COLUMNS[column.name]))
    finally:
        db.close()
    handled = {
        (reference.table, reference.column, reference.person) for reference in erasure_store.REFERENCES
    }
    assert naming - handled == set()
    assert handled - naming == set()


def test_the_scrub_replaces_a_name_or_login_only_where_it_stands_whole(tmp_path: Path) -> None:
    db = open_database(tmp_path / "scrub.db")
    try:
        group = registry.add_group(
            db, "Motylki", teachers='Ania Kowalska, Ania Kowalskaya; viola@p.pl, ola@p.pl. O"Hara Ann',
            author="ola@p.pl",
        )["id"]  # fmt: skip
        with db.atomic():
            changed = erasure_store.scrub(db, ["Ania Kowalska", "ola@p.pl", 'O"Hara Ann'])
        kept = "[usunięto], Ania Kowalskaya; viola@p.pl, [usunięto]. [usunięto]"
        assert db["groups"].get(group)["teachers"] == kept
        [entry] = db["audit_log"].rows
        assert (
            entry["actor"] == "[usunięto]" and json.loads(entry["after"])["teachers"] == kept
        )  # as JSON, too
        assert changed == {"groups": 1, "audit_log": 1}
    finally:
        db.close()


def test_a_former_teachers_account_is_erased_and_her_messages_stay_nameless(old: Old) -> None:
    with old.site.db() as db:
        teacher = db.execute("SELECT id FROM users WHERE email = ?", [TEACHER]).fetchone()[0]
    with pytest.raises(Refusal) as refused:
        erase(old, "account", teacher, date(2026, 12, 31))
    assert refused.value.code == "erasure.too_early"  # her account was made today
    erased = erase(old, "account", teacher, date(2040, 1, 1))
    assert erased.rows["user_groups"] == 1
    found = {where for where, values in every_text(old.site.settings.database).items() for value in values
             if TEACHER in value}  # fmt: skip
    assert found == set()
    with old.site.db() as db:
        [message] = db["messages"].rows
        assert message["sender_id"] == teacher  # the guardian's correspondence keeps its thread
        assert db["users"].get(teacher)["name"] == "[usunięto]"
