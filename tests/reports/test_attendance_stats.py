"""The `attendance-stats` report (Frekwencja) in every format, read back as a director or an
accountant would: the PDF's text, the CSV parsed, the XLSX's cells with openpyxl; and from
the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hub import reports
from hub.config import Settings
from hub.refusal import Refusal
from hub.reports.attendance_stats import COLUMNS, attendance_stats
from hub.reports.model import Minutes, Percent
from hub.store import absences, registry
from hub.store.db import open_database
from tests.test_reports import pdf_text
from tests.test_reports import settings as reports_settings
from web.cli import cli

settings = reports_settings
"""The reports' kindergarten: Żabki with Kłos Jędrzej and Żak Łucja, who came on 17 November
2026 (08:00, and a teacher's departure at 16:00) and 18 November (07:40–15:05)."""
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def november(settings: Settings, **kwargs) -> reports.Report:
    db = open_database(settings.database)
    try:
        absences.report_absence(
            db, child_id=2, first=date(2026, 11, 19), last=date(2026, 11, 20), reported_by="mama"
        )
        return attendance_stats(db, settings, month=(2026, 11), now=NOW, **kwargs)
    finally:
        db.close()


def test_a_month_of_one_group(settings: Settings) -> None:
    report = november(settings, group="Żabki")
    [group] = report.sections
    assert group.columns == ("Dziecko", *COLUMNS)
    # November 2026: 21 weekdays, the 11th Independence Day (the 1st is a Sunday): 20 open.
    assert group.rows == (
        ("Kłos Jędrzej", 20, 0, 2, 18, 0, 1, None, Percent("0.0")),
        ("Żak Łucja", 20, 2, 0, 18, 0, 1, Minutes(463), Percent("10.0")),  # 480 and 445 minutes
    )
    assert group.totals == ("Razem", 40, 2, 2, 36, 0, 2, Minutes(463), Percent("5.0"))
    assert report.subtitle == "listopad 2026 — grupa Żabki"
    assert ("Dni pracy przedszkola", "20") in report.facts


def test_the_whole_kindergarten_lists_groups_first(settings: Settings) -> None:
    db = open_database(settings.database)
    registry.add_group(db, "Biedronki", author="test")
    db.close()
    report = november(settings)
    assert [section.title for section in report.sections] == [
        "Całe przedszkole",
        "Grupa Biedronki",
        "Grupa Żabki",
    ]
    whole = report.sections[0]
    assert whole.rows[0][:2] == ("Biedronki", 0) and whole.rows[1][:3] == ("Żabki", 2, 40)
    assert report.sections[1].note == "Żadne dziecko nie było zapisane w tym okresie."


def test_in_every_format(settings: Settings, tmp_path: Path) -> None:
    report = november(settings, group="Żabki")
    text = pdf_text(reports.render(report, "pdf"), tmp_path)
    for expected in [
        "Frekwencja",
        "listopad 2026",
        "Grupa Żabki",
        "Żak Łucja",
        "7 h 43 min",
        "10,0 %",
        "Razem",
    ]:
        assert expected in text, expected
    html = reports.render(report, "html").decode()
    assert "10,0\u00a0%" in html and "size: A4 landscape" in html
    rows = list(csv.reader(io.StringIO(reports.render(report, "csv").decode())))
    assert rows[0] == ["Dziecko", *COLUMNS]
    assert rows[2] == ["Żak Łucja", "20", "2", "0", "18", "0", "1", "7:43", "10.0"]
    assert rows[3][0] == "Razem" and rows[3][-1] == "5.0"
    sheet = load_workbook(io.BytesIO(reports.render(report, "xlsx"))).active
    assert sheet is not None
    assert sheet["A3"].value == "Żak Łucja" and sheet["C3"].value == 2
    assert sheet["I3"].value == pytest.approx(0.1) and sheet["I3"].number_format == "0.0%"
    assert (
        sheet["H3"].value == timedelta(hours=7, minutes=43) and sheet["H3"].number_format == "[h]:mm"
    )  # a duration
    assert sheet["H2"].value is None  # Jędrzej has no stay to average


def test_a_school_year_ends_month_by_month(settings: Settings) -> None:
    db = open_database(settings.database)
    report = attendance_stats(db, settings, start_year=2026, now=NOW)
    db.close()
    assert report.subtitle == "rok szkolny 2026/2027 — całe przedszkole"
    months = report.sections[-1]
    assert months.title == "Miesiąc po miesiącu"
    # Asked on 1 December before closing: December's one day is still to resolve.
    assert [row[0] for row in months.rows] == [
        "wrzesień 2026", "październik 2026", "listopad 2026", "grudzień 2026",
    ]  # fmt: skip
    assert months.rows[-1][1:6] == (0, 0, 0, 0, 2)
    assert months.totals is not None and months.totals[2] == 2  # Łucja's two days
    assert ("Policzone dni", "01.09.2026 – 01.12.2026") in report.facts


def test_it_needs_a_month_or_a_school_year(settings: Settings) -> None:
    db = open_database(settings.database)
    try:
        for period in (reports.Period(), reports.Period(month=(2026, 11), school_year=2026)):
            with pytest.raises(Refusal) as refused:
                reports.build("attendance-stats", db, settings, period)
            assert refused.value.code == "report.needs_month_or_year"
        built = reports.build("attendance-stats", db, settings, reports.Period(school_year=2026))
        assert built.name == "attendance-stats"
    finally:
        db.close()
    assert Decimal(Percent("93.5")) == Decimal("93.5")


def test_from_the_command_line(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "frekwencja.xlsx"
    base = ["--database", str(settings.database), "report", "attendance-stats"]
    result = CliRunner().invoke(
        cli, [*base, "--school-year", "2026", "--group", "Żabki", "--format", "xlsx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [load_workbook(out).active[cell].value for cell in ("A2", "B2")] == ["Grupa Żabki", "Kłos Jędrzej"]
    as_csv = CliRunner().invoke(cli, [*base, "--month", "2026-11", "--format", "csv"])
    assert as_csv.exit_code == 0 and "Żak Łucja" in as_csv.output
    bad = CliRunner().invoke(cli, base)
    assert bad.exit_code == 1 and "needs a month" in bad.output
    wrong = CliRunner().invoke(cli, [*base, "--school-year", "1999"])
    assert wrong.exit_code == 2


def test_the_statistics_command_as_a_table_and_json(settings: Settings) -> None:
    base = ["--database", str(settings.database), "attendance-stats"]
    table = CliRunner().invoke(cli, [*base, "--month", "2026-11", "--group", "Żabki"])
    assert table.exit_code == 0, table.output
    assert "Grupa Żabki" in table.output and "Żak Łucja" in table.output
    as_json = CliRunner().invoke(cli, [*base, "--school-year", "2026", "--json"])
    assert as_json.exit_code == 0, as_json.output
    found = json.loads(as_json.output)
    [group] = found["groups"]
    lucja = next(child for child in group["children"] if child["name"] == "Żak Łucja")
    assert (lucja["present"], lucja["stay_minutes"], lucja["average_stay_minutes"]) == (2, 925, 463)
    assert found["first"] == "2026-09-01" and found["last"] == "2027-08-31"
    assert [month["month"] for month in found["months"]][:3] == ["2026-09", "2026-10", "2026-11"]
    assert sum(month["present"] for month in found["months"]) == found["total"]["present"] == 2
    for wrong in ([], ["--month", "2026-11", "--school-year", "2026"], ["--month", "2026-13"]):
        assert CliRunner().invoke(cli, [*base, *wrong]).exit_code == 2, wrong
    unknown = CliRunner().invoke(cli, [*base, "--month", "2026-11", "--group", "Nikt"])
    assert unknown.exit_code == 1
