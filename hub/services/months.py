"""Closing months: a closed month is locked, and later changes to it are billed as adjustments.

Closing also posts each child's month to the ledgers (`hub.services.ledger`), in the same
transaction: what the parents (and a co-payer) owe is exactly what the month billed.

Closing a month keeps, for every child, what the month billed (`hub.rules.fees.BilledMonth`) as
version 1. When a teacher later corrects a day of that month (or an absence, a card, a tap
arrives late), the month is recomputed and compared with the billed version: the
differences become adjustment lines on the next open month's statement. When that next
month is closed in turn, the adjustments it carried have been billed, so the corrected
month's recomputation becomes its new billed version and the same change is never billed
twice.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.rules.fees import (
    Adjustment,
    BilledDay,
    BilledMonth,
    ClosedMonth,
    FeeSummary,
    HourlyRate,
    MonthStatement,
    adjustments,
)
from hub.rules.fees.meals import MealLine
from hub.services import billing, ledger
from hub.store import audit, registry
from hub.timefmt import from_db, local_day_bounds, to_db, utc_now

LOOK_BACK_MONTHS = 12
"""How far back a correction is still billed as an adjustment."""


def is_closed(db: Database, year: int, month: int) -> bool:
    return (
        db.execute("SELECT 1 FROM closed_months WHERE year = ? AND month = ?", [year, month]).fetchone()
        is not None
    )


def closed_months(db: Database) -> list[dict[str, Any]]:
    return list(db["closed_months"].rows_where(order_by="year, month"))


def statement(db: Database, settings: Settings, child_id: int, year: int, month: int) -> MonthStatement:
    """The statement of an open month, with adjustments from closed months; of a closed month,
    as it is now (what was billed then is `billed_month`)."""
    carried = [] if is_closed(db, year, month) else adjustments_due(db, settings, child_id, year, month)
    return billing.statement(db, settings, child_id, year, month, adjustments=carried)


def summary(
    db: Database,
    settings: Settings,
    year: int,
    month: int,
    group_id: int | None = None,
    progress: billing.Progress | None = None,
) -> FeeSummary:
    """The accountant's summary of a month, with the adjustments due to its children if it is
    still open (a closed month's adjustments were billed when it was closed). Whether a
    closed month changed is asked once, not once per child (a city has 60,000)."""
    carried: list[Adjustment] = []
    if not is_closed(db, year, month):
        changed = _changed_closed(db, settings, year, month)
        for child in registry.list_children(db, group_id=group_id) if changed else ():
            carried += _adjustments(db, settings, child["id"], changed)
    return billing.summary(db, settings, year, month, group_id, progress, adjustments=carried)


def adjustments_due(
    db: Database, settings: Settings, child_id: int, year: int, month: int
) -> list[Adjustment]:
    """Changes to the child's closed months before (`year`, `month`) not billed yet."""
    return _adjustments(db, settings, child_id, _changed_closed(db, settings, year, month))


def _changed_closed(db: Database, settings: Settings, year: int, month: int) -> list[dict[str, Any]]:
    """The closed months before (`year`, `month`) in which something may have changed."""
    return [
        closed
        for closed in _earlier_closed(db, year, month)
        if _changed_since(db, settings, closed["year"], closed["month"], closed["closed_at"])
    ]


def _adjustments(
    db: Database, settings: Settings, child_id: int, changed: list[dict[str, Any]]
) -> list[Adjustment]:
    found: list[Adjustment] = []
    for closed in changed:
        billed = billed_month(db, child_id, closed["year"], closed["month"])
        if billed is None:
            continue
        now = billing.statement(db, settings, child_id, closed["year"], closed["month"])
        found += adjustments(ClosedMonth(billed, from_db(closed["closed_at"]), closed["closed_by"]), now)
    return found


def close(db: Database, settings: Settings, year: int, month: int, closed_by: str) -> int:
    """Lock the month for every child enrolled in it; returns how many statements were kept."""
    if not closed_by.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    if is_closed(db, year, month):
        raise Refusal("month.closed", N_("%(month)s is already closed."), month=f"{year}-{month:02d}")
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    if last_day >= datetime.now(settings.tz).date():
        raise Refusal("month.not_over", N_("%(month)s is not over yet."), month=f"{year}-{month:02d}")
    now = utc_now()
    children = [
        child
        for child in registry.list_children(db)
        if child["active_from"] <= last_day.isoformat()
        and (child["active_to"] is None or child["active_to"] >= date(year, month, 1).isoformat())
    ]
    rows = []
    rebaselined = []
    statements = []
    changed = _changed_closed(db, settings, year, month)
    for child in children:
        carried = _adjustments(db, settings, child["id"], changed)
        current = billing.statement(db, settings, child["id"], year, month, adjustments=carried)
        statements.append(current)
        rows.append(_row(year, month, child["id"], 1, now, BilledMonth.of(current)))
        for corrected in {(a.year, a.month) for a in carried}:
            recomputed = billing.statement(db, settings, child["id"], *corrected)
            version = _latest_version(db, child["id"], *corrected) + 1
            rebaselined.append(_row(*corrected, child["id"], version, now, BilledMonth.of(recomputed)))
    with db.atomic():
        db.table("closed_months").insert(
            {"year": year, "month": month, "closed_at": to_db(now), "closed_by": closed_by}
        )
        db.table("billed_months").insert_all(rows + rebaselined)
        entries = ledger.post_month(db, statements, year, month, now=now, author=closed_by)
        audit.record(
            db, actor=closed_by, action="month.close", entity="month", entity_id=f"{year}-{month:02d}",
            after={"statements": len(rows), "rebaselined": len(rebaselined), "ledger_entries": entries},
            now=now,
        )  # fmt: skip
    return len(rows)


def billed_month(db: Database, child_id: int, year: int, month: int) -> BilledMonth | None:
    row = db.execute(
        "SELECT billed FROM billed_months WHERE child_id = ? AND year = ? AND month = ? "
        "ORDER BY version DESC LIMIT 1",
        [child_id, year, month],
    ).fetchone()
    return from_json(json.loads(row[0])) if row else None


def _latest_version(db: Database, child_id: int, year: int, month: int) -> int:
    row = db.execute(
        "SELECT max(version) FROM billed_months WHERE child_id = ? AND year = ? AND month = ?",
        [child_id, year, month],
    ).fetchone()
    return row[0] or 0


def _earlier_closed(db: Database, year: int, month: int) -> list[dict[str, Any]]:
    first = year * 12 + month - 1 - LOOK_BACK_MONTHS
    return list(
        db.query(
            "SELECT * FROM closed_months WHERE year * 12 + month - 1 >= ? AND year * 12 + month - 1 < ? "
            "ORDER BY year, month",
            [first, year * 12 + month - 1],
        )
    )


def _changed_since(db: Database, settings: Settings, year: int, month: int, closed_at: str) -> bool:
    """Could anything the month's statement depends on have changed after it was closed?"""
    first = date(year, month, 1)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)  # its meal refunds
    last = date(year, month, calendar.monthrange(year, month)[1])
    start, end = local_day_bounds(first, last, settings.tz)
    checks = [
        (
            "SELECT 1 FROM taps WHERE received_at > ? AND coalesce(at, received_at) >= ? "
            "AND coalesce(at, received_at) < ? LIMIT 1",
            [closed_at, start, end],
        ),
        (
            "SELECT 1 FROM corrections WHERE (created_at > ? OR revoked_at > ?) "
            "AND day BETWEEN ? AND ? LIMIT 1",
            [closed_at, closed_at, first.isoformat(), last.isoformat()],
        ),
        (
            "SELECT 1 FROM absences WHERE reported_at > ? AND day BETWEEN ? AND ? LIMIT 1",
            [closed_at, previous.isoformat(), last.isoformat()],
        ),
        ("SELECT 1 FROM cards WHERE assigned_at > ? OR revoked_at > ? LIMIT 1", [closed_at, closed_at]),
        ("SELECT 1 FROM children WHERE created_at > ? LIMIT 1", [closed_at]),
    ]
    return any(db.execute(sql, params).fetchone() for sql, params in checks)


def _row(
    year: int, month: int, child_id: int, version: int, now: datetime, billed: BilledMonth
) -> dict[str, Any]:
    return {
        "year": year,
        "month": month,
        "child_id": child_id,
        "version": version,
        "recorded_at": to_db(now),
        "billed": json.dumps(to_json(billed), ensure_ascii=False),
    }


def to_json(billed: BilledMonth) -> dict[str, Any]:
    return {
        "child_id": billed.child_id,
        "year": billed.year,
        "month": billed.month,
        "days": [
            {
                "day": d.day.isoformat(),
                "minutes_billed": d.minutes_billed,
                "fee": str(d.fee),
                "rate": {
                    "valid_from": d.rate.valid_from.isoformat(),
                    "per_hour": str(d.rate.per_hour),
                    "basis": d.rate.basis,
                },
            }
            for d in billed.days
        ],
        "stay_fee": str(billed.stay_fee),
        "meals": [
            {"day": m.day.isoformat(), "meal": m.meal, "price": str(m.price), "kind": m.kind}
            for m in billed.meals
        ],
        "meals_charged": str(billed.meals_charged),
        "meals_refunded": str(billed.meals_refunded),
    }


def from_json(data: dict[str, Any]) -> BilledMonth:
    return BilledMonth(
        child_id=data["child_id"],
        year=data["year"],
        month=data["month"],
        days=tuple(
            BilledDay(
                date.fromisoformat(d["day"]),
                d["minutes_billed"],
                HourlyRate(
                    date.fromisoformat(d["rate"]["valid_from"]),
                    Decimal(d["rate"]["per_hour"]),
                    d["rate"]["basis"],
                ),
                Decimal(d["fee"]),
            )
            for d in data["days"]
        ),
        stay_fee=Decimal(data["stay_fee"]),
        meals=tuple(
            MealLine(date.fromisoformat(m["day"]), m["meal"], Decimal(m["price"]), m["kind"])
            for m in data["meals"]
        ),
        meals_charged=Decimal(data["meals_charged"]),
        meals_refunded=Decimal(data["meals_refunded"]),
    )
