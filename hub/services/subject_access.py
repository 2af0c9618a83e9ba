"""What the journal holds on a child, for their guardian (RODO art. 15): the record, the
guardians by name, the cards, every day kept with its arrivals and departures and who
recorded them, absences reported, corrections with their reasons and authors, kiosk
records, the ledger, and who opened the child's data.

Days are those still kept (`hub.rules.retention.journal_kept_from`) from the child's
first day in the kindergarten up to today. Another guardian's address and phone are not
this guardian's data: only their names and relations are given.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.retention import journal_kept_from
from hub.services import day_json, days
from hub.store import absences, cards, corrections, kiosk, ledger, personal_data_reads, registry


def child_data(db: Database, settings: Settings, child_id: int, today: date) -> dict[str, Any]:
    child = registry.get_child(db, child_id)
    first = max(
        date.fromisoformat(child["active_from"]), journal_kept_from(today, settings.journal_retention_years)
    )
    last = min(today, date.fromisoformat(child["active_to"])) if child.get("active_to") else today
    row = next(c for c in registry.list_children(db, child["group_id"]) if c["id"] == child_id)
    kept_days = (
        [
            day_json.day_as_dict(child_day, settings.tz)
            for _day, child_days in days.compute_range(db, settings, first, last, [row], attending_only=False)
            for child_day in child_days
        ]
        if first <= last
        else []
    )
    return {
        "child": child,
        "guardians": [
            {"name": guardian["name"], "relation": guardian["relation"]}
            for guardian in registry.guardians_of(db, child_id)
        ],
        "cards": cards.list_cards(db, child_id=child_id, include_revoked=True),
        "days": kept_days,
        "absences": absences.list_absences(db, child_id=child_id),
        "corrections": corrections.of_child(db, child_id),
        "kiosk_records": [
            {key: record[key] for key in ("at", "direction", "guardian", "reviewed_at", "reviewed_by")}
            for record in kiosk.records_of_child(db, child_id)
        ],
        "ledger": [asdict(entry) for entry in ledger.entries_of(db, child_id)],
        "reads_of_data": [
            {key: read[key] for key in ("at", "actor", "view")}
            for read in personal_data_reads.entries(db, child_id=child_id, limit=100_000)
        ],
    }
