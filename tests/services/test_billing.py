"""Fees and meals from stored taps, through the CLI and the reports, checked by hand."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub import reports
from hub.config import Settings
from hub.services import billing
from hub.store import absences, cards, readers, registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.support import trimmed, xlsx_rows_as_csv
from web.cli import cli


def warsaw(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)  # CET, UTC+1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database=tmp_path / "fees.db")
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście")
    registry.add_group(db, "Żabki", author="test")
    child = registry.add_child(
        db,
        first_name="Łucja",
        last_name="Żak",
        group="Żabki",
        birth_date="2022-03-01",
        active_from="2026-09-01",
        author="test",
    )
    cards.assign_card_from_day(
        db,
        uid="04A2B3C4",
        child_id=child["id"],
        author="t",
        day=date(2026, 9, 1),
        tz=settings.tz,
        number="17",
    )
    stays = [(18, (7, 40), (15, 50)), (19, (8, 0), (13, 0)), (20, (6, 55), (16, 5))]
    moments = [warsaw(day, *clock) for day, arrival, departure in stays for clock in (arrival, departure)]
    with db.atomic():
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage("04A2B3C4", seq, 1, 0, None, int(at.timestamp())), at)
                for seq, at in enumerate(moments, 1)
            ],
        )
    db.close()
    return settings


def run(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(settings.database), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_worked_example_to_the_grosz(settings: Settings, tmp_path: Path) -> None:
    # 18 XI: 7:40–15:50 = 8 h 10 min; free 8:00–13:00; paid 20 + 170 min = 3 h 10 min → 3 full hours.
    # 19 XI: 8:00–13:00, all free. 20 XI: 6:55–16:05: paid 65 + 185 = 250 min → 4 full hours.
    db = open_database(settings.database)
    statement = billing.statement(db, settings, 1, 2026, 11)
    by_day = {day.day.day: day for day in statement.days}
    assert (by_day[18].minutes_present, by_day[18].minutes_free, by_day[18].minutes_paid) == (490, 300, 190)
    assert (by_day[18].minutes_billed, by_day[18].fee) == (180, Decimal("4.32"))
    assert by_day[19].fee == Decimal("0.00") and by_day[20].minutes_billed == 240
    assert statement.stay_fee == Decimal("10.08")  # 7 h × 1,44
    report = reports.build("stay-report", db, settings, reports.Period(month=(2026, 11)), child_id=1)
    db.close()
    pdf = tmp_path / "stay.pdf"
    pdf.write_bytes(reports.render(report, "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for expected in ["Łucja Żak", "07:40–15:50", "8 h 10 min", "3 h 10 min", "4,32", "10,08", "1,44"]:
        assert expected in text, expected


def test_a_rate_change_mid_month_and_the_cap_warning(settings: Settings) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--database",
            str(settings.database),
            "fees",
            "set-rate",
            "--from",
            "2026-11-20",
            "--per-hour",
            "1,50",
        ],
    )
    assert result.exit_code == 0 and "Uwaga" in result.output  # above the 1,44 zł cap
    db = open_database(settings.database)
    statement = billing.statement(db, settings, 1, 2026, 11)
    db.close()
    assert [(band.rate.per_hour, band.minutes_billed, band.fee) for band in statement.bands] == [
        (Decimal("1.44"), 180, Decimal("4.32")),
        (Decimal("1.50"), 240, Decimal("6.00")),
    ]


def test_fee_summary_xlsx_equals_csv_and_adds_up(settings: Settings) -> None:
    run(settings, "fees", "set-meal", "--from", "2026-09-01", "--meal", "obiad", "--price", "8,50")
    db = open_database(settings.database)
    report = reports.build("fee-summary", db, settings, reports.Period(month=(2026, 11)))
    db.close()
    rows = list(csv.reader(io.StringIO(reports.render(report, "csv").decode())))
    assert xlsx_rows_as_csv(reports.render(report, "xlsx")) == trimmed(rows)
    child = next(row for row in rows if row[1] == "Żak Łucja")
    # 20 working days in November 2026 (11 XI is a holiday), obiad billed in advance.
    assert child[2:10] == ["17", "7.00", "10.08", "170.00", "0.00", "0.00", "180.08", "0"]


def test_an_absence_reported_before_the_cutoff_changes_the_kitchens_count(settings: Settings) -> None:
    run(settings, "fees", "set-meal", "--from", "2026-09-01", "--meal", "obiad", "--price", "8,50")
    run(settings, "fees", "meal-rules", "--cutoff", "08:00")
    db = open_database(settings.database)
    day = date(2026, 11, 24)
    assert billing.meal_count(db, settings, day) == {"Żabki": {"obiad": 1}}
    absences.report_absence(db, child_id=1, first=day, last=day, reported_by="mama", now=warsaw(24, 8, 30))
    assert billing.meal_count(db, settings, day) == {"Żabki": {"obiad": 1}}  # too late: the meal was made
    absences.report_absence(db, child_id=1, first=day, last=day, reported_by="mama", now=warsaw(24, 7, 59))
    assert billing.meal_count(db, settings, day) == {}
    db.close()


def test_fee_settings_round_trip_and_show(settings: Settings) -> None:
    run(
        settings,
        "fees",
        "set-rules",
        "--from",
        "2026-12-01",
        "--free-hours",
        "5",
        "--rounding",
        "minute",
        "--grace",
        "10",
        "--missing-scan",
        "assume_closing",
    )
    shown = json.loads(run(settings, "fees", "show", "--json"))
    assert shown["rules"][-1] == {
        "valid_from": "2026-12-01",
        "free": {"first_hours": 5},
        "rounding": "minute",
        "rounding_scope": "day",
        "grace_minutes": 10,
        "missing_scan": "assume_closing",
        "assumed_arrival": None,
        "assumed_departure": None,
        "age_exemption": True,
        "basis": "",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fees", "set-rate", "--from", "2026-11-01", "--per-hour", "tanio"], "amount in złoty"),
        (["fees", "set-rate", "--from", "2026-11-01", "--per-hour", "1,444"], "grosze"),
        (["fees", "set-rules", "--from", "2026-11-01"], "--free"),
        (["fees", "set-rules", "--from", "2026-11-01", "--free", "13:00-08:00"], "before its end"),
        (["fees", "set-meal", "--from", "2026-11-01", "--meal", "obiad"], "--price or --stop"),
        (["fees", "meal-rules", "--cutoff", "8 rano"], "HH:MM"),
        (
            ["absences", "report", "--child", "1", "--from", "2026-11-20", "--to", "2026-11-10"],
            "before the first",
        ),
        (["absences", "report", "--child", "9", "--from", "2026-11-20"], "no child"),
        (["report", "stay-report", "--month", "2026-11"], "one child"),
    ],
)
def test_refusals(settings: Settings, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--database", str(settings.database), *args])
    assert result.exit_code != 0 and message in result.output, result.output
