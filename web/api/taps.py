"""`/api/taps`: the taps stored between two local dates, for the live page and scripts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.store import taps
from hub.timefmt import local_day_bounds
from web.api.models import Tap, each
from web.auth import require
from web.deps import Db, SiteSettings
from web.errors import API_ERRORS
from web.params import Day

MAX_RANGE_DAYS = 366

router = APIRouter(prefix="/api", dependencies=[Depends(require("live.view"))], responses=API_ERRORS)


@router.get("/taps", summary="Taps between two local dates (inclusive)")
def api_taps(
    db: Db,
    settings: SiteSettings,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query(description="A local date, YYYY-MM-DD; default today")] = None,
) -> list[Tap]:
    first, last = date_range(from_, to, settings)
    start, end = local_day_bounds(first, last, settings.tz)
    return each(Tap, taps.list_taps(db, start, end))


def date_range(first: date | None, last: date | None, settings: Settings) -> tuple[date, date]:
    today = datetime.now(settings.tz).date()
    first = first or last or today
    last = last or first
    if last < first:
        raise Refusal("range.reversed", N_("The last day is before the first."))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise Refusal("range.too_long", N_("Ask for at most %(days)s days at a time."), days=MAX_RANGE_DAYS)
    return first, last
