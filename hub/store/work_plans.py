"""The groups' monthly work plans: the plan's row, its numbered versions and its steps.

Rows of versions and steps are only ever added; the plan's `state` is the state its latest
step left. Which step is allowed is the rules' question (`hub.rules.work_plans`); the
service (`hub.services.work_plans`) asks it and calls these in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.work_plans import MAX_PLAN_LENGTH, MAX_REMARK_LENGTH, PlanState
from hub.store.db import inserted_id
from hub.timefmt import to_db


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def checked_text(text: str) -> str:
    clean = text.strip()
    if not clean:
        raise Refusal("plan.empty", N_("The plan is empty."))
    if len(clean) > MAX_PLAN_LENGTH:
        raise Refusal(
            "plan.too_long", N_("The plan is longer than %(limit)s characters."), limit=MAX_PLAN_LENGTH
        )
    return clean


def checked_remark(remark: str) -> str:
    clean = remark.strip()
    if len(clean) > MAX_REMARK_LENGTH:
        raise Refusal(
            "plan.remark_too_long",
            N_("The remark is longer than %(limit)s characters."),
            limit=MAX_REMARK_LENGTH,
        )
    return clean


def insert_plan(db: Database, *, group_id: int, month: str, author: str, now: datetime) -> int:
    if find_plan(db, group_id, month) is not None:
        raise Refusal("plan.exists", N_("The group already has a plan for %(month)s."), month=month)
    return inserted_id(
        db.table("work_plans").insert(
            {
                "group_id": group_id,
                "month": month,
                "state": "draft",
                "created_at": to_db(now),
                "created_by": author,
            }
        )
    )


def insert_version(db: Database, plan_id: int, *, text: str, author: str, now: datetime) -> int:
    """A new version of the plan's text; returns its number (1 for the first)."""
    number = 1 + (
        db.execute("SELECT MAX(number) FROM work_plan_versions WHERE plan_id = ?", [plan_id]).fetchone()[0]
        or 0
    )
    db.table("work_plan_versions").insert(
        {"plan_id": plan_id, "number": number, "text": text, "author": author, "written_at": to_db(now)}
    )
    return number


def insert_step(
    db: Database,
    plan_id: int,
    *,
    action: str,
    before: PlanState | None,
    after: PlanState,
    version: int,
    actor: str,
    now: datetime,
    remark: str = "",
) -> None:
    """Record a step and leave the plan in state `after`."""
    db.table("work_plan_steps").insert(
        {
            "plan_id": plan_id,
            "action": action,
            "state_before": before,
            "state_after": after,
            "version": version,
            "remark": remark or None,
            "actor": actor,
            "at": to_db(now),
        }
    )
    db.table("work_plans").update(plan_id, {"state": after})


def find_plan(db: Database, group_id: int, month: str) -> dict[str, Any] | None:
    rows = list(db["work_plans"].rows_where("group_id = ? AND month = ?", [group_id, month]))
    return get_plan(db, rows[0]["id"]) if rows else None


def get_plan(db: Database, plan_id: int) -> dict[str, Any]:
    """The plan with its group's name and its latest version (`text`, `version`, `author`)."""
    row = db.execute(
        """SELECT p.id, p.group_id, g.name AS group_name, p.month, p.state, p.created_at, p.created_by,
                  v.number AS version, v.text, v.author, v.written_at
           FROM work_plans p JOIN groups g ON g.id = p.group_id
           JOIN work_plan_versions v ON v.plan_id = p.id
           WHERE p.id = ? ORDER BY v.number DESC LIMIT 1""",
        [plan_id],
    ).fetchone()
    if row is None:
        raise Refusal("plan.not_found", N_("There is no work plan with id %(id)s."), id=plan_id)
    keys = ("id", "group_id", "group_name", "month", "state", "created_at", "created_by", "version", "text",
            "author", "written_at")  # fmt: skip
    return dict(zip(keys, row, strict=True))


def list_plans(db: Database, group_id: int | None = None) -> list[dict[str, Any]]:
    """Plans newest month first (a group's, or every group's), each with its latest step."""
    where, params = ("WHERE p.group_id = ?", [group_id]) if group_id is not None else ("", [])
    rows = db.execute(
        f"""SELECT p.id, p.group_id, g.name, p.month, p.state, s.actor, s.at, s.remark
            FROM work_plans p JOIN groups g ON g.id = p.group_id
            JOIN work_plan_steps s ON s.id = (SELECT MAX(id) FROM work_plan_steps WHERE plan_id = p.id)
            {where} ORDER BY p.month DESC, g.name COLLATE polish""",
        params,
    ).fetchall()
    keys = ("id", "group_id", "group_name", "month", "state", "last_actor", "last_at", "last_remark")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def versions(db: Database, plan_id: int) -> list[dict[str, Any]]:
    """Every version of the plan's text, newest first."""
    return list(db["work_plan_versions"].rows_where("plan_id = ?", [plan_id], order_by="number DESC"))


def steps(db: Database, plan_id: int) -> list[dict[str, Any]]:
    """Every step of the plan, oldest first."""
    return list(db["work_plan_steps"].rows_where("plan_id = ?", [plan_id], order_by="id"))
