"""What the yearly archive reads: each kind of record of one school year, as stored rows.

A school year runs from 1 September to 31 August (`hub.rules.statistics.school_year`); a
record belongs to it by its own date: a correction, a topic, an observation or a reported
absence by its day, a work plan by its month, a message by the school year it was sent in,
an announcement by the days it was shown, a closed month by its month, an audit entry by
its instant. The register comes whole for the children enrolled at some time in the year:
their groups, guardians and cards. Rows come in the order of their ids, so two archives of
the same data are the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlite_utils import Database

Rows = list[dict[str, Any]]


def _rows(db: Database, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Rows:
    return [dict(row) for row in db.query(sql, params)]


def _among(db: Database, table: str, column: str, ids: Iterable[int], order: str = "id") -> Rows:
    """The rows of `table` whose `column` is one of `ids`."""
    return _rows(
        db,
        f"SELECT * FROM {table} WHERE {column} IN (SELECT value FROM json_each(?)) ORDER BY {order}",
        [json.dumps(sorted(ids))],
    )


def children(db: Database, first: date, last: date) -> Rows:
    """The children enrolled on some day `first`..`last`, with their group's name."""
    return _rows(
        db,
        "SELECT c.*, g.name AS group_name FROM children c JOIN groups g ON g.id = c.group_id "
        "WHERE c.active_from <= ? AND (c.active_to IS NULL OR c.active_to >= ?) ORDER BY c.id",
        [last.isoformat(), first.isoformat()],
    )


def groups(db: Database, group_ids: set[int]) -> Rows:
    return _among(db, "groups", "id", group_ids)


def guardian_links(db: Database, child_ids: set[int]) -> Rows:
    return _among(db, "child_guardians", "child_id", child_ids, "child_id, guardian_id")


def guardians(db: Database, guardian_ids: set[int]) -> Rows:
    return _among(db, "guardians", "id", guardian_ids)


def cards(db: Database, child_ids: set[int]) -> Rows:
    return _among(db, "cards", "child_id", child_ids)


def corrections(db: Database, first: date, last: date) -> Rows:
    return _rows(
        db,
        "SELECT * FROM corrections WHERE day BETWEEN ? AND ? ORDER BY id",
        [first.isoformat(), last.isoformat()],
    )


def absences(db: Database, first: date, last: date) -> Rows:
    """Absences reported ahead, withdrawn ones included."""
    return _rows(
        db,
        "SELECT * FROM absences WHERE day BETWEEN ? AND ? ORDER BY id",
        [first.isoformat(), last.isoformat()],
    )


def day_topics(db: Database, first: date, last: date) -> Rows:
    """The groups' topics of the days, superseded versions included."""
    return _rows(
        db,
        "SELECT * FROM day_topics WHERE day BETWEEN ? AND ? ORDER BY id",
        [first.isoformat(), last.isoformat()],
    )


def work_plans(db: Database, first: date, last: date) -> Rows:
    return _rows(
        db,
        "SELECT * FROM work_plans WHERE month BETWEEN ? AND ? ORDER BY id",
        [first.isoformat()[:7], last.isoformat()[:7]],
    )


def work_plan_versions(db: Database, plan_ids: set[int]) -> Rows:
    return _among(db, "work_plan_versions", "plan_id", plan_ids)


def work_plan_steps(db: Database, plan_ids: set[int]) -> Rows:
    return _among(db, "work_plan_steps", "plan_id", plan_ids)


def observations(db: Database, first: date, last: date) -> Rows:
    return _rows(
        db,
        "SELECT * FROM observations WHERE day BETWEEN ? AND ? ORDER BY id",
        [first.isoformat(), last.isoformat()],
    )


def observation_history(db: Database, observation_ids: set[int]) -> Rows:
    return _among(db, "observation_history", "observation_id", observation_ids)


def school_readiness(db: Database, school_year: int) -> Rows:
    return _rows(db, "SELECT * FROM school_readiness WHERE school_year = ? ORDER BY id", [school_year])


def school_readiness_versions(db: Database, readiness_ids: set[int]) -> Rows:
    return _among(db, "school_readiness_versions", "readiness_id", readiness_ids)


def messages(db: Database, school_year: str) -> Rows:
    """The messages sent in `school_year` ('2025/2026'), with their sender's login and name."""
    return _rows(
        db,
        "SELECT m.*, u.email AS sender_login, u.name AS sender_name FROM messages m "
        "LEFT JOIN users u ON u.id = m.sender_id WHERE m.school_year = ? ORDER BY m.id",
        [school_year],
    )


def message_recipients(db: Database, school_year: str) -> Rows:
    """Who each of the year's messages went to (login and name) and when they first read it."""
    return _rows(
        db,
        "SELECT r.*, u.email AS login, u.name AS name FROM message_recipients r "
        "JOIN messages m ON m.id = r.message_id LEFT JOIN users u ON u.id = r.account_id "
        "WHERE m.school_year = ? ORDER BY r.message_id, r.account_id",
        [school_year],
    )


def message_attachments(db: Database, school_year: str) -> Rows:
    return _rows(
        db,
        "SELECT a.* FROM message_attachments a JOIN messages m ON m.id = a.message_id "
        "WHERE m.school_year = ? ORDER BY a.id",
        [school_year],
    )


def announcements(db: Database, first: date, last: date) -> Rows:
    """The announcements shown on some day `first`..`last`."""
    return _rows(
        db,
        "SELECT * FROM announcements WHERE shown_from <= ? AND shown_to >= ? ORDER BY id",
        [last.isoformat(), first.isoformat()],
    )


def closed_months(db: Database, first: date, last: date) -> Rows:
    return _rows(
        db,
        "SELECT * FROM closed_months WHERE year * 100 + month BETWEEN ? AND ? ORDER BY year, month",
        _months(first, last),
    )


def billed_months(db: Database, first: date, last: date) -> Rows:
    """The statements of the closed months: what each child was billed, every version."""
    return _rows(
        db,
        "SELECT * FROM billed_months WHERE year * 100 + month BETWEEN ? AND ? "
        "ORDER BY year, month, child_id, version",
        _months(first, last),
    )


def audit_entries(db: Database, start: str, end: str) -> Rows:
    """The audit log's entries at instants [start, end) (stored instants, UTC)."""
    return _rows(db, "SELECT * FROM audit_log WHERE at >= ? AND at < ? ORDER BY id", [start, end])


def _months(first: date, last: date) -> list[int]:
    """The months `first`..`last` as the bounds of `year * 100 + month`."""
    return [first.year * 100 + first.month, last.year * 100 + last.month]
