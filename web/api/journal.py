"""The journal's JSON API: registry, cards, days, presence, inconsistencies, corrections.

Every route calls the hub's functions; a change the hub refuses (`RegistryError`) becomes
a 422 with the hub's sentence, an unknown id a 404. Every route needs a signed-in session
(`web/auth.py`) holding its right: the registry for staff (a parent sees only their own
children), changes to it for the secretary and the director, corrections for a teacher of
the child's group; the author of a change is the signed-in account, never the request's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlite_utils import Database

from hub import cards, corrections, days, registry
from hub.attendance import local_instant
from hub.config import Settings
from hub.registry import RegistryError
from hub.rights import Account
from hub.timefmt import local_day_bounds
from web.auth import actor, check, own_only, require, require_all
from web.errors import API_ERRORS
from web.params import ClockTime, Day, RowId

Reason = Annotated[str, Field(min_length=1, max_length=500)]


class NewGroup(BaseModel):
    name: str
    teachers: str = ""


class NewChild(BaseModel):
    first_name: str
    last_name: str
    group: str | RowId
    birth_date: Day | None = None
    active_from: Day | None = None
    active_to: Day | None = None
    fee_exempt: bool | None = None
    notes: str = ""


class NewGuardian(BaseModel):
    name: str
    phone: str = ""
    email: str = ""
    children: list[RowId] = []
    relation: str = ""


class NewCard(BaseModel):
    uid: str
    child_id: RowId
    number: str = ""
    holder: str = ""
    valid_from: Day | None = Field(
        None, description="Counts from the start of this local day (default today)"
    )
    from_now: bool = False


class Revocation(BaseModel):
    reason: Reason


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


def journal_router(db: Database, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api", responses=API_ERRORS)
    staff = [Depends(require_all("registry.view"))]
    registrar = [Depends(require("registry.edit"))]
    carder = [Depends(require("cards.edit"))]

    def today() -> date:
        return datetime.now(settings.tz).date()

    @router.get("/groups", summary="Groups with their number of children", dependencies=staff)
    async def get_groups() -> list[dict[str, Any]]:
        return registry.list_groups(db)

    @router.post(
        "/groups", status_code=201, summary="Add a group", dependencies=[Depends(require("groups.edit"))]
    )
    async def post_group(request: Request, group: NewGroup) -> dict[str, Any]:
        return refused_as_422(registry.add_group, db, group.name, group.teachers, author=actor(request))

    @router.get("/children", summary="Children, by group and name (a parent: their own)")
    async def get_children(
        user: Annotated[Account, Depends(require("registry.view"))], group: str | None = None
    ) -> list[dict[str, Any]]:
        group_id = found_or_404(registry.find_group, db, group)["id"] if group else None
        children = registry.list_children(db, group_id=group_id)
        mine = own_only(user, "registry.view", [child["id"] for child in children])
        return [child for child in children if mine is None or child["id"] in mine]

    @router.get("/children/{child_id}", summary="A child with guardians and cards")
    async def get_child(request: Request, child_id: RowId) -> dict[str, Any]:
        check(request, "registry.view", child_id=child_id)
        child = found_or_404(registry.get_child, db, child_id)
        child["guardians"] = registry.guardians_of(db, child_id)
        child["cards"] = cards.list_cards(db, child_id=child_id, include_revoked=True)
        return child

    @router.post("/children", status_code=201, summary="Add a child", dependencies=registrar)
    async def post_child(request: Request, child: NewChild) -> dict[str, Any]:
        return refused_as_422(registry.add_child, db, **child.model_dump(), author=actor(request))

    @router.get("/guardians", summary="Guardians and their children", dependencies=staff)
    async def get_guardians() -> list[dict[str, Any]]:
        return registry.list_guardians(db)

    @router.post("/guardians", status_code=201, summary="Add a guardian", dependencies=registrar)
    async def post_guardian(request: Request, guardian: NewGuardian) -> dict[str, Any]:
        return refused_as_422(registry.add_guardian, db, **guardian.model_dump(), author=actor(request))

    @router.get("/cards", summary="Cards and their children", dependencies=staff)
    async def get_cards(child: RowId | None = None, include_revoked: bool = False) -> list[dict[str, Any]]:
        return cards.list_cards(db, child_id=child, include_revoked=include_revoked)

    @router.get("/cards/unknown", summary="Cards tapped recently that belong to nobody", dependencies=carder)
    async def get_unknown_cards(
        days_back: Annotated[int, Query(alias="days", ge=1, le=366)] = 7,
    ) -> list[dict]:
        first = today() - timedelta(days=days_back - 1)
        return cards.unknown_cards(db, local_day_bounds(first, first, settings.tz)[0])

    @router.post("/cards", status_code=201, summary="Assign a card to a child", dependencies=carder)
    async def post_card(request: Request, card: NewCard) -> dict[str, Any]:
        details = {
            "uid": card.uid,
            "child_id": card.child_id,
            "author": actor(request),
            "number": card.number,
            "holder": card.holder,
        }
        if card.from_now:
            return refused_as_422(cards.assign_card, db, **details)
        day = card.valid_from or today()
        return refused_as_422(cards.assign_card_from_day, db, day=day, tz=settings.tz, **details)

    @router.post("/cards/{card_id}/revoke", summary="Revoke a card; its history stays", dependencies=carder)
    async def revoke_card(request: Request, card_id: RowId, revocation: Revocation) -> dict[str, Any]:
        found_or_404(cards.get_card, db, card_id)
        return refused_as_422(cards.revoke_card, db, card_id, author=actor(request), reason=revocation.reason)

    @router.get("/days", summary="Each child's arrivals and departures on a local day (a parent: their own)")
    async def get_days(
        user: Annotated[Account, Depends(require("attendance.view"))],
        day: Annotated[Day | None, Query(alias="date")] = None,
        group: str | None = None,
    ):
        group_id = found_or_404(registry.find_group, db, group)["id"] if group else None
        results = days.compute_days(db, settings, day or today(), group_id=group_id)
        mine = own_only(user, "attendance.view", [child_day.child["id"] for child_day in results])
        return [
            days.day_as_dict(child_day, settings.tz)
            for child_day in results
            if mine is None or child_day.child["id"] in mine
        ]

    @router.get("/presence", summary="Who is in the building now, per group")
    async def get_presence(
        _user: Annotated[Account, Depends(require("presence.view"))],
    ) -> list[dict[str, Any]]:
        return days.presence_now(db, settings)

    @router.get(
        "/inconsistencies",
        summary="The inconsistency log for local days (default the last 7)",
        dependencies=[Depends(require_all("attendance.view"))],
    )
    async def get_inconsistencies(
        first: Annotated[Day | None, Query(alias="from")] = None,
        last: Annotated[Day | None, Query(alias="to")] = None,
    ) -> list[dict[str, Any]]:
        last = last or today()
        first = first or last - timedelta(days=6)
        if last < first or (last - first).days > 62:
            raise HTTPException(422, "ask for at most 62 days, 'from' not after 'to'")
        return [days.inconsistency_as_dict(item) for item in days.inconsistencies(db, settings, first, last)]

    @router.post("/corrections", status_code=201, summary="Correct a child's day (reason required)")
    async def post_correction(request: Request, fix: NewCorrection) -> dict[str, Any]:
        check(request, "attendance.correct", child_id=fix.child_id)
        at = local_instant(fix.day, fix.time, settings.tz) if fix.time else None
        target_tap = refused_as_422(corrections.parse_tap_id, fix.tap) if fix.tap else None
        return refused_as_422(
            corrections.add_correction,
            db,
            child_id=fix.child_id,
            day=fix.day,
            kind=fix.kind,
            reason=fix.reason,
            author=actor(request),
            at=at,
            target_tap=target_tap,
            target_correction=fix.correction,
            today=today(),
        )

    @router.post(
        "/corrections/{correction_id}/revoke",
        summary="Revoke a correction (reason required)",
        dependencies=[Depends(require("attendance.correct"))],  # before looking the id up
    )
    async def revoke_correction(
        request: Request, correction_id: RowId, revocation: Revocation
    ) -> dict[str, Any]:
        correction = found_or_404(corrections.get_correction, db, correction_id)
        check(request, "attendance.correct", child_id=correction["child_id"])
        return refused_as_422(
            corrections.revoke_correction,
            db,
            correction_id,
            author=actor(request),
            reason=revocation.reason,
        )

    return router


def refused_as_422(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except RegistryError as exc:
        raise HTTPException(422, str(exc)) from exc


def found_or_404(function, *args):
    try:
        return function(*args)
    except RegistryError as exc:
        raise HTTPException(404, str(exc)) from exc
