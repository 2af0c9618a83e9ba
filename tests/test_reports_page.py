"""The reports page: each report the account may make, with a print view and downloads, its
fields labelled; an inspector reads only what was granted, a parent only their child's stay
report, fee account statement and reminder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from hub.store import audit
from tests.pages_support import Site

ATTENDANCE = ["daily-sheet", "monthly-grid", "evacuation", "reader-health", "attendance-stats"]
FEES = ["stay-report", "fee-summary", "meal-count", "ledger-statement", "reminder", "receivables", "arrears"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site.make(tmp_path_factory.mktemp("reports"))
    site.client("inspector", granted=["reports.attendance"])
    return site


def listed(html: str) -> list[str]:
    return re.findall(r'<h2 id="report-([a-z-]+)"', html)


@pytest.mark.parametrize(
    ("role", "reports"),
    [
        ("director", ATTENDANCE + FEES),
        ("secretary", ATTENDANCE + FEES),
        ("teacher", ATTENDANCE),
        ("inspector", ATTENDANCE),
        ("parent", ["stay-report", "ledger-statement", "reminder"]),
    ],
)
def test_each_account_sees_the_reports_it_may_make(site: Site, role: str, reports: list[str]) -> None:
    page = site.client(role).get("/reports").text
    assert sorted(listed(page)) == sorted(reports)
    for name in reports:
        form = page.split(f'<h2 id="report-{name}"')[1].split("</form>")[0]
        assert '<button type="submit" name="format" value="html">' in form
        assert all(f'value="{fmt}"' in form for fmt in ("pdf", "csv", "xlsx"))
        for field_id in re.findall(r'<(?:input|select) id="([^"]+)"', form):
            assert f'<label for="{field_id}">' in form, (name, field_id)


def test_a_parent_chooses_only_their_own_child(site: Site) -> None:
    parent = site.client("parent")
    form = parent.get("/reports").text.split('id="report-stay-report"')[1]
    assert f'<option value="{site.ania}"' in form and f'<option value="{site.olek}"' not in form
    own = parent.get(f"/reports/stay-report?month=2026-11&child={site.ania}&format=html")
    assert own.status_code == 200 and "Kowalska" in own.text
    assert parent.get(f"/reports/stay-report?month=2026-11&child={site.olek}").status_code == 403
    assert parent.get("/reports/meal-count").status_code == 403
    assert parent.get("/reports/daily-sheet").status_code == 403
    with site.db() as db:
        refused = [(row["path"], row["right"]) for row in audit.denials(db)[:3]]
    assert refused == [
        ("/reports/daily-sheet", "reports.attendance"),
        ("/reports/meal-count", "reports.fees"),
        ("/reports/stay-report", "reports.fees"),
    ]


def test_an_inspector_reads_only_what_was_granted(site: Site) -> None:
    inspector = site.client("inspector")
    assert inspector.get("/reports/daily-sheet?date=2026-11-18").status_code == 200
    assert inspector.get("/reports/fee-summary?month=2026-11").status_code == 403


def test_downloads_for_one_group_or_all(site: Site) -> None:
    secretary = site.client("secretary")
    every = secretary.get("/reports/monthly-grid?month=2026-11&group=&format=csv")
    assert every.status_code == 200 and every.headers["content-disposition"].startswith("attachment;")
    assert "Kowalska" in every.text and "Żak" in every.text
    one = secretary.get(f"/reports/monthly-grid?month=2026-11&group={site.zabki}&format=csv")
    assert "Żak" in one.text and "Kowalska" not in one.text


def test_the_director_downloads_every_childs_stay_report_in_one_pdf(site: Site, tmp_path: Path) -> None:
    director = site.client("director")
    form = director.get("/reports").text.split('<h3 id="every-stay-report"')[1].split("</form>")[0]
    assert '<input type="hidden" name="every_child" value="true">' in form
    for field_id in re.findall(r'<(?:input|select) id="([^"]+)"', form):
        assert f'<label for="{field_id}">' in form, field_id
    every = director.get("/reports/stay-report?month=2026-11&group=&every_child=true&format=pdf")
    assert every.status_code == 200 and every.headers["content-type"] == "application/pdf"
    assert every.headers["content-disposition"] == 'attachment; filename="stay-report-every-child.pdf"'
    path = tmp_path / "every.pdf"
    path.write_bytes(every.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ania Kowalska" in text and "Olek Żak" in text
    one_group = director.get(
        f"/reports/stay-report?month=2026-11&group={site.zabki}&every_child=true&format=pdf"
    )
    path.write_bytes(one_group.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Olek Żak" in text and "Ania" not in text


def test_every_childs_stay_report_is_for_fee_staff_and_a_pdf(site: Site) -> None:
    assert 'id="every-stay-report"' not in site.client("parent").get("/reports").text
    own = f"/reports/stay-report?month=2026-11&child={site.ania}&every_child=true&format=pdf"
    assert site.client("parent").get(own).status_code == 403  # their own child's is not everyone's
    assert site.client("teacher").get(own).status_code == 403
    csv = site.client("secretary").get("/reports/stay-report?month=2026-11&every_child=true&format=csv")
    assert csv.status_code == 422 and "PDF" in csv.text
    grid = site.client("secretary").get("/reports/monthly-grid?month=2026-11&every_child=true&format=pdf")
    assert grid.status_code == 422
