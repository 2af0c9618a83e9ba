"""Importing the secretary's list of children (with cards and guardians) from CSV.

All or nothing: every row is applied through the same functions as a single change would
be, inside one transaction; if any row is refused, the transaction is rolled back and every
refusal is reported with its row number, so the secretary fixes the file and imports again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.attendance import day_bounds
from hub.store import cards, registry

COLUMNS = {
    "first_name": ("first_name", "imie", "imię"),
    "last_name": ("last_name", "nazwisko"),
    "group": ("group", "grupa", "oddzial", "oddział"),
    "birth_date": ("birth_date", "data_urodzenia"),
    "card_uid": ("card_uid", "karta", "uid"),
    "card_number": ("card_number", "numer_karty"),
    "card_holder": ("card_holder", "posiadacz"),
    "guardian_name": ("guardian_name", "opiekun"),
    "guardian_phone": ("guardian_phone", "telefon"),
    "guardian_email": ("guardian_email", "email", "e-mail"),
}
REQUIRED = ("first_name", "last_name", "group")


@dataclass(frozen=True)
class RowError:
    row: int
    """The line number in the file (the header is line 1)."""
    refusal: Refusal


@dataclass
class ImportReport:
    children: int = 0
    cards: int = 0
    guardians: int = 0
    groups_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _RollBack(Exception):
    pass


def import_children(db: Database, text: str, *, author: str, today: date, tz: ZoneInfo) -> ImportReport:
    """Import the rows of `text`; cards count from the start of `today` (local day in `tz`)."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    mapping = _header_mapping(reader.fieldnames or [])
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        refusal = Refusal(
            "import.missing_columns", N_("Missing columns: %(columns)s."), columns=", ".join(missing)
        )
        report.errors.append(RowError(1, refusal))
        return report
    try:
        with db.atomic():
            for line, raw in enumerate(reader, start=2):
                row = {name: (raw.get(header) or "").strip() for name, header in mapping.items()}
                if not any(row.values()):
                    continue
                try:
                    with db.atomic():
                        _import_row(db, row, author, today, day_bounds(today, tz)[0], report)
                except Refusal as refusal:
                    report.errors.append(RowError(line, refusal))
            if report.errors:
                raise _RollBack
    except _RollBack:
        report.children = report.cards = report.guardians = 0
        report.groups_created = []
    return report


def _import_row(
    db: Database, row: dict[str, str], author: str, today: date, start: datetime, report: ImportReport
) -> None:
    try:
        group = registry.find_group(db, row["group"])
    except Refusal:
        group = registry.add_group(db, row["group"], author=author)
        report.groups_created.append(group["name"])
    child = registry.add_child(
        db,
        first_name=row["first_name"],
        last_name=row["last_name"],
        group=group["id"],
        birth_date=row.get("birth_date") or None,
        active_from=today,
        author=author,
    )
    report.children += 1
    if row.get("card_uid"):
        cards.assign_card(
            db,
            uid=row["card_uid"],
            child_id=child["id"],
            author=author,
            number=row.get("card_number", ""),
            holder=row.get("card_holder", ""),
            valid_from=start,
        )
        report.cards += 1
    if row.get("guardian_name"):
        registry.add_guardian(
            db,
            name=row["guardian_name"],
            phone=row.get("guardian_phone", ""),
            email=row.get("guardian_email", ""),
            children=[child["id"]],
            author=author,
        )
        report.guardians += 1


def _header_mapping(headers: Sequence[str]) -> dict[str, str]:
    normalised = {header.strip().lower(): header for header in headers if header}
    mapping = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in normalised:
                mapping[name] = normalised[alias]
                break
    return mapping


def _delimiter(text: str) -> str:
    """Spreadsheets in Polish locale save CSV with semicolons."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","
