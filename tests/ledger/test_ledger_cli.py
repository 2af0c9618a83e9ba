"""From taps to a settled balance on the command line: close a month, see what to pay and
where, import the bank statement, assign the rest, list arrears."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from ledger_support import details, mt940

from hub.rules.ledger import child_account, printed
from hub.store import cards, readers, registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from web.cli import cli

PREFIX = "1090101400000712"


def local(month: int, day: int, hour: int, minute: int) -> datetime:
    """Warsaw wall-clock time in September 2026 (CEST)."""
    return datetime(2026, month, day, hour - 2, minute, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Łucja stays 7:40–15:50 on two September days (3 h billed each: 8,64 zł); Jan is enrolled."""
    path = tmp_path / "money.db"
    db = open_database(path)
    readers.add_reader(db, "wejscie", "Wejście")
    registry.add_group(db, "Żabki", author="test")
    child = registry.add_child(
        db, first_name="Łucja", last_name="Żak", group="Żabki", active_from="2026-09-01", author="test"
    )
    registry.add_child(
        db, first_name="Jan", last_name="Nowak", group="Żabki", active_from="2026-09-01", author="t"
    )
    cards.assign_card_from_day(
        db,
        uid="04A2B3C4",
        child_id=child["id"],
        author="t",
        day=date(2026, 9, 1),
        tz=ZoneInfo("Europe/Warsaw"),
    )
    moments = [local(9, d, h, m) for d in (15, 16) for h, m in ((7, 40), (15, 50))]
    with db.atomic():
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage("04A2B3C4", seq, 1, 0, None, int(at.timestamp())), at)
                for seq, at in enumerate(moments, 1)
            ],
        )
    db.close()
    return path


def run(database: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_month_from_taps_to_a_settled_balance(database: Path, tmp_path: Path) -> None:
    run(database, "ledger", "settings", "--account-prefix", PREFIX, "--due-day", "15")
    run(database, "months", "close", "2026-09")
    shown = json.loads(run(database, "ledger", "show", "1", "--on", "2026-10-01", "--json"))
    assert shown["balance"] == 864 and shown["account"] == child_account(PREFIX, 1)
    assert shown["dues"][0]["due_on"] == "2026-10-15"
    assert "Rachunek do wpłat: " in run(database, "ledger", "show", "1", "--on", "2026-10-01")
    statement = tmp_path / "wyciag.sta"
    statement.write_text(
        mt940(
            [
                (date(2026, 10, 10), 500, details("Opłata", to_account=child_account(PREFIX, 1))),
                (date(2026, 10, 11), 700, details("za przedszkole")),
            ]
        )
    )
    result = json.loads(run(database, "payments", "import", str(statement), "--json"))
    assert (result["new"], result["matched"], result["unmatched"]) == (2, 1, 1)
    again = json.loads(run(database, "payments", "import", str(statement), "--json"))
    assert (again["new"], again["already"]) == (0, 2)
    [waiting] = json.loads(run(database, "payments", "unmatched", "--json"))
    arrears = json.loads(run(database, "ledger", "arrears", "--on", "2026-10-20", "--json"))
    assert [(a["child_id"], a["overdue"]) for a in arrears] == [(1, 364)]
    run(database, "payments", "assign", str(waiting["id"]), "1")
    settled = json.loads(run(database, "ledger", "show", "1", "--on", "2026-10-20", "--json"))
    assert (settled["balance"], settled["to_pay"], settled["credit"]) == (-336, 0, 336)
    assert json.loads(run(database, "ledger", "arrears", "--on", "2026-10-20", "--json")) == []


def test_refusals_end_the_command_with_the_reason(database: Path, tmp_path: Path) -> None:
    bad = tmp_path / "zly.sta"
    bad.write_text(mt940([(date(2026, 10, 10), 500, "x")]).replace("PLN1005,00", "PLN1005,01"))
    result = CliRunner().invoke(cli, ["--database", str(database), "payments", "import", str(bad)])
    assert result.exit_code == 1 and "line 7" in result.output and "closing balance" in result.output
    result = CliRunner().invoke(cli, ["--database", str(database), "ledger", "settings", "--due-day", "30"])
    assert result.exit_code == 1 and "1 to 28" in result.output
    profile = tmp_path / "bank.toml"
    profile.write_text('date_column = "Data"\ncolour = "red"\n')
    csv = tmp_path / "w.csv"
    csv.write_text("Data;Kwota\n")
    result = CliRunner().invoke(
        cli, ["--database", str(database), "payments", "import", str(csv), "--profile", str(profile)]
    )
    assert result.exit_code == 2 and "colour" in result.output


def test_reminder_statement_receivables_and_arrears_reports(database: Path, tmp_path: Path) -> None:
    """The reminder letter as a PDF with the amounts and the account; the accountant's month as
    XLSX and CSV; the statement of the stay report carries the account and the transfer title."""
    from openpyxl import load_workbook

    run(database, "ledger", "settings", "--account-prefix", PREFIX)
    run(database, "months", "close", "2026-09")
    reminder = tmp_path / "upomnienie.pdf"
    run(
        database,
        "report",
        "reminder",
        "--child",
        "1",
        "--date",
        "2026-11-20",
        "--format",
        "pdf",
        "-o",
        str(reminder),
    )
    pdf = subprocess.run(["pdftotext", str(reminder), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(pdf.replace("\u00a0", " ").split())
    assert "Przypomnienie o zaległej opłacie" in text and "8,64" in text
    assert printed(child_account(PREFIX, 1)) in text
    assert "EW-1" in text
    receivables = tmp_path / "naleznosci.xlsx"
    run(database, "report", "receivables", "--month", "2026-09", "--format", "xlsx", "-o", str(receivables))
    cells = [c.value for row in load_workbook(receivables).active.iter_rows() for c in row]
    assert "Żak Łucja" in cells and "EW-1" in cells
    arrears = run(database, "report", "arrears", "--date", "2026-11-20", "--format", "csv")
    assert "Żak Łucja" in arrears and "Nowak" not in arrears
    stay = run(database, "report", "stay-report", "--child", "1", "--month", "2026-10", "--format", "html")
    assert "Rachunek do wpłat" in stay and "EW-1 Żak Łucja" in stay
    statement = run(database, "report", "ledger-statement", "--child", "1", "--format", "csv")
    assert "opłata za pobyt" in statement


def test_two_co_payers_share_a_closed_month_each_with_their_own_balance(database: Path) -> None:
    """September's 8,64 zł for Łucja: MOPS pays 50 % (4,32 zł), her mother's employer 3,00 zł,
    the parents the remaining 1,32 zł; each payer has its own ledger; the receivables list all."""
    run(database, "ledger", "add-copayer", "MOPS Kraków", "--kind", "welfare")
    run(database, "ledger", "add-copayer", "Zakład Pracy Matki", "--kind", "employer")
    run(database, "ledger", "add-share", "1", "1", "--percent", "50", "--from", "2026-09-01")
    run(
        database,
        "ledger",
        "add-share",
        "2",
        "1",
        "--amount",
        "3,00",
        "--from",
        "2026-09-01",
        "--to",
        "2026-09-30",
    )
    run(database, "months", "close", "2026-09")
    balances = [
        json.loads(run(database, "ledger", "show", "1", *extra, "--on", "2026-10-01", "--json"))["balance"]
        for extra in ([], ["--copayer", "1"], ["--copayer", "2"])
    ]
    assert balances == [132, 432, 300] and sum(balances) == 864
    mops = run(database, "report", "ledger-statement", "--child", "1", "--copayer", "1", "--format", "csv")
    assert "MOPS Kraków" in mops and "udział współpłatnika" in mops and "4.32" in mops
    unknown = CliRunner().invoke(
        cli, ["--database", str(database), "report", "ledger-statement", "--child", "1", "--copayer", "9"]
    )
    assert unknown.exit_code == 1 and "no co-payer number 9" in unknown.output
    receivables = run(database, "report", "receivables", "--month", "2026-09", "--format", "csv")
    assert "MOPS Kraków" in receivables and "Zakład Pracy Matki" in receivables and "rodzice" in receivables
    bad = CliRunner().invoke(
        cli, ["--database", str(database), "ledger", "add-share", "1", "1", "--from", "2026-10-01"]
    )
    assert bad.exit_code == 1 and "either as a percentage or as an amount" in bad.output


def test_cash_payments_write_offs_and_payouts_are_booked_with_a_reason(database: Path) -> None:
    run(database, "months", "close", "2026-09")
    run(database, "ledger", "book", "payment", "1", "10,00", "--on", "2026-10-02", "--reason", "KP 12/2026")
    shown = json.loads(run(database, "ledger", "show", "1", "--on", "2026-10-03", "--json"))
    assert (shown["balance"], shown["credit"]) == (-136, 136)  # 8,64 zł charged, 10,00 zł paid
    run(database, "ledger", "book", "payout", "1", "1,36", "--on", "2026-10-04", "--reason", "zwrot nadpłaty")
    assert json.loads(run(database, "ledger", "show", "1", "--json"))["balance"] == 0
    run(database, "ledger", "book", "write_off", "2", "0,01", "--reason", "umorzenie 3/2026")
    for args, message in [
        (["book", "payment", "1", "0", "--reason", "x"], "more than zero"),
        (["book", "payment", "1", "5,00", "--reason", " "], "Say why"),
        (["book", "payment", "99", "5,00", "--reason", "x"], "no child"),
    ]:
        result = CliRunner().invoke(cli, ["--database", str(database), "ledger", *args])
        assert result.exit_code == 1 and message in result.output, result.output
    bad = CliRunner().invoke(
        cli, ["--database", str(database), "ledger", "book", "payment", "1", "1,001", "--reason", "x"]
    )
    assert bad.exit_code == 2
