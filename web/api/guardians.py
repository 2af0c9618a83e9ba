"""`/api/guardians`: the children's guardians."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from hub.store import registry
from web.api.models import Guardian, each
from web.auth import actor, require, require_all
from web.deps import Db
from web.errors import API_ERRORS
from web.params import RowId

router = APIRouter(prefix="/api", responses=API_ERRORS)


class NewGuardian(BaseModel):
    name: str
    phone: str = ""
    email: str = ""
    children: list[RowId] = []
    relation: str = ""


@router.get(
    "/guardians",
    summary="Guardians and their children",
    dependencies=[Depends(require_all("registry.view"))],
)
def get_guardians(db: Db) -> list[Guardian]:
    return each(Guardian, registry.list_guardians(db))


@router.post(
    "/guardians",
    status_code=201,
    summary="Add a guardian",
    dependencies=[Depends(require("registry.edit"))],
)
def post_guardian(request: Request, db: Db, guardian: NewGuardian) -> Guardian:
    return Guardian.model_validate(registry.add_guardian(db, **guardian.model_dump(), author=actor(request)))
