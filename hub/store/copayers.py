"""Co-payers (MOPS/OPS, an employer) and the share of a child's fee each pays, from–to."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store import audit
from hub.store.db import inserted_id
from hub.timefmt import to_db, utc_now

KINDS = ("welfare", "employer", "other")


def add_copayer(db: Database, name: str, kind: str, *, author: str) -> dict[str, Any]:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise Refusal("copayer.name", N_("A co-payer needs a name of at most 200 characters."))
    if kind not in KINDS:
        raise Refusal("copayer.kind", N_("A co-payer is one of: %(kinds)s."), kinds=", ".join(KINDS))
    if db.execute("SELECT 1 FROM copayers WHERE lower(name) = lower(?)", [clean]).fetchone():
        raise Refusal("copayer.exists", N_("There is already a co-payer called %(name)s."), name=clean)
    with db.atomic():
        table = db.table("copayers")
        table.insert({"name": clean, "kind": kind, "created_at": to_db(utc_now()), "created_by": author})
        row = dict(table.get(inserted_id(table)))
        audit.record(db, actor=author, action="copayer.add", entity="copayer", entity_id=row["id"], after=row)
    return row


def list_copayers(db: Database) -> list[dict[str, Any]]:
    return list(db["copayers"].rows_where(order_by="name"))


def get_copayer(db: Database, copayer_id: int) -> dict[str, Any]:
    row = db.execute("SELECT id, name, kind FROM copayers WHERE id = ?", [copayer_id]).fetchone()
    if row is None:
        raise Refusal("copayer.unknown", N_("There is no co-payer number %(id)s."), id=copayer_id)
    return {"id": row[0], "name": row[1], "kind": row[2]}


def add_share(
    db: Database,
    copayer_id: int,
    child_id: int,
    *,
    percent_bp: int | None = None,
    amount: int | None = None,
    valid_from: date,
    valid_to: date | None = None,
    author: str,
) -> dict[str, Any]:
    """The co-payer pays `percent_bp` (basis points: 5000 = 50 %) or `amount` grosze of the
    child's monthly charges, for the months from `valid_from` to `valid_to`."""
    get_copayer(db, copayer_id)
    if (percent_bp is None) == (amount is None):
        raise Refusal("copayer.share", N_("Give a co-payer's share either as a percentage or as an amount."))
    if percent_bp is not None and not 0 < percent_bp <= 10_000:
        raise Refusal("copayer.percent", N_("A share is more than 0 and at most 100 percent."))
    if amount is not None and amount <= 0:
        raise Refusal("copayer.amount", N_("A share's amount must be more than zero."))
    if valid_to is not None and valid_to < valid_from:
        raise Refusal("copayer.dates", N_("A share's last day is before its first day."))
    row = {
        "copayer_id": copayer_id, "child_id": child_id, "percent_bp": percent_bp, "amount": amount,
        "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat() if valid_to else None,
        "created_at": to_db(utc_now()), "created_by": author,
    }  # fmt: skip
    with db.atomic():
        table = db.table("copayer_shares")
        table.insert(row)
        row = dict(table.get(inserted_id(table)))
        audit.record(db, actor=author, action="copayer.share", entity="child", entity_id=child_id, after=row)
    return row


def shares_in(db: Database, first: date, last: date) -> list[dict[str, Any]]:
    """Shares in force on some day from `first` to `last`, oldest first."""
    return list(
        db.query(
            "SELECT s.*, c.name AS copayer_name FROM copayer_shares s JOIN copayers c ON c.id = s.copayer_id "
            "WHERE s.valid_from <= ? AND (s.valid_to IS NULL OR s.valid_to >= ?) ORDER BY s.valid_from, s.id",
            [last.isoformat(), first.isoformat()],
        )
    )
