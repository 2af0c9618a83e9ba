"""Ledger entries: added, never changed; read back as the rules' `Entry`s per payer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlite_utils import Database

from hub.rules.ledger import Entry

Payer = tuple[int, int | None]
"""(child id, co-payer id): None is the child's parents."""


def add_entries(db: Database, rows: Iterable[dict[str, Any]]) -> None:
    """Insert entries (inside the caller's transaction, beside its audit entry)."""
    db.table("ledger_entries").insert_all(list(rows))


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(
        kind=row["kind"],
        amount=row["amount"],
        booked_on=date.fromisoformat(row["booked_on"]),
        description=row["description"],
        due_on=date.fromisoformat(row["due_on"]) if row["due_on"] else None,
        period=row["period"],
        entry_id=row["id"],
    )


def entries_of(db: Database, child_id: int, copayer_id: int | None = None) -> list[Entry]:
    rows = db.query(
        "SELECT * FROM ledger_entries WHERE child_id = ? AND coalesce(copayer_id, 0) = ? ORDER BY id",
        [child_id, copayer_id or 0],
    )
    return [_entry(row) for row in rows]


def all_entries(db: Database) -> dict[Payer, list[Entry]]:
    """Every payer's entries at once (the accountant's lists: one query, not one per child)."""
    found: dict[Payer, list[Entry]] = defaultdict(list)
    for row in db.query("SELECT * FROM ledger_entries ORDER BY id"):
        found[(row["child_id"], row["copayer_id"])].append(_entry(row))
    return dict(found)
