"""The audit log: every change to personal data, attendance, settings and accounts, with who
made it, when, and the values before and after.

The hub's mutating functions call `record` inside the transaction of the change itself, so
a change is never stored without its audit entry (and a refused change leaves none). The
actor is the account's login (its e-mail address) for the web UI, `cli:<user>` or
`--author` for the command line. Rows are only ever added.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now

SECRET_FIELDS = frozenset({"password_hash"})
"""Fields never copied into the log: the log is read by more people than the passwords."""


def record(
    db: Database,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Log one change: `action` (e.g. `child.update`) on `entity` #`entity_id`.

    `before` is None for something new, `after` None for something removed; only the
    fields that differ are kept for an update, so the entry says exactly what changed.
    """
    if not actor.strip():
        raise ValueError("an audit entry needs an actor")
    old, new = _changed(_public(before), _public(after))
    db.table("audit_log").insert(
        {
            "at": to_db(now or utc_now()),
            "actor": actor.strip(),
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "before": _json(old),
            "after": _json(new),
        }
    )


def entries(
    db: Database,
    *,
    entity: str | None = None,
    entity_id: object = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit entries, newest first, with `before` and `after` as dicts (or None)."""
    where, params = [], []
    for column, value in (("entity", entity), ("actor", actor)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if entity_id is not None:
        where.append("entity_id = ?")
        params.append(str(entity_id))
    if since is not None:
        where.append("at >= ?")
        params.append(to_db(since))
    if until is not None:
        where.append("at < ?")
        params.append(to_db(until))
    rows = db["audit_log"].rows_where(
        " AND ".join(where) or None, params, order_by="at DESC, id DESC", limit=limit
    )
    return [{**row, "before": _loaded(row["before"]), "after": _loaded(row["after"])} for row in rows]


def record_denial(
    db: Database,
    *,
    right: str,
    reason: str,
    user_id: int | None = None,
    login: str | None = None,
    method: str | None = None,
    path: str | None = None,
    target: str | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> None:
    """Log a refused action: who (if signed in) asked for what (`right`, the request, the
    object), from where, and why (`reason`: no right, not their child, CSRF, read only…)."""
    with db.atomic():
        db.table("denied_actions").insert(
            {
                "at": to_db(now or utc_now()),
                "user_id": user_id,
                "login": login,
                "right": right,
                "method": method,
                "path": path,
                "object": target,
                "ip": ip,
                "reason": reason,
            }
        )


def denials(db: Database, *, since: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Refused actions, newest first."""
    where, params = (["at >= ?"], [to_db(since)]) if since else ([], [])
    return list(
        db["denied_actions"].rows_where(
            " AND ".join(where) or None, params, order_by="at DESC, id DESC", limit=limit
        )
    )


def _public(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: value for key, value in values.items() if key not in SECRET_FIELDS}


def _changed(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if before is None or after is None:
        return before, after
    keys = [key for key in after if before.get(key) != after[key]]
    keys += [key for key in before if key not in after]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def _json(values: dict[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)


def _loaded(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)
