"""The gmina's fee resolutions as this kindergarten received them from its city.

The city link stores each one as it arrives (`hub.city.fee_resolution_site`), audited, and
billing reads them under the kindergarten's own settings (`hub.store.fee_settings.load`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.rules.fees.sources import FeeEntries
from hub.store import audit
from hub.store.fee_document import entries_json, resolution_entries
from hub.timefmt import to_db

ACTOR = "city"
"""Who the audit log names for a resolution received from the city."""


def resolutions(db: Database) -> list[FeeEntries]:
    """Each stored resolution's entries, by the date it applies from."""
    rows = db.execute("SELECT valid_from, document FROM city_fee_resolutions ORDER BY valid_from").fetchall()
    return [resolution_entries(json.loads(document), date.fromisoformat(day)) for day, document in rows]


def listed(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM city_fee_resolutions ORDER BY valid_from"))


def last_revision(db: Database) -> int:
    row = db.execute("SELECT max(revision) FROM city_fee_resolutions").fetchone()
    return row[0] or 0


def store(
    db: Database,
    *,
    valid_from: date,
    basis: str,
    entries: FeeEntries,
    resolution_id: int,
    revision: int,
    set_at: str,
    now: datetime,
) -> bool:
    """Keep a resolution received from the city, replacing an earlier revision for the same
    date; False if this revision (or a later one) is kept already."""
    with db.atomic():
        row = db.execute(
            "SELECT revision, basis, document FROM city_fee_resolutions WHERE valid_from = ?",
            [valid_from.isoformat()],
        ).fetchone()
        if row and row[0] >= revision:
            return False
        document = entries_json(entries)
        db.table("city_fee_resolutions").insert(
            {
                "valid_from": valid_from.isoformat(), "basis": basis,
                "document": json.dumps(document, ensure_ascii=False), "resolution_id": resolution_id,
                "revision": revision, "set_at": set_at, "received_at": to_db(now),
            },
            replace=True,
        )  # fmt: skip
        audit.record(
            db, actor=ACTOR, action="fees.city_resolution", entity="city_fee_resolution",
            entity_id=valid_from.isoformat(),
            before={"basis": row[1], "document": json.loads(row[2])} if row else None,
            after={"basis": basis, "document": document, "resolution_id": resolution_id}, now=now,
        )  # fmt: skip
    return True
