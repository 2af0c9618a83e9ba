"""Who opened a child's personal data, and when (table `personal_data_reads`).

Rows are only added, never changed; they go only when past their retention
(`hub/store/retention.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now


def record(db: Database, *, actor: str, child_id: int, view: str, now: datetime | None = None) -> None:
    """Log one read: `view` is where it happened, a code such as `child.page` (the web
    names them: web/personal_data.py)."""
    db.table("personal_data_reads").insert(
        {"at": to_db(now or utc_now()), "actor": actor, "child_id": child_id, "view": view}
    )


def entries(
    db: Database,
    *,
    child_id: int | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest reads first, filtered by child, reader and period [since, until)."""
    clauses, params = [], []
    for clause, value in (
        ("child_id = ?", child_id),
        ("actor = ?", actor),
        ("at >= ?", to_db(since) if since else None),
        ("at < ?", to_db(until) if until else None),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    where = " AND ".join(clauses) or "1"
    return list(db["personal_data_reads"].rows_where(where, params, order_by="at DESC, id DESC", limit=limit))
