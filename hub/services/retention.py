"""The purge: remove what is past its retention and record that it did.

`plan` says what would go (the cut-off and the count of each kind) without changing
anything; `purge` deletes exactly that in one transaction, together with an audit entry
`retention.purge` holding the cut-offs and the counts — the record of the removal
outlives what it removed. The quarantine keeps its own rule (`quarantine.purge`: open
conflicts stay) and is purged in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import local_instant
from hub.rules.retention import RetentionPolicy, journal_kept_from, log_kept_from
from hub.store import audit, quarantine
from hub.store.retention import KINDS, Kind, count_old, delete_old
from hub.timefmt import to_db


@dataclass(frozen=True)
class KindPlan:
    kind: str
    kept_from: str
    """The first local day kept: every row of an earlier day goes."""
    rows: int
    """How many rows are (or would be) removed."""


def policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        journal_years=settings.journal_retention_years,
        session_days=settings.session_retention_days,
        security_log_days=settings.security_log_retention_days,
        data_read_days=settings.data_read_retention_days,
    )


def plan(db: Database, settings: Settings, now: datetime) -> list[KindPlan]:
    """What a purge at `now` would remove, kind by kind."""
    return [
        KindPlan(kind.name, kept_from.isoformat(), count_old(db, kind, cutoff))
        for kind, kept_from, cutoff in _cutoffs(settings, now)
    ]


def purge(db: Database, settings: Settings, now: datetime, *, actor: str) -> list[KindPlan]:
    """Delete everything past its retention at `now`; returns what went, kind by kind."""
    with db.atomic():
        removed = [
            KindPlan(kind.name, kept_from.isoformat(), delete_old(db, kind, cutoff))
            for kind, kept_from, cutoff in _cutoffs(settings, now)
        ]
        quarantined = quarantine.purge(db, now, settings.quarantine_retention_days)
        audit.record(
            db, actor=actor, action="retention.purge", entity="retention", entity_id=None,
            after={
                **{entry.kind: {"kept_from": entry.kept_from, "removed": entry.rows} for entry in removed},
                "quarantine": {"older_than_days": settings.quarantine_retention_days, "removed": quarantined},
            },
            now=now,
        )  # fmt: skip
    return [*removed, KindPlan("quarantine", "", quarantined)]


def _cutoffs(settings: Settings, now: datetime) -> list[tuple[Kind, date, str]]:
    """Each kind with the first local day it keeps and that day's cut-off in its own clock."""
    rules = policy(settings)
    today = now.astimezone(settings.tz).date()
    kept_from_by_term = {
        "journal": journal_kept_from(today, rules.journal_years),
        "sessions": log_kept_from(today, rules.session_days),
        "security_log": log_kept_from(today, rules.security_log_days),
        "data_reads": log_kept_from(today, rules.data_read_days),
    }
    found = []
    for kind in KINDS:
        kept_from = kept_from_by_term[kind.term]
        cutoff = (
            kept_from.isoformat()
            if kind.clock == "day"
            else to_db(local_instant(kept_from, time(0), settings.tz))
        )
        found.append((kind, kept_from, cutoff))
    return found
