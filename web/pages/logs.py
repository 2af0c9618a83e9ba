"""`/inconsistencies`: the inconsistency log, each item linked to where it is resolved;
`/audit`: who changed what, when, with the values before and after, filterable.

The director sees every group's inconsistencies; a teacher only those of their groups.
Unknown cards belong to no group: they are listed for whoever may assign cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlite_utils import Database

from hub.accounts.rights import OWN_GROUPS, Account, reach
from hub.collation import sort_key
from hub.config import Settings
from hub.rules.attendance import Inconsistency, day_bounds
from hub.services import days
from hub.store import audit, personal_data_reads, registry
from hub.store.db import stored_integer
from hub.timefmt import to_db
from web.audit_view import ENTITIES, Names, denial_view, entry_view, read_view
from web.auth import require_all
from web.deps import Db, SiteSettings, Templates
from web.forms import FormError, optional_date
from web.i18n import N_, _
from web.paging import paged

AUDIT_FILTERS = ("actor", "entity", "entity_id", "from", "to")
AUDIT_LIMIT = 500
"""The newest entries read at once; narrow the filters to see older ones."""
AUDIT_PAGE = 50
"""Entries on one page of the audit log."""
DENIALS_LIMIT = 100
READS_LIMIT = 200
"""The newest reads of children's data shown; a child's number in the filter narrows them."""
MAX_DAYS = 62
DEFAULT_DAYS = 7
KIND_NAMES = {
    "missing_departure": N_("Missing departure"),
    "missing_arrival": N_("Missing arrival"),
    "unconfirmed_tap": N_("Tap with an unknown time, to confirm"),
    "closed_day_tap": N_("Tap on a closed day"),
    "inactive_child_tap": N_("Tap of a child not enrolled that day"),
    "rejected_correction": N_("Correction that could not be applied"),
    "correction_after_close": N_("Correction after the month was closed"),
    "unknown_card": N_("Unknown card"),
    "conflicting_tap": N_("Tap that collides with a stored one (kept in the quarantine)"),
    "kiosk_record": N_("Recorded at the kiosk with a guardian's PIN, to review"),
}


router = APIRouter(include_in_schema=False)


@router.get("/inconsistencies", response_class=HTMLResponse)
def inconsistency_log(
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    request: Request,
    user: Annotated[Account, Depends(require_all("attendance.view"))],
) -> HTMLResponse:
    query = request.query_params
    today = datetime.now(settings.tz).date()
    allowed = set(user.groups) if reach(user, "attendance.correct") == OWN_GROUPS else None
    values = {key: query.get(key, "") for key in ("from", "to", "group")}
    try:
        last = optional_date(values["to"], "to") or today
        first = optional_date(values["from"], "from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            raise FormError(N_("The last day is before the first."), "to")
        if (last - first).days >= MAX_DAYS:
            raise FormError(N_("Ask for at most %(days)s days at a time."), "from", days=MAX_DAYS)
        group = _chosen_group(values["group"], allowed)
    except FormError as exc:
        context = {"error": exc, "values": values, "items": [], "groups": _groups(db, allowed)}
        return templates.TemplateResponse(request, "inconsistencies.html", context, status_code=422)
    items = log_items(db, settings, first, last, group, allowed)
    values.update({"from": first.isoformat(), "to": last.isoformat()})
    context = {
        "error": None,
        "values": values,
        "items": items,
        "groups": _groups(db, allowed),
        "kind_names": KIND_NAMES,
    }
    return templates.TemplateResponse(request, "inconsistencies.html", context)


@router.get("/audit", response_class=HTMLResponse, dependencies=[Depends(require_all("audit.view"))])
def audit_log(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    values = {key: request.query_params.get(key, "").strip() for key in AUDIT_FILTERS}
    kinds = sorted(((code, _(name)) for code, name in ENTITIES.items()), key=lambda kind: sort_key(kind[1]))
    try:
        if values["entity"] and values["entity"] not in ENTITIES:
            raise FormError(N_("Choose one of the kinds."), "entity")
        first = optional_date(values["from"], "from")
        last = optional_date(values["to"], "to")
        if first and last and last < first:
            raise FormError(N_("The last day is before the first."), "to")
    except FormError as exc:
        context = {
            "error": exc, "values": values, "entries": paged([], request.query_params, "page", AUDIT_PAGE),
            "denials": [], "reads": [], "reads_limit": READS_LIMIT, "limit": AUDIT_LIMIT, "kinds": kinds,
        }  # fmt: skip
        return templates.TemplateResponse(request, "audit.html", context, status_code=422)
    since = day_bounds(first, settings.tz)[0] if first else None
    until = day_bounds(last, settings.tz)[1] if last else None
    found = audit.entries(
        db,
        actor=values["actor"] or None,
        entity=values["entity"] or None,
        entity_id=values["entity_id"] or None,
        since=since,
        until=until,
        limit=AUDIT_LIMIT,
    )
    refused = [
        row
        for row in audit.denials(db, since=since, limit=DENIALS_LIMIT)
        if (until is None or row["at"] < to_db(until))
        and (not values["actor"] or row["login"] == values["actor"])
    ]
    reads = personal_data_reads.entries(
        db,
        child_id=stored_integer(values["entity_id"]) if values["entity"] == "child" else None,
        actor=values["actor"] or None,
        since=since,
        until=until,
        limit=READS_LIMIT,
    )
    names, when = Names.read(db), templates.env.filters["when"]
    shown = paged(found, request.query_params, "page", AUDIT_PAGE)
    context = {
        "error": None,
        "values": values,
        "entries": replace(shown, items=[entry_view(entry, names, when) for entry in shown.items]),
        "denials": [denial_view(row, names) for row in refused],
        "reads": [read_view(row, names) for row in reads],
        "reads_limit": READS_LIMIT,
        "limit": AUDIT_LIMIT,
        "kinds": kinds,
    }
    return templates.TemplateResponse(request, "audit.html", context)


def log_items(
    db: Database,
    settings: Settings,
    first: date,
    last: date,
    group: int | None,
    allowed: set[int] | None,
) -> list[dict[str, Any]]:
    """The log's items with the child's name and group and where each is resolved.

    `allowed`: the groups the reader may see (None: all, unknown cards included)."""
    group_ids: Sequence[int | None] = (
        [group] if group is not None else ([None] if allowed is None else sorted(allowed))
    )
    found: list[Inconsistency] = []
    for group_id in group_ids:
        found += days.inconsistencies(db, settings, first, last, group_id=group_id)
    children = {child["id"]: child for child in registry.list_children(db)}
    rows = []
    for item in sorted(found, key=lambda item: item.sort_key, reverse=True):
        child = children.get(item.child_id) if item.child_id is not None else None
        rows.append(
            {
                "item": item,
                "child": child,
                "resolve_href": resolve_href(item, child),
            }
        )
    return rows


def resolve_href(item: Inconsistency, child: dict[str, Any] | None) -> str:
    """Where the item is resolved: the list of what to resolve on the group's day (each with
    its correction form), or the cards page with the unknown card picked out."""
    if item.kind == "unknown_card" or child is None:
        return f"/cards?{urlencode({'uid': item.card_uid or ''})}#unknown-title"
    return f"/days/{child['group_id']}?{urlencode({'date': item.day.isoformat()})}#resolve-title"


def _chosen_group(value: str, allowed: set[int] | None) -> int | None:
    if not value:
        return None
    group_id = stored_integer(value)
    if group_id is None or (allowed is not None and group_id not in allowed):
        raise FormError(N_("Choose one of the groups."), "group")
    return group_id


def _groups(db: Database, allowed: set[int] | None) -> list[tuple[int, str]]:
    return [
        (group["id"], group["name"])
        for group in registry.list_groups(db)
        if allowed is None or group["id"] in allowed
    ]
