"""Rendering a `Report`: HTML for the screen and print, PDF (Typst, `pdf.py`), CSV, XLSX.

Money is a `Decimal` in the model; the HTML and PDF show it the Polish way (`1 234,56 zł`),
CSV and XLSX keep the number itself so an accountant's spreadsheet can add it up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from hub.refusal import N_, Refusal
from hub.reports.model import Cell, Minutes, Percent, Report
from hub.rules.fees import format_amount, format_minutes

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = ("html", "pdf", "csv", "xlsx")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def polish_number(value: Cell) -> str:
    """A cell as printed: money the Polish way (`1 234,56`), a percentage `93,5 %`, a duration
    `7 h 45 min`, the rest as it is."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        kind = "percent"
    elif isinstance(value, Minutes):
        kind = "minutes"
    elif isinstance(value, Decimal):
        kind = "amount"
    else:
        return str(value)
    # Babel takes about 0.1 ms a number and a month's 150 stay reports print 36,000 of them,
    # mostly the same few hundred: each is formatted once, keyed by its kind and exact text
    # (a Percent is never printed as the Decimal of the same value, nor −0 as 0).
    return _printed(kind, str(value))


@lru_cache(maxsize=8192)
def _printed(kind: str, text: str) -> str:
    if kind == "percent":
        return f"{format_decimal(Decimal(text), '#,##0.0', locale='pl')}\u00a0%"
    if kind == "minutes":
        return format_minutes(int(text))
    return format_amount(Decimal(text))


@cache
def _templates() -> Environment:
    """Made at the first HTML or PDF, so that commands which render none (every
    `ewidencjoner` command imports this module for the report names) start without Jinja."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    templates = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["cell"] = polish_number
    return templates


def to_html(report: Report) -> str:
    """The print view: the browser's print and the screen (tables lay out automatically, and
    scroll sideways on a phone instead of squeezing)."""
    return _templates().get_template("report.html").render(report=report)


def to_pdf(report: Report) -> bytes:
    """The report as a PDF/A-2b laid out by Typst (`pdf.py`), from the same model."""
    from hub.reports import pdf

    return pdf.to_pdf(report)


def to_csv(report: Report) -> str:
    """One table: a first column names the section when there are several."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in _table(report):
        writer.writerow([_plain(cell) for cell in line])
    return out.getvalue()


def to_xlsx(report: Report) -> bytes:
    """The CSV's table in one sheet, written from the model: money and whole numbers as
    numbers, text as text (openpyxl never reads a string as a number: a note "2026" stays
    text), typed text guarded as in the CSV so that no cell becomes a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = (report.sheet_name or report.name)[:31]
    for line in _table(report):
        sheet.append([_spreadsheet_value(cell) for cell in line])
        for cell, value in zip(sheet[sheet.max_row], line, strict=False):
            if isinstance(value, Decimal):
                cell.number_format = XLSX_FORMATS.get(type(value), "#,##0.00")
            elif isinstance(value, Minutes):
                cell.number_format = XLSX_FORMATS[Minutes]
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_FORMATS = {Percent: "0.0%", Minutes: "[h]:mm"}


def _spreadsheet_value(cell: Cell) -> Cell | float:
    """A cell as XLSX keeps it: a percentage as its fraction, a duration as a day's fraction
    (how spreadsheets store time), typed text guarded."""
    if isinstance(cell, str):
        return _guarded(cell)
    if isinstance(cell, Percent):
        return Decimal(cell) / 100
    if isinstance(cell, Minutes):
        return cell / 1440
    return cell


def _table(report: Report) -> Iterator[list[Cell]]:
    """The report as one table's lines: a heading line wherever the columns change, and a
    first column with the section's title when there are several sections."""
    several = len(report.sections) > 1
    for index, section in enumerate(report.sections):
        if index == 0 or section.columns != report.sections[index - 1].columns:
            yield [*(["sekcja"] if several else []), *section.columns]
        for row in (*section.rows, *([section.totals] if section.totals else [])):
            yield [*([section.title] if several else []), *row]


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


def render_every_child(reports: list[Report], fmt: str) -> bytes:
    """Every child's report as one document, each from a new page with its own page numbers:
    a PDF (one Typst run for them all, `pdf.bundle_to_pdf`), the one format printed so."""
    if fmt != "pdf":
        raise Refusal(
            "report.every_child_pdf",
            N_("Every child's reports at once come as one PDF (--format pdf), not %(format)s."),
            format=fmt,
        )
    from hub.reports import pdf

    return pdf.bundle_to_pdf(reports)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula: typed text starting so (a child's name,
a card number) is written with a leading `'`, so opening a report never runs it."""


def _plain(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Percent):
        return f"{cell:.1f}"
    if isinstance(cell, Minutes):
        return f"{cell // 60}:{cell % 60:02d}"
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    if isinstance(cell, str):
        return _guarded(cell)
    return str(cell)


def _guarded(text: str) -> str:
    return "'" + text if len(text) > 1 and text.startswith(FORMULA_START) else text
