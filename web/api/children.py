"""`/api/children`: the register's children (a parent sees only their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from hub.accounts.rights import Account
from hub.store import cards, registry
from web.api.models import Child, ChildDetail, each
from web.api.refusals import found_or_404
from web.auth import actor, check, own_only, require
from web.deps import Db
from web.errors import API_ERRORS
from web.params import Day, RowId
from web.personal_data import note_read

router = APIRouter(prefix="/api", responses=API_ERRORS)


class NewChild(BaseModel):
    first_name: str
    last_name: str
    group: str | RowId
    birth_date: Day | None = None
    active_from: Day | None = None
    active_to: Day | None = None
    fee_exempt: bool | None = None
    notes: str = ""


@router.get("/children", summary="Children, by group and name (a parent: their own)")
def get_children(
    db: Db, user: Annotated[Account, Depends(require("registry.view"))], group: str | None = None
) -> list[Child]:
    group_id = found_or_404(registry.find_group, db, group)["id"] if group else None
    children = registry.list_children(db, group_id=group_id)
    mine = own_only(user, "registry.view", [child["id"] for child in children])
    return each(Child, (child for child in children if mine is None or child["id"] in mine))


@router.get("/children/{child_id}", summary="A child with guardians and cards")
def get_child(request: Request, db: Db, child_id: RowId) -> ChildDetail:
    check(request, "registry.view", child_id=child_id)
    child = found_or_404(registry.get_child, db, child_id)
    note_read(request, db, child_id, "api.child")
    child["guardians"] = registry.guardians_of(db, child_id)
    child["cards"] = cards.list_cards(db, child_id=child_id, include_revoked=True)
    return ChildDetail.model_validate(child)


@router.post(
    "/children", status_code=201, summary="Add a child", dependencies=[Depends(require("registry.edit"))]
)
def post_child(request: Request, db: Db, child: NewChild) -> Child:
    return Child.model_validate(registry.add_child(db, **child.model_dump(), author=actor(request)))
