"""`/api/readers`: the registered card readers with their latest status."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from hub.store import readers
from web.api.models import Reader, each
from web.auth import require
from web.deps import Db
from web.errors import API_ERRORS

router = APIRouter(prefix="/api", dependencies=[Depends(require("live.view"))], responses=API_ERRORS)


@router.get("/readers", summary="Registered readers with their latest status")
def api_readers(db: Db) -> list[Reader]:
    return each(Reader, readers.list_readers(db))
