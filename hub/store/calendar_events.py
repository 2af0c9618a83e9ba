"""Calendar events (terminarz): meetings, trips, celebrations, consultations, days off, for
one group or for all; all-day (from one date through another) or timed (from one instant to
a later one). Cancelled only with a reason, never deleted.

A timed event is stored as UTC instants (`hub.timefmt`) with the local days it spans, so a
month's events are one indexed query for both kinds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Label, Refusal
from hub.rules.agenda import EVENT_KINDS, Reader, concerns_event
from hub.store import audit
from hub.store.announcements import REASON, check_days
from hub.store.db import inserted_id
from hub.store.registry import get_group, optional_text, required_text
from hub.timefmt import to_db, utc_now

TITLE = Label(N_("Event name"))
PLACE = Label(N_("Place"))
MAX_EVENT_DAYS = 62
"""An event lasts at most two months (a summer break is entered as closed days)."""


def add_event(
    db: Database,
    *,
    kind: str,
    title: str,
    place: str = "",
    group_id: int | None,
    start: date | datetime,
    end: date | datetime,
    author: str,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add an event: all-day when `start` and `end` are dates (`end` its last day), timed
    when both are aware datetimes (`end` after `start`)."""
    if kind not in EVENT_KINDS:
        raise Refusal("event.kind_unknown", N_("Choose the kind of event."), kind=kind)
    if group_id is not None:
        get_group(db, group_id)
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    row = {
        "kind": kind,
        "title": required_text(title, TITLE),
        "place": optional_text(place, PLACE),
        "group_id": group_id,
        **_when(start, end, tz),
        "author": author.strip(),
        "created_at": to_db(now or utc_now()),
    }
    with db.atomic():
        event_id = inserted_id(db.table("calendar_events").insert(row))
        created = get_event(db, event_id)
        audit.record(
            db, actor=row["author"], action="event.add", entity="calendar_event", entity_id=event_id,
            after=created, now=now,
        )  # fmt: skip
    return created


def cancel_event(
    db: Database, event_id: int, *, reason: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """Cancel an event; it leaves the calendar and the feeds, its row and the reason stay."""
    why = required_text(reason, REASON, limit=500)
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    with db.atomic():
        before = get_event(db, event_id)
        if before["cancelled_at"]:
            raise Refusal("event.cancelled", N_("Event %(id)s has already been cancelled."), id=event_id)
        changes = {
            "cancelled_at": to_db(now or utc_now()),
            "cancelled_by": author.strip(),
            "cancel_reason": why,
        }
        db.table("calendar_events").update(event_id, changes)
        after = get_event(db, event_id)
        audit.record(
            db, actor=author.strip(), action="event.cancel", entity="calendar_event", entity_id=event_id,
            before=before, after=after, now=now,
        )  # fmt: skip
    return after


def get_event(db: Database, event_id: int) -> dict[str, Any]:
    rows = list(db["calendar_events"].rows_where("id = ?", [event_id]))
    if not rows:
        raise Refusal("event.not_found", N_("There is no calendar event with id %(id)s."), id=event_id)
    return _public(rows[0])


def events_between(
    db: Database, first: date, last: date, *, reader: Reader | None = None, cancelled: bool = False
) -> list[dict[str, Any]]:
    """The events touching days `first`..`last`, by start; only those concerning `reader`
    (None: all); cancelled ones only with `cancelled`."""
    where = "start_day <= ? AND end_day >= ?"
    if not cancelled:
        where += " AND cancelled_at IS NULL"
    rows = db["calendar_events"].rows_where(
        where, [last.isoformat(), first.isoformat()], order_by="start_day, starts_at, id"
    )
    return [_public(row) for row in rows if reader is None or concerns_event(reader, row["group_id"])]


def _when(start: date | datetime, end: date | datetime, tz: ZoneInfo) -> dict[str, Any]:
    if isinstance(start, datetime) and isinstance(end, datetime):
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("an event's times must be aware")
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        check_days(first, last, limit=MAX_EVENT_DAYS)
        if end <= start:
            raise Refusal("dates.end_before_start", N_("The end is before the start."))
        return {
            "all_day": 0,
            "start_day": first.isoformat(),
            "end_day": last.isoformat(),
            "starts_at": to_db(start),
            "ends_at": to_db(end),
        }
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise ValueError("an event is all-day (two dates) or timed (two datetimes)")
    check_days(start, end, limit=MAX_EVENT_DAYS)
    return {"all_day": 1, "start_day": start.isoformat(), "end_day": end.isoformat()}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "all_day": bool(row["all_day"])}


def days_of(event: dict[str, Any]) -> list[date]:
    """The local days an event spans."""
    first, last = date.fromisoformat(event["start_day"]), date.fromisoformat(event["end_day"])
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
