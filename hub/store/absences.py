"""Absences reported ahead by a guardian or the secretary: what cancels a child's meals.

A report covers a range of days and is kept one row per working day with the moment it was
made; whether it was in time for a day's meals is the fee engine's decision (the cut-off).
A day off (a weekend, a public holiday, a day the kindergarten is closed) has nothing to
report: a range skips it, and a report of days off only is refused with the reason.

A reported absence may be withdrawn (the child comes after all) until its day starts, at
the opening hour: withdrawn, it no longer cancels the meal. The row stays, with the moment
it was withdrawn, and both the report and the withdrawal are in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.attendance import day_off_reason, local_instant
from hub.rules.fees import AbsenceReport
from hub.store import audit, site_settings, system_messages
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
    child = get_child(db, child_id)
    if last < first:
        raise Refusal("absence.ends_before_start", N_("The last day of the absence is before the first."))
    if (last - first).days >= MAX_DAYS:
        raise Refusal("absence.too_long", N_("Report at most %(days)s days at a time."), days=MAX_DAYS)
    if not reported_by.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    closed = {date.fromisoformat(row["day"]): row["reason"] for row in site_settings.closed_days(db)}
    working = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if day_off_reason(first + timedelta(days=n), closed) is None
    ]
    if not working:
        raise _day_off(first, closed)
    at = to_db(now or utc_now())
    rows = []
    for day in working:
        rows.append(
            {
                "child_id": child_id,
                "day": day.isoformat(),
                "reported_at": at,
                "reported_by": reported_by.strip(),
                "reason": reason.strip() or None,
            }
        )
    with db.atomic():
        db.table("absences").insert_all(rows)
        audit.record(
            db, actor=reported_by, action="absence.report", entity="child", entity_id=child_id,
            after={"first": first.isoformat(), "last": last.isoformat(), "reason": reason.strip() or None},
            now=now,
        )  # fmt: skip
        system_messages.absence_recorded(
            db, child_id=child_id, child_name=f"{child['first_name']} {child['last_name']}",
            first=working[0], last=working[-1], reported_by=reported_by,
        )  # fmt: skip
    return list_absences(db, child_id=child_id, first=first, last=last)


def _day_off(day: date, closed: dict[date, str]) -> Refusal:
    """Why nothing can be reported for `day`: the kindergarten is closed then."""
    if day in closed:
        return Refusal(
            "absence.closed_day",
            N_("The kindergarten is closed on %(day)s (%(reason)s): there is no absence to report."),
            day=day.isoformat(),
            reason=closed[day],
        )
    if day.weekday() >= 5:
        return Refusal(
            "absence.weekend",
            N_("%(day)s is a Saturday or Sunday: the kindergarten is closed, there is no absence to report."),
            day=day.isoformat(),
        )
    return Refusal(
        "absence.holiday",
        N_("%(day)s is a public holiday (%(holiday)s): there is no absence to report."),
        day=day.isoformat(),
        holiday=day_off_reason(day) or "",
    )


def get_absence(db: Database, absence_id: int) -> dict[str, Any]:
    rows = list(db["absences"].rows_where("id = ?", [absence_id]))
    if not rows:
        raise Refusal("absence.unknown", N_("There is no reported absence %(id)s."), id=absence_id)
    return rows[0]


def withdraw_absence(
    db: Database, absence_id: int, *, withdrawn_by: str, tz: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """Withdraw a reported absence before its day starts (the opening hour): the child comes
    after all, and the meal is no longer cancelled. Audited; the row is kept."""
    moment = now or utc_now()
    with db.atomic():
        absence = get_absence(db, absence_id)
        if absence["withdrawn_at"] is not None:
            raise Refusal(
                "absence.withdrawn", N_("The absence on %(day)s was already withdrawn."), day=absence["day"]
            )
        day = date.fromisoformat(absence["day"])
        opening = time.fromisoformat(site_settings.get_all(db)["opening"])
        if moment >= local_instant(day, opening, tz):
            raise Refusal(
                "absence.started",
                N_("The absence on %(day)s can no longer be withdrawn: that day started at %(opening)s."),
                day=absence["day"],
                opening=f"{opening:%H:%M}",
            )
        db.execute("UPDATE absences SET withdrawn_at = ? WHERE id = ?", [to_db(moment), absence_id])
        before = {key: absence[key] for key in ("day", "reported_by", "reason")}
        audit.record(
            db, actor=withdrawn_by, action="absence.withdraw", entity="child", entity_id=absence["child_id"],
            before=before, now=moment,
        )  # fmt: skip
    return get_absence(db, absence_id)


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


def engine_reports(
    db: Database, first: date, last: date, *, child_id: int | None = None
) -> list[AbsenceReport]:
    """The reports the fee engine takes, for days first..last (of one child)."""
    return [
        AbsenceReport(
            row["child_id"], date.fromisoformat(row["day"]), from_db(row["reported_at"]), row["reported_by"]
        )
        for row in list_absences(db, child_id=child_id, first=first, last=last)
    ]
