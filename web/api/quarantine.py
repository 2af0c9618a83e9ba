"""`/api/quarantine`: the messages ingest refused, kept with the reason, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.store import quarantine
from web.api.models import QuarantinePage
from web.auth import require
from web.deps import Db
from web.errors import API_ERRORS

router = APIRouter(prefix="/api", dependencies=[Depends(require("live.view"))], responses=API_ERRORS)


@router.get(
    "/quarantine",
    summary="Rejected messages, kept with the reason, a page at a time (after: the last id seen)",
)
def api_quarantine(
    db: Db,
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=quarantine.MAX_PAGE)] = 50,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> QuarantinePage:
    entries = quarantine.list_quarantine(db, include_resolved=include_resolved, limit=limit, after_id=after)
    return QuarantinePage.model_validate(
        {
            "counts": quarantine.count_by_reason(db),
            "entries": entries,
            "next_after": entries[-1]["id"] if len(entries) == limit else None,
        }
    )
