"""Writing, submitting, approving and returning a group's monthly work plan.

Each function is one step: it reads the plan, asks the rules (`hub.rules.work_plans`)
whether the step is allowed from the plan's state, and stores the new version or step with
its audit entry in one transaction, so two people acting at once cannot both move the same
plan. Who may take a step (a teacher of the group writes and submits, the director approves
and returns) is the caller's check (`hub.accounts.rights`: `plans.write`, `plans.approve`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.work_plans import PlanAction, next_state
from hub.store import audit, registry, work_plans
from hub.timefmt import utc_now


def write(
    db: Database, *, group_id: int, year: int, month: int, text: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """Write the group's plan for the month: a new plan (a draft), or a new version of one
    still a draft or returned."""
    _author(author)
    registry.get_group(db, group_id)
    clean = work_plans.checked_text(text)
    now = now or utc_now()
    key = work_plans.month_key(year, month)
    with db.atomic():
        found = work_plans.find_plan(db, group_id, key)
        if found is None:
            plan_id = work_plans.insert_plan(db, group_id=group_id, month=key, author=author, now=now)
            before = None
            state = next_state("draft", "edit")
        else:
            plan_id, before = found["id"], found
            state = next_state(found["state"], "edit")
            if found["text"] == clean:
                return found
        version = work_plans.insert_version(db, plan_id, text=clean, author=author, now=now)
        work_plans.insert_step(
            db, plan_id, action="write", before=before["state"] if before else None, after=state,
            version=version, actor=author, now=now,
        )  # fmt: skip
        after = work_plans.get_plan(db, plan_id)
        audit.record(
            db, actor=author, action="plan.write", entity="work_plan", entity_id=plan_id,
            before=_audited(before), after=_audited(after), now=now,
        )  # fmt: skip
    return after


def submit(db: Database, plan_id: int, *, actor: str, now: datetime | None = None) -> dict[str, Any]:
    """The teacher hands the plan to the director."""
    return _step(db, plan_id, "submit", actor=actor, now=now)


def approve(db: Database, plan_id: int, *, actor: str, now: datetime | None = None) -> dict[str, Any]:
    """The director approves the submitted plan: it is final."""
    return _step(db, plan_id, "approve", actor=actor, now=now)


def return_plan(
    db: Database, plan_id: int, *, actor: str, remark: str, now: datetime | None = None
) -> dict[str, Any]:
    """The director returns the submitted plan to the teacher with a remark."""
    return _step(db, plan_id, "return", actor=actor, now=now, remark=remark)


def history(db: Database, plan_id: int) -> dict[str, Any]:
    """The plan, every version of its text (newest first) and every step (oldest first)."""
    return {
        "plan": work_plans.get_plan(db, plan_id),
        "versions": work_plans.versions(db, plan_id),
        "steps": work_plans.steps(db, plan_id),
    }


def _step(
    db: Database, plan_id: int, action: PlanAction, *, actor: str, now: datetime | None, remark: str = ""
) -> dict[str, Any]:
    _author(actor)
    clean = work_plans.checked_remark(remark)
    now = now or utc_now()
    with db.atomic():
        before = work_plans.get_plan(db, plan_id)
        state = next_state(before["state"], action, remark=clean)
        work_plans.insert_step(
            db, plan_id, action=action, before=before["state"], after=state, version=before["version"],
            actor=actor, now=now, remark=clean,
        )  # fmt: skip
        after = work_plans.get_plan(db, plan_id)
        logged = {
            "state": after["state"],
            "version": after["version"],
            **({"remark": clean} if clean else {}),
        }
        audit.record(
            db, actor=actor, action=f"plan.{action}", entity="work_plan", entity_id=plan_id,
            before=_audited(before), after=logged, now=now,
        )  # fmt: skip
    return after


def _audited(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the audit log keeps of a plan: its state and version (the texts are in the plan's
    versions, kept for good)."""
    if plan is None:
        return None
    return {
        "group_id": plan["group_id"],
        "month": plan["month"],
        "state": plan["state"],
        "version": plan["version"],
    }


def _author(author: str) -> None:
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
