"""The shape every report takes before it is rendered: titled sections of rows.

One model, four renderings (`render.py`): the HTML print view, a PDF made from that same
HTML, CSV and XLSX. A report builder only fills this in; it never formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class Percent(Decimal):
    """A share in percent (93.5 for 93,5 %): printed "93,5 %", in CSV the number, in XLSX a
    fraction formatted as a percentage. A renderer that does not know it shows a Decimal."""


class Minutes(int):
    """A duration in minutes: printed "7 h 45 min" as the stay report prints stays, in CSV
    "7:45", in XLSX a time value formatted [h]:mm (so a spreadsheet can add and average it)."""


Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Section:
    """One table: a group's children, a reader's periods, a child's days…"""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    """A last row in bold, aligned with the columns."""
    note: str = ""

    def __post_init__(self) -> None:
        for row in (*self.rows, *([self.totals] if self.totals else [])):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"section {self.title!r}: a row has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Report:
    name: str
    """The report's id, as in `ewidencjoner report NAME` and /reports/NAME."""
    title: str
    subtitle: str
    generated_at: datetime
    sections: tuple[Section, ...]
    facts: tuple[tuple[str, str], ...] = ()
    """Label and value pairs printed under the title: the group, the settings used…"""
    signature: str = ""
    """A signature line at the end, e.g. "Podpis nauczyciela"."""
    landscape: bool = False
    legend: str = ""
    sheet_name: str = field(default="")

    @property
    def file_stem(self) -> str:
        return self.name
