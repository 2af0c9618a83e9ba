"""Conflicting taps in the inconsistency log.

A tap whose `(reader, seq)` was already stored with other content is kept in the quarantine
(reason `conflict`, hub/ingest/intake.py). Until someone resolves that entry, it is an item of the
log on the day it arrived, naming the stored tap it collides with, so a forged tap cannot
quietly hide a real one.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.rules.attendance import Inconsistency, TapId
from hub.store import quarantine
from hub.timefmt import from_db, local_day_bounds
from hub.wire import BadMessage, parse_tap


def conflict_items(db: Database, first: date, last: date, tz: ZoneInfo) -> list[Inconsistency]:
    """One item per open conflict first received on a local day `first`..`last`."""
    start, end = local_day_bounds(first, last, tz)
    items = []
    for entry in quarantine.conflicts(db, start, end):
        try:
            uid: str | None = parse_tap(entry["payload"].encode()).uid
        except BadMessage:
            uid = None
        items.append(
            Inconsistency(
                "conflicting_tap",
                None,
                from_db(entry["first_received_at"]).astimezone(tz).date(),
                f"quarantine entry #{entry['id']}: {entry['detail']}",
                taps=(TapId(entry["reader_id"], entry["seq"]),),
                card_uid=uid,
            )
        )
    return items
