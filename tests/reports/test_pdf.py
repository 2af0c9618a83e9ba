"""Every report's PDF is a PDF/A-2b an archive keeps, and text typed by staff is printed as it is.

No PDF/A validator is installable here (veraPDF needs Java and its own download; Debian has
none), so each PDF is read back with pikepdf for what PDF/A-2b asks of it: the XMP
`pdfaid` part 2 conformance B, an sRGB output intent with its ICC profile, every font
embedded (here DejaVu Sans, with the Polish letters), no encryption; and with pdftotext for
what a person reads: the title, the Polish letters, "str. 1 / N" on the pages.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from hub import reports
from hub.reports import Report, Section, pdf
from hub.store import corrections, registry
from tests.pages_support import Site

DAY = date(2026, 11, 18)
A4 = (595.28, 841.89)
MARKUP = [
    '#import "@preview/cetz:0.3.0": *',
    '#panic("boom")',
    "#{sys.inputs}",
    "]",
    "[",
    "*gruby*",
    "_pochyły_",
    "$x^2$",
    "\\",
    '"cudzysłów"',
    "<script>alert(1)</script>",
    "<etykieta>",
    "@etykieta",
    "`surowy`",
    "// komentarz",
    "= Nagłówek",
    "- punkt",
    "~",
]
"""Typst's markup and code (an import, a call, a block, brackets, strong, emphasis, maths, an
escape, a label and a reference, raw text, a comment, a heading, a list) and HTML."""


def pdf_text(data: bytes, tmp_path: Path, *layout: str) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    command = ["pdftotext", *layout, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def squeezed(text: str) -> str:
    """Text without whitespace: a long cell wraps where the layout needs (read with `-raw`,
    a cell's lines come together, not interleaved with the next column's)."""
    return re.sub(r"\s+", "", text)


def fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font the pages use, their form XObjects' included."""
    seen: set[tuple[int, int]] = set()

    def walk(resources: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
        for font in resources.get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                yield from walk(xobject.Resources)

    for page in pdf.pages:
        yield from walk(page.Resources)


def assert_pdf_a_2b(data: bytes, report: Report) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted
        metadata = pdf.open_metadata()
        assert metadata.pdfa_status == "2B"
        assert metadata["dc:title"].startswith(report.title)
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1"
        assert intents[0].DestOutputProfile.N == 3  # an RGB ICC profile, embedded
        used = list(fonts(pdf))
        assert used
        for font in used:
            descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).FontDescriptor
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font.BaseFont
            assert "DejaVuSans" in str(font.BaseFont)
        width, height = sorted(float(side) for side in pdf.pages[0].mediabox[2:])
        assert (round(width, 1), round(height, 1)) == (round(A4[0], 1), round(A4[1], 1))
        wide = float(pdf.pages[0].mediabox[2]) > float(pdf.pages[0].mediabox[3])
        assert wide == report.landscape


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site.make(tmp_path_factory.mktemp("pdf"))
    db = site.db()
    corrections.add_correction(
        db, child_id=site.ania, day=DAY, kind="mark_absent", at=None, reason="choroba", author="Łucja"
    )
    db.close()
    return site


def build(site: Site, name: str, child_id: int | None = None) -> Report:
    db = site.db()
    try:
        period = reports.Period(day=DAY, month=(DAY.year, DAY.month), first=DAY, last=DAY)
        return reports.build(name, db, site.settings, period, child_id=child_id or site.ania)
    finally:
        db.close()


@pytest.mark.parametrize("name", sorted(reports.REPORTS))
def test_every_report_is_a_pdf_a_2b_with_its_fonts_and_page_numbers(
    site: Site, name: str, tmp_path: Path
) -> None:
    report = build(site, name)
    data = reports.render(report, "pdf")
    assert_pdf_a_2b(data, report)
    text = pdf_text(data, tmp_path)
    assert report.title in text
    pages = len(pikepdf.open(io.BytesIO(data)).pages)
    assert f"str. 1 / {pages}" in text


def test_polish_letters_are_printed_and_searchable(site: Site, tmp_path: Path) -> None:
    report = Report(
        "daily-sheet", "Zażółć gęślą jaźń", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", datetime(2026, 11, 18, 9, 5, tzinfo=UTC),
        (Section("Grupa Żabki", ("Dziecko", "Kwota zł"), (("Śliwińska Łucja", Decimal("1234.5")),)),),
    )  # fmt: skip
    data = reports.render(report, "pdf")
    assert_pdf_a_2b(data, report)
    text = pdf_text(data, tmp_path, "-layout")
    printed = text.replace("\u00a0", " ")
    for words in ("Zażółć gęślą jaźń", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "Śliwińska Łucja", "1 234,50", "18.11.2026"):
        assert words in printed


def test_typst_markup_in_any_field_is_printed_literally(tmp_path: Path) -> None:
    """Each field of the model holds every payload: the PDF shows each as typed, none runs
    (an import or a panic would fail the compile, markup would change or drop characters)."""
    text = " ".join(MARKUP)
    report = Report(
        "stay-report", f"Tytuł {text}", f"Podtytuł {text}", datetime(2026, 11, 18, tzinfo=UTC),
        (
            Section(f"Sekcja {text}", ("Dziecko", f"Powód {MARKUP[0]}", "Kwota"),
                    tuple((f"Dziecko {payload}", f"Powód {payload}", Decimal(1)) for payload in MARKUP),
                    totals=(f"Razem {MARKUP[1]}", "]", Decimal(len(MARKUP))), note=f"Uwaga {text}"),
        ),
        facts=tuple((f"Etykieta {payload}", f"Wartość {payload}") for payload in MARKUP),
        signature=f"Podpis {text}", legend=f"Legenda {text}", landscape=True,
    )  # fmt: skip
    data = reports.render(report, "pdf")
    assert_pdf_a_2b(data, report)
    printed = squeezed(pdf_text(data, tmp_path, "-raw"))
    for label in ("Tytuł", "Podtytuł", "Sekcja", "Uwaga", "Podpis", "Legenda"):
        assert squeezed(f"{label} {text}") in printed, label
    for payload in MARKUP:
        for label in ("Dziecko", "Powód", "Etykieta", "Wartość"):
            assert squeezed(f"{label} {payload}") in printed, (label, payload)


def test_names_and_reasons_typed_by_staff_are_printed_literally(site: Site, tmp_path: Path) -> None:
    """Through the registry and a teacher's correction, as the journal's forms store them."""
    db = site.db()
    child = registry.add_child(
        db, first_name='#import "x": *', last_name="$\\]*", group=site.motylki, active_from="2026-09-01",
        author="test",
    )["id"]  # fmt: skip
    corrections.add_correction(
        db, child_id=child, day=DAY, kind="mark_absent", at=None, reason='<script>"]#panic()', author="t"
    )
    db.close()
    for name in ("daily-sheet", "monthly-grid", "stay-report"):
        report = build(site, name, child_id=child)
        printed = squeezed(pdf_text(reports.render(report, "pdf"), tmp_path, "-raw"))
        names = (squeezed('$\\]* #import "x": *'), squeezed('#import "x": * $\\]*'))
        assert any(shown in printed for shown in names), name
        if name == "daily-sheet":
            assert squeezed('<script>"]#panic()') in printed


def test_without_the_dejavu_fonts_the_pdf_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No silent fallback to another font (which might lack Polish letters): a clear error."""
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")  # the regular face alone is not enough
    monkeypatch.setattr(pdf, "FONT_FOLDERS", (tmp_path,))
    pdf._fonts.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="apt-get install fonts-dejavu-core"):
            reports.render(Report("x", "Tytuł", "", datetime(2026, 11, 18, tzinfo=UTC), ()), "pdf")
    finally:
        pdf._fonts.cache_clear()


def test_pdfs_made_in_several_threads_at_once_each_show_their_own_report(tmp_path: Path) -> None:
    """The web renders in a thread pool: no PDF may get another request's data."""
    titles = [f"Raport {number} — Żabki" for number in range(8)]

    def make(title: str) -> bytes:
        at = datetime(2026, 11, 18, tzinfo=UTC)
        return reports.render(Report("x", title, "", at, (Section("", ("Dziecko",), ((title,),)),)), "pdf")

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(make, titles))
    for title, data in zip(titles, made, strict=True):
        text = pdf_text(data, tmp_path)
        assert text.count(title) == 2 and all(other not in text for other in titles if other != title)
