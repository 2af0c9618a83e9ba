"""`/api/readers`: the registered card readers with their latest status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from hub.store import readers
from web.auth import require
from web.deps import Db
from web.errors import API_ERRORS

router = APIRouter(prefix="/api", dependencies=[Depends(require("live.view"))], responses=API_ERRORS)


@router.get("/readers", summary="Registered readers with their latest status")
def api_readers(db: Db) -> list[dict[str, Any]]:
    return readers.list_readers(db)
