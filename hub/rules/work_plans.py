"""A group's monthly work plan (plan pracy) and the way it goes to the director and back.

The procedure (000 §2, §6.2) makes the group's teacher (wychowawca) responsible for
writing the plan and the director for approving it ("zarządzanie/zatwierdzanie planem
pracy nauczycieli"). A plan goes through these states:

    draft ──submit──▶ submitted ──approve──▶ approved
      ▲                   │
      │                return (with the director's remark)
      │                   ▼
      └──── edit ─── returned ──submit──▶ submitted …

A teacher edits the text only while the plan is a draft or returned; each edit is a new
version, each step an event, nothing is overwritten. An approved plan is final: a change
to it would be a new month's plan or a remark, not an edit. A worked example: a teacher
writes the plan for March (draft, version 1), submits it; the director returns it ("add the
trip to the theatre"); the teacher writes version 2 and submits it again; the director
approves it. Approving a draft, returning without a remark and editing the approved plan
are refused.
"""

from __future__ import annotations

from typing import Literal

from hub.refusal import N_, Label, Refusal

PlanState = Literal["draft", "submitted", "approved", "returned"]
PlanAction = Literal["edit", "submit", "approve", "return"]

STATES: tuple[PlanState, ...] = ("draft", "submitted", "approved", "returned")
TRANSITIONS: dict[tuple[PlanState, PlanAction], PlanState] = {
    ("draft", "edit"): "draft",
    ("returned", "edit"): "returned",
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
}
"""Every allowed step: (state, action) → the state after it. Nothing else is allowed."""

MAX_PLAN_LENGTH = 20_000
MAX_REMARK_LENGTH = 2_000


def next_state(state: PlanState, action: PlanAction, *, remark: str = "") -> PlanState:
    """The plan's state after `action`, or a `Refusal` naming the state it is in."""
    after = TRANSITIONS.get((state, action))
    if after is None:
        raise Refusal(
            f"plan.cannot_{action}",
            _REFUSED[action],
            state=Label(_STATE_LABELS[state]),
        )
    if action == "return" and not remark.strip():
        raise Refusal("plan.remark_missing", N_("Say what to change: returning a plan needs a remark."))
    return after


def editable(state: PlanState) -> bool:
    return (state, "edit") in TRANSITIONS


_REFUSED: dict[PlanAction, str] = {
    "edit": N_("The plan cannot be changed now: it is %(state)s."),
    "submit": N_("The plan cannot be submitted: it is %(state)s."),
    "approve": N_("Only a submitted plan can be approved; this one is %(state)s."),
    "return": N_("Only a submitted plan can be returned; this one is %(state)s."),
}
_STATE_LABELS: dict[PlanState, str] = {
    "draft": N_("a draft"),
    "submitted": N_("submitted to the director"),
    "approved": N_("approved"),
    "returned": N_("returned to the teacher"),
}
