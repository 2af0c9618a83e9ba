"""A report as a PDF/A-2b, laid out by the Typst compiler (PyPI `typst`) from the report model.

The template (`templates/report.typ`) is fixed; the report reaches it only as JSON in
`sys.inputs`, so no text typed by staff (a child's name, a reason, a topic) can become Typst
markup or code. Fonts: DejaVu Sans from Debian's `fonts-dejavu-core` (what the HTML print
view asks for first), given to Typst by path, so every glyph comes from it and is embedded;
Typst's own fonts and the system's others are not used. bench/README.md has the figures
that chose Typst over WeasyPrint (a month's grid of 150 children: 19× less CPU time).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from hub.reports.model import Cell, Report, Section
from hub.reports.render import polish_number

if TYPE_CHECKING:
    import typst

TEMPLATE = Path(__file__).parent / "templates" / "report.typ"
FONT_FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"),)
"""Where Debian's fonts-dejavu-core puts DejaVuSans.ttf and DejaVuSans-Bold.ttf."""
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
WRAP_AT = 40
"""Characters of a cell beyond which a PDF's column is no wider: the text wraps."""
PDF_STANDARD: Final = "a-2b"
"""PDF/A-2b: what an archive keeps (fonts embedded, an output intent, XMP metadata)."""


def to_pdf(report: Report) -> bytes:
    """`report` as a PDF/A-2b document: A4 (landscape where the report says so), numbered
    pages, the DejaVu fonts embedded."""
    return bundle_to_pdf([report])


def bundle_to_pdf(reports: Sequence[Report]) -> bytes:
    """Several reports as one PDF/A-2b document, each from a new page and numbered on its own
    ("str. 1 / 3"), each page as `to_pdf` lays it out alone. One Typst run for them all:
    every child's stay report of a month takes about half the time of one run per child
    (bench/README.md). The document's title and timestamp are the first report's."""
    import typst

    if not reports:
        raise ValueError("a PDF needs at least one report")
    data = json.dumps([report_data(report) for report in reports], ensure_ascii=False)
    # A compiler per PDF (a fraction of a millisecond with the fonts read once): a compiler
    # keeps its inputs between calls, and the web renders PDFs in several threads at once.
    compiler = typst.Compiler(TEMPLATE, root=TEMPLATE.parent, font_paths=_fonts(), ignore_system_fonts=True)
    pdf = compiler.compile(
        format="pdf",
        sys_inputs={"reports": data},
        pdf_standards=PDF_STANDARD,
        timestamp=reports[0].generated_at.astimezone(UTC).replace(microsecond=0),
    )
    assert isinstance(pdf, bytes)  # one document, no output path: the bytes
    return pdf


def report_data(report: Report) -> dict[str, Any]:
    """The report as the template reads it: every cell as printed (money the Polish way), a
    number as {"n": text} so it is aligned right, and each table's column widths (tables
    with the same columns get the same widths, so they line up)."""
    alike = {s.columns: [other for other in report.sections if other.columns == s.columns]
             for s in report.sections}  # fmt: skip

    def cell(value: Cell) -> str | dict[str, str]:
        shown = polish_number(value)
        return {"n": shown} if isinstance(value, int | Decimal) else shown

    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "landscape": report.landscape,
        "facts": [[label, value] for label, value in report.facts],
        "sections": [
            {
                "title": section.title,
                "columns": list(section.columns),
                "widths": column_widths(alike[section.columns]),
                "rows": [[cell(value) for value in row] for row in section.rows],
                "totals": None if section.totals is None else [cell(value) for value in section.totals],
                "note": section.note,
            }
            for section in report.sections
        ],
        "legend": report.legend,
        "signature": report.signature,
        "generated": report.generated_at.strftime("%d.%m.%Y %H:%M"),
    }


def column_widths(sections: list[Section]) -> list[float]:
    """The share of the table's width, in percent, of each column of `sections` (tables with
    the same columns, so they line up): its longest cell as printed (at most `WRAP_AT`
    characters: longer text wraps) or its heading's longest word, plus two for padding."""
    columns = sections[0].columns
    lines = [line for s in sections for line in (*s.rows, *([s.totals] if s.totals else []))]
    needs = [
        max(
            min(max((len(polish_number(line[index])) for line in lines), default=0), WRAP_AT),
            max((len(word) for word in column.split()), default=0),
        )
        + 2
        for index, column in enumerate(columns)
    ]
    return [round(100 * need / sum(needs), 2) for need in needs]


@cache
def _fonts() -> typst.Fonts:
    """DejaVu Sans, read once per process at the first PDF; no other font."""
    import typst

    folders = [folder for folder in FONT_FOLDERS if all((folder / name).is_file() for name in FONT_FILES)]
    if not folders:
        raise RuntimeError("PDF needs the DejaVu fonts: apt-get install fonts-dejavu-core")
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=folders)
