"""Rendering a `Report`: HTML for the screen and print, PDF from the same HTML, CSV, XLSX.

Money is a `Decimal` in the model; the HTML and PDF show it the Polish way (`1 234,56 zł`),
CSV and XLSX keep the number itself so an accountant's spreadsheet can add it up.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.fees import format_amount
from hub.reports.model import Cell, Report, Section

FORMATS = ("html", "pdf", "csv", "xlsx")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WRAP_AT = 40
"""Characters of a cell beyond which a PDF's column is no wider: the text wraps."""
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def polish_number(value: Cell) -> str:
    """A cell as printed: money the Polish way (`1 234,56`), the rest as it is."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_amount(value)
    return str(value)


_TEMPLATES.filters["cell"] = polish_number


def to_html(report: Report, *, fixed_columns: bool = False) -> str:
    """The print view. `fixed_columns` (for the PDF): each table gets its columns' widths from
    `column_widths` and a fixed layout, which WeasyPrint lays out without measuring every
    cell's content first (a month's grid of 150 children: a third faster). Browsers keep
    the automatic layout: it scrolls sideways on a phone instead of squeezing."""
    widths = None
    if fixed_columns:
        alike = {section.columns: [s for s in report.sections if s.columns == section.columns]
                 for section in report.sections}  # fmt: skip
        widths = [column_widths(alike[section.columns]) for section in report.sections]
    return _TEMPLATES.get_template("report.html").render(report=report, widths=widths)


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


def to_pdf(report: Report) -> bytes:
    """The HTML print view through WeasyPrint (needs Pango, installed by `make`)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Pango library is missing
        raise RuntimeError(
            "PDF needs the Pango library: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc
    return HTML(string=to_html(report, fixed_columns=True)).write_pdf()


def to_csv(report: Report) -> str:
    """One table: a first column names the section when there are several."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    several = len(report.sections) > 1
    for index, section in enumerate(report.sections):
        if index == 0 or section.columns != report.sections[index - 1].columns:
            writer.writerow((["sekcja"] if several else []) + [_plain(name) for name in section.columns])
        for row in (*section.rows, *([section.totals] if section.totals else [])):
            writer.writerow(([_plain(section.title)] if several else []) + [_plain(cell) for cell in row])
    return out.getvalue()


def to_xlsx(report: Report) -> bytes:
    """The same rows as the CSV, with numbers as numbers, in one sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (report.sheet_name or report.name)[:31]
    for row in csv.reader(io.StringIO(to_csv(report))):
        values = [_number_or_text(cell) for cell in row]
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                sheet.cell(row=sheet.max_row, column=column).number_format = "#,##0.00"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(report: Report, fmt: str) -> bytes:
    if fmt == "html":
        return to_html(report).encode()
    if fmt == "pdf":
        return to_pdf(report)
    if fmt == "csv":
        return to_csv(report).encode()
    if fmt == "xlsx":
        return to_xlsx(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula: typed text starting so (a child's name,
a card number) is written with a leading `'`, so opening a report never runs it."""


def _plain(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    if isinstance(cell, str) and len(cell) > 1 and cell.startswith(FORMULA_START):
        return "'" + cell
    return str(cell)


def _number_or_text(text: str) -> str | int | Decimal:
    """CSV text back to what it was: whole numbers and money as numbers, the rest as text."""
    if text.lstrip("-").isdigit() and not (text.startswith("0") and len(text) > 1):
        return int(text)
    whole, dot, fraction = text.lstrip("-").partition(".")
    if dot and whole.isdigit() and fraction.isdigit() and len(fraction) == 2:
        return Decimal(text)
    return text
