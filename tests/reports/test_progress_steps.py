"""`ewidencjoner report` shows a progress bar out of `reports.progress_steps`: each report
that reports progress counts exactly that many steps (the fee summary counts children, so a
city's bar moves while its month is computed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub import reports
from hub.store.db import open_database
from tests.services.test_days_range import build

TAPS = [("wejscie", uid, day * 24 * 60 + minute, True) for uid in ("04B2", "04C3")
        for day in range(9) for minute in (7 * 60, 15 * 60)]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "period", "group"),
    [
        ("fee-summary", reports.Period(month=(2026, 10)), None),
        ("fee-summary", reports.Period(month=(2026, 10)), "Żabki"),
        ("monthly-grid", reports.Period(month=(2026, 10)), None),
        ("daily-sheet", reports.Period(day=date(2026, 10, 21)), None),
        ("stay-report", reports.Period(month=(2026, 10)), None),
    ],
)
def test_a_report_reports_the_steps_its_bar_is_out_of(
    tmp_path: Path, name: str, period: reports.Period, group: str | None
) -> None:
    settings = build(tmp_path / "progress.db", TAPS, 0, 10 * 24 * 60)
    db = open_database(settings.database)
    done: list[int] = []
    reports.build(name, db, settings, period, group=group, child_id=1, progress=done.append)
    steps = reports.progress_steps(name, db, period, group)
    assert sum(done) == (steps if done else 0)
    assert steps == {"fee-summary": 3, "monthly-grid": 31, "daily-sheet": 1, "stay-report": 1}[name]
