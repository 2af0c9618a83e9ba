"""`/api/cards`: cards and their children, assigning and revoking, unknown cards seen lately."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hub.ingest.desk_reader import recent_reads
from hub.store import cards
from hub.timefmt import local_day_bounds
from web.api.models import Card, UnknownCard, each
from web.api.refusals import Revocation, found_or_404
from web.auth import actor, require, require_all
from web.deps import Db, SiteSettings, today
from web.errors import API_ERRORS
from web.params import Day, RowId

router = APIRouter(prefix="/api", responses=API_ERRORS)
carder = [Depends(require("cards.edit"))]


class NewCard(BaseModel):
    uid: str
    child_id: RowId
    number: str = ""
    holder: str = ""
    valid_from: Day | None = Field(
        None, description="Counts from the start of this local day (default today)"
    )
    from_now: bool = False


@router.get(
    "/cards", summary="Cards and their children", dependencies=[Depends(require_all("registry.view"))]
)
def get_cards(db: Db, child: RowId | None = None, include_revoked: bool = False) -> list[Card]:
    return each(Card, cards.list_cards(db, child_id=child, include_revoked=include_revoked))


@router.get("/cards/unknown", summary="Cards tapped recently that belong to nobody", dependencies=carder)
def get_unknown_cards(
    db: Db,
    settings: SiteSettings,
    days_back: Annotated[int, Query(alias="days", ge=1, le=366)] = 7,
) -> list[UnknownCard]:
    first = today(settings) - timedelta(days=days_back - 1)
    return each(UnknownCard, cards.unknown_cards(db, local_day_bounds(first, first, settings.tz)[0]))


class DeskRead(BaseModel):
    n: int = Field(description="The read's number: ask for those after the last one seen")
    uid: str
    at: str = Field(description="When it was read (UTC)")


@router.get(
    "/cards/desk-reads",
    summary="Cards read lately by the desk reader (`ewidencjoner desk-reader`)",
    dependencies=carder,
)
def get_desk_reads(
    settings: SiteSettings, after: Annotated[int, Query(ge=0, le=2**53)] = 0
) -> list[DeskRead]:
    return [DeskRead(n=r.n, uid=r.uid, at=r.at) for r in recent_reads(settings.database, after)]


@router.post("/cards", status_code=201, summary="Assign a card to a child", dependencies=carder)
def post_card(request: Request, db: Db, settings: SiteSettings, card: NewCard) -> Card:
    details: dict[str, Any] = {
        "uid": card.uid,
        "child_id": card.child_id,
        "author": actor(request),
        "number": card.number,
        "holder": card.holder,
    }
    if card.from_now:
        return Card.model_validate(cards.assign_card(db, **details))
    day = card.valid_from or today(settings)
    return Card.model_validate(cards.assign_card_from_day(db, day=day, tz=settings.tz, **details))


@router.post("/cards/{card_id}/revoke", summary="Revoke a card; its history stays", dependencies=carder)
def revoke_card(request: Request, db: Db, card_id: RowId, revocation: Revocation) -> Card:
    found_or_404(cards.get_card, db, card_id)
    return Card.model_validate(
        cards.revoke_card(db, card_id, author=actor(request), reason=revocation.reason)
    )
