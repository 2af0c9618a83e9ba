"""`/api/groups`: the kindergarten's groups."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from hub.store import registry
from web.api.models import Group, GroupListed, each
from web.auth import actor, require, require_all
from web.deps import Db
from web.errors import API_ERRORS

router = APIRouter(prefix="/api", responses=API_ERRORS)


class NewGroup(BaseModel):
    name: str
    teachers: str = ""


@router.get(
    "/groups",
    summary="Groups with their number of children",
    dependencies=[Depends(require_all("registry.view"))],
)
def get_groups(db: Db) -> list[GroupListed]:
    return each(GroupListed, registry.list_groups(db))


@router.post(
    "/groups", status_code=201, summary="Add a group", dependencies=[Depends(require("groups.edit"))]
)
def post_group(request: Request, db: Db, group: NewGroup) -> Group:
    return Group.model_validate(registry.add_group(db, group.name, group.teachers, author=actor(request)))
