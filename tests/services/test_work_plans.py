"""A group's monthly work plan: the worked example of the approval flow, the refused steps,
and the history that keeps every version and step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.refusal import Refusal
from hub.rules.work_plans import TRANSITIONS, next_state
from hub.services import work_plans
from hub.store import audit, registry
from hub.store.db import open_database

TEACHER = "maria.nowak@p11.example.pl"
DIRECTOR = "dyrektor@p11.example.pl"


def at(hour: int) -> datetime:
    return datetime(2026, 2, 20, hour, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "plans.db")
    registry.add_group(db, "Motylki", author="test")
    yield db
    db.close()


def test_draft_submitted_returned_resubmitted_approved_keeps_every_version_and_step(db: Database) -> None:
    plan = work_plans.write(
        db, group_id=1, year=2026, month=3, text="Wiosna: przyroda budzi się", author=TEACHER, now=at(8)
    )
    assert (plan["state"], plan["version"]) == ("draft", 1)
    assert work_plans.submit(db, plan["id"], actor=TEACHER, now=at(9))["state"] == "submitted"
    returned = work_plans.return_plan(
        db, plan["id"], actor=DIRECTOR, remark="Dodać wyjście do teatru", now=at(10)
    )
    assert returned["state"] == "returned"
    rewritten = work_plans.write(
        db, group_id=1, year=2026, month=3, text="Wiosna: przyroda budzi się; wyjście do teatru",
        author=TEACHER, now=at(11),
    )  # fmt: skip
    assert (rewritten["state"], rewritten["version"]) == ("returned", 2)
    assert work_plans.submit(db, plan["id"], actor=TEACHER, now=at(12))["state"] == "submitted"
    approved = work_plans.approve(db, plan["id"], actor=DIRECTOR, now=at(13))
    assert approved["state"] == "approved" and approved["text"].endswith("wyjście do teatru")

    kept = work_plans.history(db, plan["id"])
    assert [(v["number"], v["author"]) for v in kept["versions"]] == [(2, TEACHER), (1, TEACHER)]
    assert kept["versions"][1]["text"] == "Wiosna: przyroda budzi się"
    assert [
        (s["action"], s["state_before"], s["state_after"], s["version"], s["actor"]) for s in kept["steps"]
    ] == [
        ("write", None, "draft", 1, TEACHER),
        ("submit", "draft", "submitted", 1, TEACHER),
        ("return", "submitted", "returned", 1, DIRECTOR),
        ("write", "returned", "returned", 2, TEACHER),
        ("submit", "returned", "submitted", 2, TEACHER),
        ("approve", "submitted", "approved", 2, DIRECTOR),
    ]
    assert kept["steps"][2]["remark"] == "Dodać wyjście do teatru"
    logged = [e["action"] for e in reversed(audit.entries(db, entity="work_plan", entity_id=plan["id"]))]
    assert logged == ["plan.write", "plan.submit", "plan.return", "plan.write", "plan.submit", "plan.approve"]


def test_approving_a_draft_is_refused_and_changes_nothing(db: Database) -> None:
    plan = work_plans.write(db, group_id=1, year=2026, month=3, text="Plan", author=TEACHER)
    with pytest.raises(Refusal) as refused:
        work_plans.approve(db, plan["id"], actor=DIRECTOR)
    assert refused.value.code == "plan.cannot_approve"
    assert work_plans.history(db, plan["id"])["plan"]["state"] == "draft"
    assert len(work_plans.history(db, plan["id"])["steps"]) == 1


def test_an_approved_plan_cannot_be_edited_submitted_or_returned(db: Database) -> None:
    plan = work_plans.write(db, group_id=1, year=2026, month=3, text="Plan", author=TEACHER)
    work_plans.submit(db, plan["id"], actor=TEACHER)
    work_plans.approve(db, plan["id"], actor=DIRECTOR)
    with pytest.raises(Refusal) as edit:
        work_plans.write(db, group_id=1, year=2026, month=3, text="Plan zmieniony", author=TEACHER)
    assert edit.value.code == "plan.cannot_edit"
    for step, code in (
        (work_plans.submit, "plan.cannot_submit"),
        (work_plans.approve, "plan.cannot_approve"),
    ):
        with pytest.raises(Refusal) as refused:
            step(db, plan["id"], actor=DIRECTOR)
        assert refused.value.code == code
    with pytest.raises(Refusal) as back:
        work_plans.return_plan(db, plan["id"], actor=DIRECTOR, remark="jednak nie")
    assert back.value.code == "plan.cannot_return"
    assert work_plans.history(db, plan["id"])["plan"]["text"] == "Plan"


def test_a_submitted_plan_is_not_edited_and_a_return_needs_a_remark(db: Database) -> None:
    plan = work_plans.write(db, group_id=1, year=2026, month=3, text="Plan", author=TEACHER)
    work_plans.submit(db, plan["id"], actor=TEACHER)
    with pytest.raises(Refusal) as edit:
        work_plans.write(db, group_id=1, year=2026, month=3, text="Inny", author=TEACHER)
    assert edit.value.code == "plan.cannot_edit"
    with pytest.raises(Refusal) as bare:
        work_plans.return_plan(db, plan["id"], actor=DIRECTOR, remark="   ")
    assert bare.value.code == "plan.remark_missing"
    assert work_plans.history(db, plan["id"])["plan"]["state"] == "submitted"


@pytest.mark.parametrize(
    ("text", "code"), [("", "plan.empty"), ("  \n ", "plan.empty"), ("x" * 20_001, "plan.too_long")]
)
def test_an_empty_or_overlong_plan_is_refused(db: Database, text: str, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        work_plans.write(db, group_id=1, year=2026, month=3, text=text, author=TEACHER)
    assert refused.value.code == code
    assert db["work_plans"].count == 0


def test_only_the_listed_transitions_are_allowed() -> None:
    for state in ("draft", "submitted", "approved", "returned"):
        for action in ("edit", "submit", "approve", "return"):
            if (state, action) in TRANSITIONS:
                assert next_state(state, action, remark="uwaga") == TRANSITIONS[(state, action)]
            else:
                with pytest.raises(Refusal):
                    next_state(state, action, remark="uwaga")
