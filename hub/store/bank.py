"""Imported bank statements and their transfers, each kept once (by its fingerprint)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from hub.store.db import inserted_id

CHUNK = 500
"""Fingerprints asked about per query (SQLite's limit on parameters is far above it)."""


def known_fingerprints(db: Database, fingerprints: Iterable[str]) -> set[str]:
    wanted = list(fingerprints)
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        marks = ",".join("?" * len(part))
        sql = f"SELECT fingerprint FROM bank_transfers WHERE fingerprint IN ({marks})"
        found.update(row[0] for row in db.execute(sql, part))
    return found


def add_import(db: Database, row: dict[str, Any]) -> int:
    table = db.table("bank_imports")
    table.insert(row)
    return inserted_id(table)


def add_transfers(db: Database, rows: list[dict[str, Any]]) -> None:
    db.table("bank_transfers").insert_all(rows)


def get_transfer(db: Database, transfer_id: int) -> dict[str, Any] | None:
    rows = list(db["bank_transfers"].rows_where("id = ?", [transfer_id]))
    return rows[0] if rows else None


def assign(db: Database, transfer_id: int, child_id: int, copayer_id: int | None, at: str, by: str) -> bool:
    """Assign a waiting transfer; False (nothing changed) if it is someone's already, as
    when another session assigned it a moment ago."""
    cursor = db.execute(
        "UPDATE bank_transfers SET child_id = ?, copayer_id = ?, matched_by = 'manual', assigned_at = ?, "
        "assigned_by = ? WHERE id = ? AND child_id IS NULL",
        [child_id, copayer_id, at, by, transfer_id],
    )
    return cursor.rowcount == 1


def transfers(
    db: Database, *, first: str | None = None, last: str | None = None, unmatched: bool = False
) -> list[dict[str, Any]]:
    """Transfers booked from `first` to `last` (ISO days), or only those nobody's yet."""
    where, params = [], []
    if first:
        where.append("booked_on >= ?")
        params.append(first)
    if last:
        where.append("booked_on <= ?")
        params.append(last)
    if unmatched:
        where.append("child_id IS NULL")
    return list(
        db["bank_transfers"].rows_where(" AND ".join(where) or None, params, order_by="booked_on, id")
    )


def imports(db: Database) -> list[dict[str, Any]]:
    return list(db["bank_imports"].rows_where(order_by="id DESC"))
