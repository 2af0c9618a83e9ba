"""The stay report of the month in progress: the days so far, never the ones to come, and
its rules under one "Zasady"."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

from hub import reports
from hub.timefmt import utc_now
from tests.journal_support import ANIA_CARD, give_cards, store_tap
from tests.pages_support import Site


def test_no_future_days_and_the_rules_labelled_once(tmp_path: Path) -> None:
    site = Site.make(tmp_path)
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    now = utc_now()
    store_tap(db, 1, ANIA_CARD, now - timedelta(minutes=30))
    today = now.astimezone(site.settings.tz).date()
    report = reports.build(
        "stay-report", db, site.settings, reports.Period(month=(today.year, today.month)), child_id=site.ania
    )
    db.close()
    shown = [row[0] for row in report.sections[0].rows]
    assert f"{today:%d.%m}" in shown
    assert all(day <= f"{today:%d.%m}" for day in shown), shown
    assert [label for label, _ in report.facts].count("Zasady") == 1
    assert len([label for label, _ in report.facts if label in ("Zasady", "")]) > 1
    path = tmp_path / "stay.pdf"
    path.write_bytes(reports.render(report, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert len(re.findall(r"\bZasady\b", text)) == 1
    tomorrow = today + timedelta(days=1)
    if tomorrow.month == today.month:
        assert f"{tomorrow:%d.%m}" not in text
