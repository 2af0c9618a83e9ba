"""The gmina's fee resolution in the city: set once, kept in PostgreSQL, published to every
site through NATS; and what each site set locally instead, kept beside it.

A resolution applies from its date (`valid_from`); set again for the same date (an amended
uchwała), the later one is in force and both stay listed. Every resolution in force is a
key of the key-value bucket `CITY_FEES` (`resolution.<date>`), replicated ×3 with its
history kept: each site's link reads the bucket when it changes, so a site offline for
days gets every resolution when it is back (`hub.city.fee_resolution_site`). PostgreSQL is
the record; the bucket is what the sites read, so publishing is idempotent and is run
again after a failure (`ewidencjoner city resolution publish`).

A site's own fee entries reach the city as change events of kind `fees` (the site's
audited fee changes, `hub.city.events`) carrying the site's local entries only;
`apply_site_fees` keeps them in `site_fee_overrides`, one row per site and date, the
later change winning whatever order the events are applied in.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError

from hub.refusal import N_, Refusal
from hub.store.fee_document import entries_json, resolution_entries

BUCKET = "CITY_FEES"
REPLICAS = 3
HISTORY = 64
"""Revisions kept per key (JetStream's largest): an amended resolution's earlier text stays."""
KEY_PREFIX = "resolution."


def key(valid_from: date) -> str:
    return f"{KEY_PREFIX}{valid_from.isoformat()}"


def checked_document(document: object, valid_from: date, basis: str) -> dict[str, Any]:
    """The resolution with every field written out, or a `Refusal` saying what is wrong."""
    if not basis.strip():
        raise Refusal("fees.resolution_no_basis", N_("Name the resolution the fees come from (--basis)."))
    return entries_json(resolution_entries(document, valid_from, basis.strip()))


def set_resolution(conn: Any, valid_from: date, basis: str, document: object, set_by: str) -> dict[str, Any]:
    """Record a resolution (checked first: a bad one is refused and nothing is kept)."""
    checked = checked_document(document, valid_from, basis)
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO fee_resolutions (valid_from, document, basis, set_by) VALUES (%s, %s, %s, %s) "
            "RETURNING id, set_at",
            [valid_from, json.dumps(checked, ensure_ascii=False), basis.strip(), set_by],
        ).fetchone()
    return {
        "id": row[0], "valid_from": valid_from, "basis": basis.strip(), "document": checked, "set_at": row[1],
    }  # fmt: skip


def resolutions(conn: Any) -> list[dict[str, Any]]:
    """Every resolution set, by date and then as set; `in_force` marks the last for its date."""
    rows = conn.execute(
        """SELECT id, valid_from, basis, document, set_by, set_at,
                  id = max(id) OVER (PARTITION BY valid_from) AS in_force
           FROM fee_resolutions ORDER BY valid_from, id"""
    ).fetchall()
    names = ("id", "valid_from", "basis", "document", "set_by", "set_at", "in_force")
    return [dict(zip(names, row, strict=True)) for row in rows]


def site_overrides(conn: Any) -> list[dict[str, Any]]:
    """What each site set locally instead of the resolution, by site and date."""
    rows = conn.execute(
        "SELECT site, valid_from, document, change_id FROM site_fee_overrides ORDER BY site, valid_from"
    ).fetchall()
    return [dict(zip(("site", "valid_from", "document", "change_id"), row, strict=True)) for row in rows]


def apply_site_fees(conn: Any, site: str, change_id: int, payload: dict[str, Any]) -> bool:
    """Keep a site's local fee entries (a `fees` change event: `payload["fees"]` is a list
    of `{"valid_from", "document"}`) as its overrides, unless a later change of the site is
    kept already; returns whether it was applied. The event carries the site's whole local
    state, so its rows replace the site's."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('site_fee_overrides:' || %s))", [site])
        latest = conn.execute(
            "SELECT max(change_id) FROM site_fee_overrides WHERE site = %s", [site]
        ).fetchone()[0]
        if latest is not None and latest >= change_id:
            return False
        conn.execute("DELETE FROM site_fee_overrides WHERE site = %s", [site])
        for item in payload["fees"]:
            conn.execute(
                "INSERT INTO site_fee_overrides (site, valid_from, document, change_id) "
                "VALUES (%s, %s, %s, %s)",
                [site, date.fromisoformat(item["valid_from"]), json.dumps(item["document"]), change_id],
            )
    return True


def apply_fees_event(conn: Any, event: Any) -> None:
    """`apply_site_fees` for the city service's `FeesEvent` (hub/city/apply_events.py)."""
    apply_site_fees(conn, event.site, event.change_id, event.model_dump(mode="json"))


async def ensure_bucket(js: JetStreamContext, replicas: int = REPLICAS) -> Any:
    """The key-value bucket the sites read, made if it is missing."""
    try:
        return await js.key_value(BUCKET)
    except BucketNotFoundError:
        config = KeyValueConfig(bucket=BUCKET, history=HISTORY, replicas=replicas, storage=StorageType.FILE)
        return await js.create_key_value(config)


async def publish(js: JetStreamContext, rows: list[dict[str, Any]], replicas: int = REPLICAS) -> int:
    """Put each resolution in force into the bucket unless it is there already; returns
    how many were put."""
    kv = await ensure_bucket(js, replicas)
    put = 0
    for row in rows:
        if not row["in_force"]:
            continue
        value = {
            "id": row["id"],
            "valid_from": row["valid_from"].isoformat(),
            "basis": row["basis"],
            "document": row["document"],
            "set_at": row["set_at"].isoformat(),
        }
        try:
            current = await kv.get(key(row["valid_from"]))
            if current.value and json.loads(current.value).get("id") == row["id"]:
                continue
        except KeyNotFoundError:
            pass
        await kv.put(key(row["valid_from"]), json.dumps(value, ensure_ascii=False, sort_keys=True).encode())
        put += 1
    return put
