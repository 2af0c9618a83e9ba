"""Reports in every format, read back as a person or an accountant would: PDF text, XLSX cells."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hub import reports
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import cards, corrections, readers, registry, taps
from hub.store.db import open_database
from hub.wire import StatusMessage, TapMessage
from tests.web_support import signed_in
from web.app import create_app
from web.cli import cli

DAY = date(2026, 11, 18)


def warsaw(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database=tmp_path / "reports.db")
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście główne")
    registry.add_group(db, "Żabki", teachers="Agnieszka Śliwińska", author="test")
    for first, last, uid in [("Łucja", "Żak", "04A2B3C4"), ("Jędrzej", "Kłos", "04A2B3C5")]:
        child = registry.add_child(
            db, first_name=first, last_name=last, group="Żabki", active_from="2026-09-01", author="test"
        )
        cards.assign_card_from_day(
            db,
            uid=uid,
            child_id=child["id"],
            author="t",
            day=date(2026, 9, 1),
            tz=settings.tz,
            holder="babcia",
        )
    moments = [
        ("04A2B3C4", warsaw(18, 7, 40)),
        ("04A2B3C4", warsaw(18, 15, 5)),
        ("04A2B3C4", warsaw(17, 8, 0)),
    ]
    with db.atomic():
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)
                for seq, (uid, moment) in enumerate(moments, 1)
            ],
        )
        readers.record_status(
            db, "wejscie", StatusMessage(online=True, queue=3), warsaw(18, 6, 0), retained=False
        )
        readers.record_status(db, "wejscie", StatusMessage(online=False), warsaw(18, 12, 0), retained=False)
        readers.record_status(
            db, "wejscie", StatusMessage(online=True, queue=9), warsaw(18, 12, 30), retained=False
        )
    corrections.add_correction(
        db,
        child_id=1,
        day=date(2026, 11, 17),
        kind="add_departure",
        at=warsaw(17, 16, 0),
        reason="odebrana bez odbicia karty",
        author="Agnieszka Śliwińska",
    )
    db.close()
    return settings


def build(settings: Settings, name: str, **period) -> reports.Report:
    db = open_database(settings.database)
    try:
        return reports.build(name, db, settings, reports.Period(**period))
    finally:
        db.close()


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_daily_sheet_in_every_format_keeps_polish_letters(settings: Settings, tmp_path: Path) -> None:
    report = build(settings, "daily-sheet", day=DAY)
    text = pdf_text(reports.render(report, "pdf"), tmp_path)
    for expected in [
        "Lista obecności",
        "Grupa Żabki — Agnieszka Śliwińska",
        "Żak Łucja",
        "Kłos Jędrzej",
        "07:40",
        "15:05",
        "babcia",
        "Podpis nauczyciela",
        "Obecnych: 1 z 2",
    ]:
        assert expected in text, expected
    rows = list(csv.reader(io.StringIO(reports.render(report, "csv").decode())))
    assert rows[0] == ["Lp.", "Dziecko", "Przyjście", "Przyprowadził(a)", "Wyjście", "Odebrał(a)", "Uwagi"]
    assert rows[2][:6] == ["2", "Żak Łucja", "07:40", "babcia", "15:05", "babcia"]
    assert "nieobecne" in rows[1][6]
    html = reports.render(report, "html").decode()
    assert "size: A4 portrait" in html and "Żak Łucja" in html


def test_xlsx_equals_the_csv(settings: Settings) -> None:
    report = build(settings, "monthly-grid", month=(2026, 11))
    sheet = load_workbook(io.BytesIO(reports.render(report, "xlsx"))).active
    from_xlsx = [
        ["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
    ]
    from_csv = list(csv.reader(io.StringIO(reports.render(report, "csv").decode())))
    assert from_xlsx == from_csv


def test_xlsx_keeps_text_as_text_numbers_as_numbers_and_no_formula() -> None:
    """Written from the model, not read back from CSV text: a note "2026" or a card number
    "0042" stays text, counts and money stay numbers, typed formulas stay inert text."""
    section = reports.Section(
        title="Żabki",
        columns=("Dziecko", "Uwagi", "Karta", "Obecności", "Kwota zł"),
        rows=(
            ("Żak Łucja", "2026", "0042", 20, Decimal("1234.5")),
            ('=HYPERLINK("x")', "-1", "@SUM(A1)", 0, Decimal("-0.96")),
        ),
    )
    report = reports.Report(
        "stay-report", "Opłaty", "listopad 2026", datetime(2026, 11, 30, tzinfo=UTC), (section,)
    )
    sheet = load_workbook(io.BytesIO(reports.render(report, "xlsx"))).active
    assert [cell.value for cell in sheet[1]] == list(section.columns)
    first, second = ([(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows(min_row=2))
    assert first == [("Żak Łucja", "s"), ("2026", "s"), ("0042", "s"), (20, "n"), (1234.5, "n")]
    assert second == [
        ('\'=HYPERLINK("x")', "s"),
        ("'-1", "s"),
        ("'@SUM(A1)", "s"),
        (0, "n"),
        (-0.96, "n"),
    ]
    assert sheet["E2"].number_format == "#,##0.00"


def test_monthly_grid_marks_presence_absence_and_days_off(settings: Settings) -> None:
    report = build(settings, "monthly-grid", month=(2026, 11))
    [section] = report.sections
    row = next(row for row in section.rows if row[0] == "Żak Łucja")
    by_day = dict(zip(section.columns[1:-1], row[1:-1], strict=True))
    assert by_day["17"] == "o" and by_day["18"] == "o"
    assert by_day["19"] == "n"  # a past working day without a record
    assert by_day["11"] == "w" and by_day["15"] == "w"  # Independence Day, a Sunday
    assert row[-1] == 2
    assert report.landscape


def test_corrections_show_on_the_sheet_with_their_author(settings: Settings) -> None:
    report = build(settings, "daily-sheet", day=date(2026, 11, 17))
    row = next(row for row in report.sections[0].rows if row[1] == "Żak Łucja")
    assert row[4] == "16:00" and "korekta (Agnieszka Śliwińska): odebrana bez odbicia karty" in row[6]


def test_reader_health_log_shows_the_outage(settings: Settings) -> None:
    report = build(settings, "reader-health", first=DAY, last=DAY)
    rows = report.sections[0].rows
    assert [(row[0], row[1], row[2], row[3]) for row in rows[:2]] == [
        ("18.11 06:00", "18.11 12:00", "w sieci", "6 h 00 min"),
        ("18.11 12:00", "18.11 12:30", "poza siecią", "0 h 30 min"),
    ]
    assert rows[2][4] == 9


def test_evacuation_list_names_who_is_in_now(settings: Settings, tmp_path: Path) -> None:
    db = open_database(settings.database)
    now = datetime.now(UTC)
    with db.atomic():
        taps.insert_new(
            db, [taps.tap_row("wejscie", TapMessage("04A2B3C5", 99, 1, 0, None, int(now.timestamp())), now)]
        )
    db.close()
    report = build(settings, "evacuation")
    assert [row[1] for row in report.sections[0].rows] == ["Jędrzej Kłos"]
    assert "w budynku dzieci: 1" in report.subtitle
    assert "Lista ewakuacyjna" in pdf_text(reports.render(report, "pdf"), tmp_path)


def test_report_command_and_web_route(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "grid.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "--database",
            str(settings.database),
            "report",
            "monthly-grid",
            "--month",
            "2026-11",
            "--group",
            "Żabki",
            "--format",
            "xlsx",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active["A2"].value == "Kłos Jędrzej"
    bad = CliRunner().invoke(cli, ["--database", str(settings.database), "report", "monthly-grid"])
    assert bad.exit_code == 1 and "needs a month" in bad.output
    client = signed_in(create_app(settings, EventBus()), settings.database, "secretary")
    response = client.get("/reports/daily-sheet?date=2026-11-18&format=pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="daily-sheet.pdf"' in response.headers["content-disposition"]
    assert client.get("/reports/no-such?format=csv").status_code == 404
    assert client.get("/reports/monthly-grid").status_code == 422
    assert client.get("/reports/daily-sheet?format=doc").status_code == 422
    assert "Lista obecności" in client.get("/reports").text
