"""Ledgers from storage: a closed month posted, a bank statement imported and matched (by
account, by the statement number, by name, or by the accountant), imports idempotent, bad
files refused whole, arrears with interest, a co-payer's share."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import details, mt940

from hub.refusal import Refusal
from hub.rules.ledger import child_account
from hub.services import ledger, payments
from hub.store import audit, copayers, money_settings, registry
from hub.store import ledger as ledger_store
from hub.store.db import open_database
from hub.timefmt import to_db, utc_now

PREFIX = "1090101400000712"


@pytest.fixture
def db(tmp_path: Path):
    db = site(tmp_path / "money.db")
    yield db
    db.close()


def site(path: Path):
    """Three children in two groups, the bank's prefix set."""
    db = open_database(path)
    registry.add_group(db, "Żabki", author="test")
    registry.add_group(db, "Misie", author="test")
    for first, last, group in [
        ("Łucja", "Żak", "Żabki"),
        ("Jan", "Nowak", "Misie"),
        ("Zofia", "Kowalska", "Misie"),
    ]:
        registry.add_child(
            db, first_name=first, last_name=last, group=group, active_from="2026-09-01", author="t"
        )
    money_settings.set_values(db, {"account_prefix": PREFIX, "due_day": "15"}, author="test")
    return db


def charge(
    db, child_id: int, amount: int, period: str = "2026-09", due: str = "2026-10-15", copayer=None
) -> None:
    row: dict[str, Any] = {
        "child_id": child_id, "copayer_id": copayer, "kind": "stay", "amount": amount,
        "booked_on": f"{period}-28", "due_on": due, "period": period, "description": f"Opłata {period}",
        "source": f"month:{period}",
        "created_at": to_db(utc_now()), "created_by": "test",
    }  # fmt: skip
    with db.atomic():
        ledger_store.add_entries(db, [row])


def import_text(db, text: str, name: str = "wyciag.sta") -> payments.ImportResult:
    return payments.import_file(db, text.encode(), file_name=name, author="ksiegowa")


def test_matching_by_account_then_number_then_name_else_left_for_the_accountant(db) -> None:
    for child_id in (1, 2, 3):
        charge(db, child_id, 10_000)
    statement = mt940(
        [
            (date(2026, 10, 5), 10_000, details("Opłata", to_account=child_account(PREFIX, 1))),
            (date(2026, 10, 6), 4_000, details("wplata EW-2 za wrzesien")),
            (date(2026, 10, 7), 10_000, details("Przedszkole kowalska zofia wrzesień")),
            (date(2026, 10, 8), 2_500, details("Kowalska za obiady")),  # a surname alone: nobody's
        ]
    )
    result = import_text(db, statement)
    assert (result.new, result.matched, result.unmatched) == (4, 3, 1)
    on = date(2026, 10, 31)
    assert [ledger.payer_state(db, c, on).balance for c in (1, 2, 3)] == [0, 6_000, 0]
    [waiting] = payments.bank.transfers(db, unmatched=True)
    assert waiting["title"] == "Kowalska za obiady"
    payments.assign(db, waiting["id"], 3, author="ksiegowa")  # one step
    assert ledger.payer_state(db, 3, on).balance == -2_500  # an overpayment, carried forward
    assert payments.bank.transfers(db, unmatched=True) == []
    with pytest.raises(Refusal, match="already assigned"):
        payments.assign(db, waiting["id"], 2, author="ksiegowa")
    assert audit.entries(db, entity="bank_transfer")[0]["action"] == "payments.assign"


def test_a_part_payment_then_the_rest_and_an_overpayment_carried_to_the_next_month(db) -> None:
    charge(db, 1, 24_240)
    import_text(db, mt940([(date(2026, 10, 10), 10_000, details("EW-1"))]))
    state = ledger.payer_state(db, 1, date(2026, 11, 30))
    [due] = state.settlement.overdue()
    assert (due.outstanding, due.days_late(date(2026, 11, 30)), state.balance) == (14_240, 46, 14_240)
    assert [a.child["id"] for a in ledger.arrears(db, date(2026, 11, 30))] == [1]
    import_text(db, mt940([(date(2026, 12, 20), 20_000, details("EW-1 reszta"))], number=2))
    charge(db, 1, 8_640, "2026-12", "2027-01-15")
    state = ledger.payer_state(db, 1, date(2027, 1, 31))
    assert state.settlement.outstanding == 8_640 - 5_760 and ledger.arrears(db, date(2027, 1, 10)) == []


def test_interest_is_charged_on_a_large_arrear_and_a_payment_split_in_proportion(db) -> None:
    charge(db, 2, 200_000, "2025-08", "2025-09-15")
    # 16 IX – 8 X 2025: 23 days at 12,5 %; 9 – 31 X: 23 days at 12 % (the rate changed on 9 X):
    # 2 000 zł × (23 × 12,5 % + 23 × 12 %) / 365 = 30,88 zł, rounded to full złoty: 31 zł
    [arrear] = ledger.arrears(db, date(2025, 10, 31))
    assert (arrear.overdue, arrear.interest) == (200_000, 3_100)
    import_text(db, mt940([(date(2025, 10, 31), 101_500, details("EW-2"))]))
    [due] = ledger.payer_state(db, 2, date(2025, 10, 31)).settlement.dues
    assert due.paid + due.interest_paid == 101_500
    # art. 55 § 2: 1 015 zł split as 2 000 : 31 → 999,51 zł to the fee, 15,49 zł to the interest
    assert (due.paid, due.interest_paid) == (99_951, 1_549)


def test_importing_the_same_statement_twice_changes_nothing(db) -> None:
    statement = mt940(
        [(date(2026, 10, 5), 10_000, details("EW-1")), (date(2026, 10, 5), 10_000, details("EW-1"))]
    )
    first = import_text(db, statement)
    before = ledger_store.all_entries(db), payments.bank.transfers(db), len(audit.entries(db))
    again = import_text(db, statement)
    assert (first.new, again.new, again.already, again.import_id) == (2, 0, 2, None)
    assert (ledger_store.all_entries(db), payments.bank.transfers(db), len(audit.entries(db))) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(1, 28), st.integers(1, 50_000), st.sampled_from(["EW-1", "EW-2", "nic"])),
             max_size=8),
    st.integers(0, 8),
)  # fmt: skip
def test_import_is_idempotent_whatever_overlaps(tmp_path: Path, credits, split) -> None:
    """Importing part of a month, then the whole month that overlaps it, then both again:
    each transfer is stored once, and each matched one is one payment."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        db = site(Path(folder) / "money.db")
        rows = [(date(2026, 10, day), amount, details(title)) for day, amount, title in credits]
        import_text(db, mt940(rows[:split]))
        import_text(db, mt940(rows))
        state = ledger_store.all_entries(db)
        import_text(db, mt940(rows[:split]))
        import_text(db, mt940(rows))
        assert len(payments.bank.transfers(db)) == len(rows) and ledger_store.all_entries(db) == state
        assert sum(len(e) for e in state.values()) == sum(title != "nic" for _, _, title in credits)
        db.close()


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (mt940([(date(2026, 10, 5), 432, "x")]).replace("C4,32", "C4X,32"), 5, "a :61: line must read"),
        (mt940([(date(2026, 10, 5), 432, "x")]).replace("PLN1004,32", "PLN1004,33"), 7, "closing balance"),
        (mt940([(date(2026, 10, 5), 432, "x")]).replace(":61:261005", ":61:261305"), 5, "not a date"),
        (mt940([(date(2026, 10, 5), 432, "x")]).replace(":62F:", ":99Z:"), 7, "unknown MT940 field"),
        (mt940([(date(2026, 10, 5), 432, "x")]).rsplit(":62F:", 1)[0], 7, "no closing balance"),
        (":20:X\ngarbage here\n", 2, "outside any MT940 field"),
        (
            "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n2026-10-05;12,5x;EW-1;A;;1\n",
            2,
            "not an amount",
        ),
        ("Data;Kwota\n2026-10-05;12,50\n", 1, "no column"),
        (mt940([(date(2026, 10, 5), 432, "x")]).replace("PLN", "EUR"), 4, "PLN"),
        (
            "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n2026-10-05;12.50;EW-1;A;;1\n",
            2,
            "decimal comma",
        ),
        (
            "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n2026-10-05;1.2,50;EW-1;A;;1\n",
            2,
            "decimal comma",
        ),
        (
            "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n05.10.2026;12,50;EW-1;A;;1\n",
            2,
            "not a date",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_stored(db, text, line, reason) -> None:
    with pytest.raises(Refusal) as refused:
        import_text(db, text)
    assert refused.value.code == "payments.file"
    assert refused.value.params["line"] == line and reason in str(refused.value.params["reason"])
    assert payments.bank.transfers(db) == [] and ledger_store.all_entries(db) == {}


def test_csv_with_a_column_profile(db) -> None:
    profile = payments.CsvProfile(
        date_column="Data księgowania", amount_column="Kwota", title_column="Opis",
        counterparty_column="Kontrahent", account_column="Rachunek odbiorcy", date_format="%d.%m.%Y",
        skip_lines=2,
    )  # fmt: skip
    text = (
        "Wyciąg z rachunku 61 1090 1014 0000 0712 1981 2874\nOkres: 2026-10\n"
        "Data księgowania;Kontrahent;Opis;Kwota;Rachunek odbiorcy\n"
        f"05.10.2026;Jan Kowalski;Opłata;1 200,50;{child_account(PREFIX, 1)}\n"
        "06.10.2026;Bank;Prowizja;-5,00;\n"
    )
    result = payments.import_file(db, text.encode("cp1250"), file_name="w.csv", author="k", profile=profile)
    assert (result.new, result.matched, result.debits) == (1, 1, 1)
    assert ledger.payer_state(db, 1, date(2026, 10, 31)).balance == -120_050


def test_a_co_payers_share_is_billed_to_them_and_taken_off_the_parents(db) -> None:
    from hub.rules.fees.statement import MonthStatement

    mops = copayers.add_copayer(db, "MOPS Kraków", "welfare", author="k")
    copayers.add_share(db, mops["id"], 1, percent_bp=5_000, valid_from=date(2026, 9, 1), author="k")
    statement = _statement(MonthStatement, child_id=1, stay="86.40", meals="180.00")
    rows = ledger.month_rows(
        statement, copayers.shares_in(db, date(2026, 9, 1), date(2026, 9, 30)),
        booked_on=date(2026, 10, 1), due_on=date(2026, 10, 15), now=utc_now(), author="k",
    )  # fmt: skip
    with db.atomic():
        ledger_store.add_entries(db, rows)
    parents = ledger.payer_state(db, 1, date(2026, 10, 1))
    mops_state = ledger.payer_state(db, 1, date(2026, 10, 1), copayer_id=mops["id"])
    assert (parents.balance, mops_state.balance) == (13_320, 13_320)  # 266,40 zł split in half
    assert mops_state.account is None and parents.account == child_account(PREFIX, 1)
    with pytest.raises(Refusal):
        copayers.add_share(db, mops["id"], 1, valid_from=date(2026, 9, 1), author="k")


def _statement(cls, *, child_id: int, stay: str, meals: str):
    from decimal import Decimal

    from hub.rules.fees import Child

    child = Child(child_id, "Żak Łucja", "Żabki", None, None, date(2026, 9, 1), None, None)
    return cls(
        child, 2026, 9, (), (), 0, 0, 0, 0, Decimal(stay), (), Decimal(meals), Decimal("0.00"), (), (), ()
    )


def test_money_settings_refusals(db) -> None:
    with pytest.raises(Refusal, match="1 to 28"):
        money_settings.set_values(db, {"due_day": "31"}, author="k")
    with pytest.raises(Refusal, match="prefix"):
        money_settings.set_values(db, {"account_prefix": "12"}, author="k")
    with pytest.raises(Refusal):
        money_settings.set_values(db, {"colour": "red"}, author="k")


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"due_day": "0"}, "money.due_day"),
        ({"due_day": "-1"}, "money.due_day"),
        ({"due_day": "31"}, "money.due_day"),
        ({"due_day": "²"}, "money.due_day"),  # str.isdigit() says yes, int() says no
        ({"due_day": "١٥"}, "money.due_day"),  # Arabic-Indic digits: not what the form shows
        ({"account_prefix": "10901014ABCD"}, "money.account_prefix"),
        ({"account_prefix": "１０９０１０１４００"}, "money.account_prefix"),  # full-width digits
        ({"interest_threshold": "²"}, "money.threshold"),
        ({"interest_threshold": "9" * 5000}, "money.threshold"),  # past int()'s digit limit
        ({"interest_threshold": "100000000"}, "money.threshold"),  # no interest ever charged
        ({"interest_threshold": "-5"}, "money.threshold"),
    ],
)
def test_money_settings_out_of_range_are_refused_and_change_nothing(db, values, code) -> None:
    before = money_settings.load(db)
    with pytest.raises(Refusal) as refused:
        money_settings.set_values(db, values, author="k")
    assert refused.value.code == code
    assert money_settings.load(db) == before


def test_money_settings_are_stored_as_plain_numbers(db) -> None:
    money_settings.set_values(db, {"due_day": " 05 ", "interest_threshold": "0870"}, author="k")
    stored = dict(db.execute("SELECT key, value FROM money_settings").fetchall())
    assert (stored["due_day"], stored["interest_threshold"]) == ("5", "870")


def test_the_same_statement_sent_from_two_sessions_at_once_is_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two accountants import the same file at the same moment: the second session's import
    runs whole while the first is between reading what is known and storing."""
    path = tmp_path / "money.db"
    site(path).close()
    statement = mt940([(date(2026, 10, 5), 10_000, details("EW-1")), (date(2026, 10, 6), 5_000, "x")])
    real_known = payments.bank.known_fingerprints
    other_session: list[payments.ImportResult] = []

    def known_while_the_other_session_imports(db, prints):
        found = real_known(db, prints)
        if not other_session:
            other_session.append(None)
            other = open_database(path)
            other_session[0] = import_text(other, statement)
            other.close()
        return found

    monkeypatch.setattr(payments.bank, "known_fingerprints", known_while_the_other_session_imports)
    db = open_database(path)
    first = import_text(db, statement)
    assert other_session[0].new == 2
    assert (first.new, first.already, first.import_id) == (0, 2, None)
    assert len(payments.bank.transfers(db)) == 2 and len(payments.bank.imports(db)) == 1
    db.close()


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe:20:STARTUMS\r\n:25:\xc3\x28\r\n",  # not UTF-8
        b"Data operacji;Kwota;Tytu\xb3;Nadawca\n2026-10-05;12,50;EW-1;A\n",  # cp1250, not UTF-8
        b"A" * 8_000_000,  # 8 MB of one line
        b"Data operacji;Kwota;Tytul;Nadawca;Rachunek;Identyfikator\n"
        b"2026-10-05;" + b"9" * 40 + b",00;A;B;;1\n",  # past SQLite's integers
        b"",
        b"\x00" * 1000,
    ],
)
def test_a_huge_or_undecodable_file_is_refused_and_nothing_is_stored(db, data: bytes) -> None:
    with pytest.raises(Refusal) as refused:
        payments.import_file(db, data, file_name="x", author="ksiegowa")
    assert refused.value.code.startswith("payments.")
    assert payments.bank.transfers(db) == [] and payments.bank.imports(db) == []


def test_one_transfer_assigned_from_two_sessions_at_once_is_paid_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two accountants assign the same waiting transfer, each to another child, at the same
    moment: the second session's assignment runs whole while the first has read the
    transfer as waiting. One of them must be refused, or the money is counted twice."""
    path = tmp_path / "money.db"
    db = site(path)
    import_text(db, mt940([(date(2026, 10, 5), 10_000, "za wrzesien")]))
    [waiting] = payments.bank.transfers(db, unmatched=True)
    jan, zofia = (c["id"] for c in registry.list_children(db) if c["first_name"] in ("Jan", "Zofia"))
    real_get = payments.bank.get_transfer
    other_session: list[str] = []

    def get_while_the_other_session_assigns(db, transfer_id):
        found = real_get(db, transfer_id)
        if not other_session:
            other_session.append("assigning")
            other = open_database(path)
            payments.assign(other, transfer_id, zofia, author="druga ksiegowa")
            other.close()
        return found

    monkeypatch.setattr(payments.bank, "get_transfer", get_while_the_other_session_assigns)
    with pytest.raises(Refusal) as refused:
        payments.assign(db, waiting["id"], jan, author="ksiegowa")
    assert refused.value.code == "payments.assigned"
    payments_made = [
        row
        for row in db["ledger_entries"].rows
        if row["kind"] == "payment" and row["source"].startswith("transfer:")
    ]
    assert [row["child_id"] for row in payments_made] == [zofia]
    assert real_get(db, waiting["id"])["child_id"] == zofia
    db.close()
