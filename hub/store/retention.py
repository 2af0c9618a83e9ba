"""Deleting what is past its retention, kind by kind (the cut-offs come from
`hub/rules/retention.py` through `hub/services/retention.py`).

Each kind names its table and the condition that makes a row old: every row strictly
before the kind's cut-off goes, nothing at or after it. The journal's kinds compare a local
day (`day` columns) or an instant (the first instant of the cut-off day in the site's time
zone); the logs compare instants. A session still alive is never old: only ended ones, or
ones untouched for longer than any idle timeout, go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

Clock = Literal["day", "instant"]
Term = Literal["journal", "sessions", "security_log", "data_reads"]
"""Which retention a kind keeps (`hub.rules.retention.RetentionPolicy`)."""


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    old: str
    """SQL condition on the table's row, with `:cutoff` the kind's cut-off."""
    clock: Clock
    term: Term


KINDS = (
    Kind("taps", "taps", "coalesce(at, received_at) < :cutoff", "instant", "journal"),
    Kind("corrections", "corrections", "day < :cutoff", "day", "journal"),
    Kind("absences", "absences", "day < :cutoff", "day", "journal"),
    Kind("day_topics", "day_topics", "day < :cutoff", "day", "journal"),
    Kind("kiosk_records", "kiosk_records", "at < :cutoff", "instant", "journal"),
    Kind("reader_events", "reader_events", "at < :cutoff", "instant", "journal"),
    Kind("audit_log", "audit_log", "at < :cutoff", "instant", "journal"),
    Kind("sessions", "sessions", "coalesce(ended_at, last_seen_at) < :cutoff", "instant", "sessions"),
    Kind("login_attempts", "login_attempts", "at < :cutoff", "instant", "security_log"),
    Kind("kiosk_attempts", "kiosk_attempts", "at < :cutoff", "instant", "security_log"),
    Kind("denied_actions", "denied_actions", "at < :cutoff", "instant", "security_log"),
    Kind("personal_data_reads", "personal_data_reads", "at < :cutoff", "instant", "data_reads"),
)
"""Every kind the purge knows, in the order it deletes them."""


def count_old(db: Database, kind: Kind, cutoff: str) -> int:
    return db.execute(f"SELECT count(*) FROM {kind.table} WHERE {kind.old}", {"cutoff": cutoff}).fetchone()[0]


def delete_old(db: Database, kind: Kind, cutoff: str) -> int:
    """Delete the kind's rows before `cutoff`; the caller holds the transaction."""
    return db.execute(f"DELETE FROM {kind.table} WHERE {kind.old}", {"cutoff": cutoff}).rowcount
