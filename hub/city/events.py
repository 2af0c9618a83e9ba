"""The site's events as the city receives them: a key that names each event once (the
city stores an event once per site and key, whatever is delivered twice), a subject, and a
JSON payload.

Only what a governing body may see leaves the site: a child is a number of the site with
their group, year of birth and dates in the kindergarten (no name, address, guardian or
card); a tap is its reader, the reader's direction, time and that child number; a
correction is what the attendance rules read of it (never its reason or author); the site's
settings are the opening hours and debounce its rules use; a closed month is each child's
billed statement; the money (a month closed, a payment booked, imported or assigned) is the
site's receivables summed, never a payer's. Changes are read as they are when sent, so a
change sent late carries the latest state: the city keeps the last state of each thing, in
the order sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from hub.city.fee_resolution_site import local_overrides
from hub.rules.fees.money import from_grosz
from hub.services import ledger
from hub.store import city_link, site_settings
from hub.timefmt import from_db

RECEIVABLES_ACTIONS = (
    "ledger.payment",
    "ledger.write_off",
    "ledger.payout",
    "payments.import",
    "payments.assign",
)
"""The audited changes of the ledger besides a month's close (whose event carries them too)."""

CHANGE_ACTIONS = (
    "child.create",
    "child.update",
    "group.create",
    "group.update",
    "correction.create",
    "correction.revoke",
    "month.close",
    "settings.fees",
    "settings.site",
    *RECEIVABLES_ACTIONS,
)
"""The audited changes the city hears about."""


@dataclass(frozen=True)
class CityEvent:
    key: str
    """Unique within the site: `tap:<reader>:<seq>` or `change:<audit id>`."""
    subject: str
    payload: dict[str, Any]

    def data(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def subject(site: str, feed: str) -> str:
    return f"city.{site}.{feed}"


def tap_event(site: str, row: dict[str, Any]) -> CityEvent:
    key = f"tap:{row['reader_id']}:{row['seq']}"
    payload = {
        "site": site,
        "key": key,
        "kind": "tap",
        "reader": row["reader_id"],
        "seq": row["seq"],
        "at": row["at"],
        "received_at": row["received_at"],
        "time_quality": row["time_quality"],
        "child": row["child_id"],
        "mode": row["mode"] or "toggle",
    }
    return CityEvent(key, subject(site, "taps"), payload)


def change_event(db: Database, site: str, entry: dict[str, Any]) -> CityEvent:
    """The event for one audited change, with the current state of what it changed."""
    key = f"change:{entry['id']}"
    base = {"site": site, "key": key, "at": entry["at"], "action": entry["action"]}
    entity, entity_id = entry["entity"], entry["entity_id"]
    if entry["action"] in RECEIVABLES_ACTIONS:  # a payment is booked on a child: before "child"
        payload = {**base, "kind": "receivables", "receivables": receivables(db, entry["at"])}
    elif entity == "child":
        child = city_link.child(db, int(entity_id))
        state = child and {
            "id": child["id"],
            "group": child["group_id"],
            "birth_year": int(child["birth_date"][:4]) if child["birth_date"] else None,
            "active_from": child["active_from"],
            "active_to": child["active_to"],
        }
        payload = {**base, "kind": "child", "child": state}
    elif entity == "group":
        payload = {**base, "kind": "group", "group": city_link.group(db, int(entity_id))}
    elif entity == "correction":
        correction = city_link.correction(db, int(entity_id))
        state = correction and {
            "id": correction["id"],
            "child": correction["child_id"],
            "day": correction["day"],
            "type": correction["kind"],
            "at": correction["at"],
            "revoked": correction["revoked_at"] is not None,
            "created_at": correction["created_at"],
            "target": correction_target(correction),
        }
        payload = {**base, "kind": "correction", "correction": state}
    elif entity == "settings" and entity_id == "fees":
        payload = {**base, "kind": "fees", "fees": local_overrides(db)}
    elif entity == "settings":
        values = site_settings.get_all(db)
        state = {
            "opening": values["opening"],
            "closing": values["closing"],
            "debounce_s": int(values["debounce_s"]),
        }
        payload = {**base, "kind": "settings", "settings": state}
    elif entity == "month":
        statements = [
            {
                "year": row["year"],
                "month": row["month"],
                "child": row["child_id"],
                "version": row["version"],
                "billed": json.loads(row["billed"]),
            }
            for row in city_link.billed_at(db, entry["at"])
        ]
        payload = {
            **base,
            "kind": "month",
            "month": entity_id,
            "statements": statements,
            "receivables": receivables(db, entry["at"]),
        }
    else:
        raise ValueError(f"no city event for {entity!r}")
    return CityEvent(key, subject(site, "changes"), payload)


def receivables(db: Database, at: str) -> dict[str, Any]:
    """The site's ledgers summed as they are now, in złoty: everything billed (`due`), the
    payments booked (`paid`; write-offs and payouts are in neither), the overdue and unpaid
    as `ledger.arrears` counts it on the change's day (UTC) and how many children owe it."""
    entries = [entry for payer in ledger.entries_by_payer(db).values() for entry in payer]
    late = ledger.arrears(db, from_db(at).date())
    return {
        "as_of": from_db(at).date().isoformat(),
        "due": str(from_grosz(sum(entry.amount for entry in entries if entry.is_charge))),
        "paid": str(from_grosz(-sum(entry.amount for entry in entries if entry.kind == "payment"))),
        "arrears": str(from_grosz(sum(arrear.overdue for arrear in late))),
        "children_in_arrears": len({arrear.child["id"] for arrear in late}),
    }


def correction_target(correction: dict[str, Any]) -> dict[str, Any] | None:
    """What a move or cancel names: a tap (reader and sequence) or another correction."""
    if correction["target_reader"] is not None:
        return {"reader": correction["target_reader"], "seq": correction["target_seq"]}
    if correction["target_correction"] is not None:
        return {"correction": correction["target_correction"]}
    return None
