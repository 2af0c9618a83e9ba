"""`/api/days`, `/api/presence`, `/api/inconsistencies`: children's days as the hub computes
them, who is in now, and what is left to resolve."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.accounts.rights import Account
from hub.refusal import N_, Refusal
from hub.services import day_json, days
from hub.services.presence import presence_now
from hub.store import registry
from web.api.models import ChildDay, GroupPresence, Inconsistency, each
from web.api.refusals import found_or_404
from web.auth import own_only, require, require_all
from web.deps import Db, SiteSettings, today
from web.errors import API_ERRORS
from web.params import Day

router = APIRouter(prefix="/api", responses=API_ERRORS)
MAX_INCONSISTENCY_DAYS = 63


@router.get("/days", summary="Each child's arrivals and departures on a local day (a parent: their own)")
def get_days(
    db: Db,
    settings: SiteSettings,
    user: Annotated[Account, Depends(require("attendance.view"))],
    day: Annotated[Day | None, Query(alias="date")] = None,
    group: str | None = None,
) -> list[ChildDay]:
    group_id = found_or_404(registry.find_group, db, group)["id"] if group else None
    results = days.compute_days(db, settings, day or today(settings), group_id=group_id)
    mine = own_only(user, "attendance.view", [child_day.child["id"] for child_day in results])
    return each(
        ChildDay,
        (
            day_json.day_as_dict(child_day, settings.tz)
            for child_day in results
            if mine is None or child_day.child["id"] in mine
        ),
    )


@router.get(
    "/presence",
    summary="Who is in the building now, per group",
    dependencies=[Depends(require("presence.view"))],
)
def get_presence(db: Db, settings: SiteSettings) -> list[GroupPresence]:
    return each(GroupPresence, presence_now(db, settings))


@router.get(
    "/inconsistencies",
    summary="The inconsistency log for local days (default the last 7)",
    dependencies=[Depends(require_all("attendance.view"))],
)
def get_inconsistencies(
    db: Db,
    settings: SiteSettings,
    first: Annotated[Day | None, Query(alias="from")] = None,
    last: Annotated[Day | None, Query(alias="to")] = None,
) -> list[Inconsistency]:
    last = last or today(settings)
    first = first or last - timedelta(days=6)
    if last < first:
        raise Refusal("range.reversed", N_("The last day is before the first."))
    if (last - first).days >= MAX_INCONSISTENCY_DAYS:
        raise Refusal(
            "range.too_long", N_("Ask for at most %(days)s days at a time."), days=MAX_INCONSISTENCY_DAYS
        )
    found = days.inconsistencies(db, settings, first, last)
    return each(Inconsistency, (day_json.inconsistency_as_dict(item) for item in found))
