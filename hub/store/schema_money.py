"""The money side's tables as the migrations built them: ledgers, bank imports and
transfers, co-payers and their shares, the money settings and interest rates.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m013_ledgers_and_bank_transfers(db: Database) -> None:
    """Every payer's ledger as entries in whole grosze (a balance is never stored: it is their
    sum); the bank statements imported and each transfer once (its fingerprint is unique, so
    importing a statement again adds nothing); co-payers (MOPS/OPS, an employer) and the share
    of a child's fee each pays, from–to; the money settings and dated interest rates.

    `ledger_entries.source` names what made an entry (`month:2026-10`, `transfer:17`): unique
    per payer and kind, so posting a closed month or assigning a transfer twice is refused
    by the database itself."""
    db.table("money_settings").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("interest_rates").create(
        {"valid_from": str, "basis_points": int, "basis": str},
        pk="valid_from",
        not_null={"basis_points"},
    )
    db.table("copayers").create(
        {"id": int, "name": str, "kind": str, "created_at": str, "created_by": str},
        pk="id",
        not_null={"name", "kind", "created_at", "created_by"},
    )
    db.execute("CREATE UNIQUE INDEX copayers_name ON copayers(lower(name))")
    db.table("copayer_shares").create(
        {
            "id": int,
            "copayer_id": int,
            "child_id": int,
            "percent_bp": int,
            "amount": int,
            "valid_from": str,
            "valid_to": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        not_null={"copayer_id", "child_id", "valid_from", "created_at", "created_by"},
        foreign_keys=[("copayer_id", "copayers", "id"), ("child_id", "children", "id")],
    )
    db.table("copayer_shares").create_index(["child_id", "valid_from"])
    db.table("bank_imports").create(
        {
            "id": int,
            "sha256": str,
            "file_name": str,
            "format": str,
            "transfers": int,
            "imported_at": str,
            "imported_by": str,
        },
        pk="id",
        not_null={"sha256", "format", "transfers", "imported_at", "imported_by"},
    )
    db.table("bank_transfers").create(
        {
            "id": int,
            "fingerprint": str,
            "import_id": int,
            "line": int,
            "booked_on": str,
            "amount": int,
            "account": str,
            "counterparty": str,
            "title": str,
            "reference": str,
            "child_id": int,
            "copayer_id": int,
            "matched_by": str,
            "assigned_at": str,
            "assigned_by": str,
        },
        pk="id",
        not_null={"fingerprint", "import_id", "booked_on", "amount"},
        foreign_keys=[
            ("import_id", "bank_imports", "id"),
            ("child_id", "children", "id"),
            ("copayer_id", "copayers", "id"),
        ],
    )
    db.table("bank_transfers").create_index(["fingerprint"], unique=True)
    db.table("bank_transfers").create_index(["booked_on"])
    db.table("ledger_entries").create(
        {
            "id": int,
            "child_id": int,
            "copayer_id": int,
            "kind": str,
            "amount": int,
            "booked_on": str,
            "due_on": str,
            "period": str,
            "description": str,
            "source": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        not_null={
            "child_id",
            "kind",
            "amount",
            "booked_on",
            "description",
            "source",
            "created_at",
            "created_by",
        },
        foreign_keys=[("child_id", "children", "id"), ("copayer_id", "copayers", "id")],
    )
    db.execute(
        "CREATE UNIQUE INDEX ledger_entries_once "
        "ON ledger_entries(child_id, coalesce(copayer_id, 0), kind, source)"
    )
    db.table("ledger_entries").create_index(["booked_on"])
