"""Every child's stay report of a month in one PDF (`report stay-report --every-child`): what a
director prints at the month's end, laid out in one Typst run, each report on its own pages
and numbered on its own, each page as the report alone prints it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from hub import reports
from hub.cli.main import cli
from hub.reports import Report, Section
from tests.pages_support import Site
from tests.reports.test_pdf import assert_pdf_a_2b, pdf_text

MONTH = (2026, 11)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site.make(tmp_path_factory.mktemp("every-child"))


def page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def test_each_childs_pages_read_as_the_report_alone(site: Site, tmp_path: Path) -> None:
    db = site.db()
    try:
        every = reports.build_every_child("stay-report", db, site.settings, reports.Period(month=MONTH))
    finally:
        db.close()
    assert [report.facts[0][1] for report in every] == ["Ania Kowalska", "Olek Żak"]  # Motylki, Żabki
    data = reports.render_every_child(every, "pdf")
    assert_pdf_a_2b(data, every[0])
    first = 1
    for report in every:
        alone = reports.render(report, "pdf")
        last = first + page_count(alone) - 1
        part = pdf_text(data, tmp_path, "-layout", "-f", str(first), "-l", str(last))
        assert part == pdf_text(alone, tmp_path, "-layout"), report.facts[0]
        first = last + 1
    assert first - 1 == page_count(data)


def test_page_numbers_and_orientation_are_each_reports_own(tmp_path: Path) -> None:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    rows = tuple((f"Dziecko {number}", Decimal(number)) for number in range(150))
    long = Report("stay-report", "Długi", "listopad 2026", at, (Section("", ("Dziecko", "Kwota zł"), rows),))
    one = (Section("", ("Dziecko",), (("Ola",),)),)
    short = Report("stay-report", "Krótki", "listopad 2026", at, one, landscape=True)
    data = reports.render_every_child([long, short, long], "pdf")
    long_pages = page_count(reports.render(long, "pdf"))
    assert long_pages > 1 and page_count(data) == 2 * long_pages + 1
    numbers = [
        pdf_text(data, tmp_path, "-f", str(page), "-l", str(page)).split("str. ")[-1].split()
        for page in range(1, page_count(data) + 1)
    ]
    one_long = [[str(page), "/", str(long_pages)] for page in range(1, long_pages + 1)]
    assert numbers == [*one_long, ["1", "/", "1"], *one_long]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        wide = [float(page.mediabox[2]) > float(page.mediabox[3]) for page in pdf.pages]
    assert wide == [False] * long_pages + [True] + [False] * long_pages


def cli_run(site: Site, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--database", str(site.settings.database), "report", *args])
    return result.exit_code, result.output


def test_the_command_writes_one_pdf_of_a_group(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "zestawienia.pdf"
    code, output = cli_run(site, "stay-report", "--month", "2026-11", "--every-child", "--group", "Żabki",
                           "-o", str(out))  # fmt: skip
    assert code == 0, output
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Olek Żak" in text and "Ania" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stay-report", "--month", "2026-11", "--every-child", "--format", "csv"], "one PDF"),
        (["fee-summary", "--month", "2026-11", "--every-child"], "not made for every child"),
        (["stay-report", "--month", "2026-11", "--every-child", "--child", "1"], "not both"),
        (["stay-report", "--every-child"], "needs a month"),
        (["stay-report", "--month", "2020-01", "--every-child"], "No child was enrolled in 2020-01"),
        (["stay-report", "--month", "2026-11", "--every-child", "--group", "Sowy"], "Sowy"),
    ],
)
def test_refusals(site: Site, args: list[str], message: str) -> None:
    code, output = cli_run(site, *args)
    assert code != 0 and message in output, output
