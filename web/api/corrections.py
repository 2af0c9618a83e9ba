"""`/api/corrections`: a teacher's corrections of a child's day, each with a reason, and
their revocation."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hub.rules.attendance import local_instant
from hub.store import corrections
from web.api.models import Correction
from web.api.refusals import Reason, Revocation, found_or_404
from web.auth import actor, check, require
from web.deps import Db, SiteSettings, today
from web.errors import API_ERRORS
from web.params import ClockTime, Day, RowId

router = APIRouter(prefix="/api", responses=API_ERRORS)


class NewCorrection(BaseModel):
    child_id: RowId
    day: Day = Field(description="A local day that has begun (today or earlier)")
    kind: Literal["add_arrival", "add_departure", "move", "cancel", "mark_absent", "mark_present"]
    reason: Reason
    time: ClockTime | None = Field(None, description="Local wall-clock time on `day`, for add and move")
    tap: str | None = Field(
        None, description="READER#SEQ, for move, cancel or confirming an unknown-time tap"
    )
    correction: RowId | None = Field(None, description="Another correction's id, for move or cancel")


@router.post("/corrections", status_code=201, summary="Correct a child's day (reason required)")
def post_correction(request: Request, db: Db, settings: SiteSettings, fix: NewCorrection) -> Correction:
    check(request, "attendance.correct", child_id=fix.child_id)
    at = local_instant(fix.day, fix.time, settings.tz) if fix.time else None
    target_tap = corrections.parse_tap_id(fix.tap) if fix.tap else None
    stored = corrections.add_correction(
        db,
        child_id=fix.child_id,
        day=fix.day,
        kind=fix.kind,
        reason=fix.reason,
        author=actor(request),
        at=at,
        target_tap=target_tap,
        target_correction=fix.correction,
        today=today(settings),
    )
    return Correction.model_validate(stored)


@router.post(
    "/corrections/{correction_id}/revoke",
    summary="Revoke a correction (reason required)",
    dependencies=[Depends(require("attendance.correct"))],  # before looking the id up
)
def revoke_correction(request: Request, db: Db, correction_id: RowId, revocation: Revocation) -> Correction:
    correction = found_or_404(corrections.get_correction, db, correction_id)
    check(request, "attendance.correct", child_id=correction["child_id"])
    return Correction.model_validate(
        corrections.revoke_correction(db, correction_id, author=actor(request), reason=revocation.reason)
    )
