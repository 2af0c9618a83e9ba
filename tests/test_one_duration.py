"""One visit, one duration: a stay lasts from the clock minute printed for its arrival to the
one printed for its departure, and `day --json`, the API, the parent's page, the stay report
and the fee all say the same (taps at 07:42:10 and 15:31:05: "07:42–15:31", 7 h 49 min,
though 7 h 48 min 55 s of real time passed)."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from hub import reports
from hub.rules.attendance import Tap, compute_day, local_instant, stay_minutes
from hub.rules.attendance.calendar import WARSAW
from hub.rules.fees import day_fee
from hub.rules.fees.settings import Child, FeeSettings
from tests.journal_support import ANIA_CARD, give_cards, store_tap
from tests.pages_support import Site
from web.cli import cli

WEDNESDAY = date(2026, 11, 18)


def at(wall: str, day: date = WEDNESDAY) -> datetime:
    return local_instant(day, time.fromisoformat(wall), WARSAW)


@pytest.mark.parametrize(
    ("arrival", "departure", "minutes"),
    [
        ("07:42:10", "15:31:05", 469),  # the day: 07:42–15:31
        ("07:42:59", "15:31:00", 469),  # the last and the first second of the printed minutes
        ("07:42:00", "15:31:59", 469),
        ("07:42:00", "07:42:59", 0),  # one printed minute: "07:42–07:42"
        ("07:59:59", "08:00:00", 1),  # one second apart, across a minute: "07:59–08:00"
        ("07:00:00.999", "08:00:00", 60),  # a fraction of a second is still 07:00
    ],
)
def test_worked_examples_at_second_boundaries(arrival: str, departure: str, minutes: int) -> None:
    assert stay_minutes(at(arrival), at(departure)) == minutes


def test_across_the_dst_changes_real_time_counts() -> None:
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    # 01:59:30 to 03:00:10 on the spring change: printed 01:59–03:00, one minute passed.
    assert stay_minutes(at("01:59:30", spring), at("03:00:10", spring)) == 1
    # 07:00 to 15:00 on the autumn change day: the clocks went back at 03:00, 8 h passed.
    assert stay_minutes(at("07:00:00", autumn), at("15:00:00", autumn)) == 480
    with pytest.raises(ValueError, match="before start"):
        stay_minutes(at("08:00:00"), at("07:59:59"))


def child_tap(number: int, moment: datetime) -> Tap:
    return Tap(reader_id="wejscie", seq=number, child_id=1, at=moment, time_quality="clock", mode="toggle")


@given(
    st.integers(min_value=6 * 3600, max_value=12 * 3600 - 1),
    st.integers(min_value=61, max_value=6 * 3600),
    st.integers(min_value=0, max_value=999_999),
)
def test_the_days_minutes_are_the_fees_present_minutes(start_s: int, length_s: int, micro: int) -> None:
    """Whatever the seconds, the day's visit lasts what the fee rules bill as present."""
    arrival = at("00:00:00") + timedelta(seconds=start_s, microseconds=micro)
    departure = arrival + timedelta(seconds=length_s)
    result = compute_day(1, WEDNESDAY, [child_tap(1, arrival), child_tap(2, departure)], now=at("23:00:00"))
    assert len(result.visits) == 1
    fee = day_fee(result, Child(1, date(2021, 1, 1)), FeeSettings())
    assert result.minutes == fee.minutes_present == stay_minutes(arrival, departure)
    printed = [e.at.astimezone(WARSAW).strftime("%H:%M") for e in result.events]
    hours, minutes = (int(part) for part in printed[1].split(":"))
    start_h, start_m = (int(part) for part in printed[0].split(":"))
    assert result.minutes == (hours * 60 + minutes) - (start_h * 60 + start_m)


# -- everywhere it shows ---------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """Ania's card tapped at 07:42:10 and 15:31:05 on Wednesday 18 November 2026."""
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    store_tap(db, 1, ANIA_CARD, at("07:42:10"))
    store_tap(db, 2, ANIA_CARD, at("15:31:05"))
    db.close()
    return site


def test_day_json_the_api_the_parents_page_and_the_stay_report_agree(site: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--database", str(site.settings.database), "day", "--date", "2026-11-18", "--json"]
    )
    assert result.exit_code == 0, result.output
    ania = next(entry for entry in json.loads(result.output) if entry["child_id"] == site.ania)
    assert ania["minutes"] == 469

    parent = site.client("parent").get(f"/parent/children/{site.ania}?month=2026-11").text
    assert "07:42" in parent and "15:31" in parent and "7:49" in parent and "7:48" not in parent

    api = site.client("teacher").get("/api/days", params={"date": "2026-11-18", "group": "Motylki"}).json()
    assert next(e for e in api if e["child_id"] == site.ania)["minutes"] == 469

    db = site.db()
    report = reports.build(
        "stay-report", db, site.settings, reports.Period(month=(2026, 11)), child_id=site.ania
    )
    db.close()
    path = tmp_path / "stay.pdf"
    path.write_bytes(reports.render(report, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    line = next(row for row in text.splitlines() if "07:42" in row)
    assert "15:31" in line and "7 h 49 min" in line
