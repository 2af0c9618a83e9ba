"""Absences reported ahead by a guardian or the secretary: what cancels a child's meals.

A report covers a range of days and is kept one row per day with the moment it was made;
whether it was in time for a day's meals is the fee engine's decision (the cut-off).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.fees import AbsenceReport
from hub.store import audit
from hub.store.registry import get_child
from hub.timefmt import from_db, to_db, utc_now

MAX_DAYS = 62


def report_absence(
    db: Database,
    *,
    child_id: int,
    first: date,
    last: date,
    reported_by: str,
    reason: str = "",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    get_child(db, child_id)
    if last < first:
        raise Refusal("absence.ends_before_start", N_("The last day of the absence is before the first."))
    if (last - first).days >= MAX_DAYS:
        raise Refusal("absence.too_long", N_("Report at most %(days)s days at a time."), days=MAX_DAYS)
    if not reported_by.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    at = to_db(now or utc_now())
    rows = []
    day = first
    while day <= last:
        rows.append(
            {
                "child_id": child_id,
                "day": day.isoformat(),
                "reported_at": at,
                "reported_by": reported_by.strip(),
                "reason": reason.strip() or None,
            }
        )
        day += timedelta(days=1)
    with db.atomic():
        db.table("absences").insert_all(rows)
        audit.record(
            db, actor=reported_by, action="absence.report", entity="child", entity_id=child_id,
            after={"first": first.isoformat(), "last": last.isoformat(), "reason": reason.strip() or None},
            now=now,
        )  # fmt: skip
    return list_absences(db, child_id=child_id, first=first, last=last)


def list_absences(
    db: Database, *, child_id: int | None = None, first: date | None = None, last: date | None = None
) -> list[dict[str, Any]]:
    where: list[str] = ["withdrawn_at IS NULL"]
    params: list[Any] = []
    if child_id is not None:
        where.append("child_id = ?")
        params.append(child_id)
    if first is not None:
        where.append("day >= ?")
        params.append(first.isoformat())
    if last is not None:
        where.append("day <= ?")
        params.append(last.isoformat())
    return list(db["absences"].rows_where(" AND ".join(where), params, order_by="day, child_id, id"))


def engine_reports(db: Database, first: date, last: date) -> list[AbsenceReport]:
    """The reports the fee engine takes, for days first..last."""
    return [
        AbsenceReport(
            row["child_id"], date.fromisoformat(row["day"]), from_db(row["reported_at"]), row["reported_by"]
        )
        for row in list_absences(db, first=first, last=last)
    ]
