"""The gmina's fee resolution on the site: received by the city link, kept in the site's
database, and the site's own fee entries told back to the city.

The link (`hub.city.site_link.SiteLink`) asks on each round whether the city's bucket
`CITY_FEES` has changed since it last read it (one request); only then it reads every
resolution in force and keeps each new revision (`hub.store.city_fees.store`, audited).
A site offline for days reads them all when it is back. Billing then applies each
resolution from its date, under the kindergarten's own entries
(`hub.store.fee_settings.load`). A resolution the site cannot read (a newer city's form,
a damaged value) is logged and left out, never half kept: the site bills on as before.

The other way, each audited local fee change becomes a `fees` change event carrying the
kindergarten's own entries only (`local_overrides`), grouped by the date they apply from.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlite_utils import Database

from hub.city.fee_resolution import BUCKET
from hub.refusal import Refusal
from hub.store import city_fees, fee_settings
from hub.store.fee_document import entries_json, resolution_entries
from hub.timefmt import utc_now

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 5.0


class ResolutionReceiver:
    """Reads the city's resolutions into the site's database when the bucket has changed."""

    def __init__(self) -> None:
        self._read_up_to = 0
        """The bucket's last revision read (including values left out as unreadable)."""

    async def receive(self, db: Database, js: JetStreamContext) -> int:
        """Keep every resolution not kept yet; returns how many were kept now. The city
        unreachable keeps nothing and is tried again on the next round."""
        try:
            return await self._receive(db, js)
        except (TimeoutError, nats.errors.Error):
            log.warning("city link: the fee resolutions cannot be read now; trying again", exc_info=True)
            return 0

    async def _receive(self, db: Database, js: JetStreamContext) -> int:
        try:
            info = await js.stream_info(f"KV_{BUCKET}")
        except NotFoundError:
            return 0  # the city has set no resolution yet
        last = info.state.last_seq
        if last <= max(self._read_up_to, city_fees.last_revision(db)):
            return 0
        kv = await js.key_value(BUCKET)
        watcher = await kv.watchall(ignore_deletes=True)
        kept = 0
        try:
            while (entry := await watcher.updates(timeout=READ_TIMEOUT_S)) is not None:
                kept += keep(db, entry.key, entry.value, entry.revision)
        finally:
            await watcher.stop()
        self._read_up_to = last
        return kept


def keep(db: Database, key: str, value: bytes | None, revision: int) -> bool:
    """Store one value of the bucket if it is a readable resolution newer than the one kept."""
    try:
        data: dict[str, Any] = json.loads(value or b"")
        valid_from = date.fromisoformat(data["valid_from"])
        entries = resolution_entries(data["document"], valid_from, data["basis"])
        return city_fees.store(
            db, valid_from=valid_from, basis=data["basis"], entries=entries, resolution_id=int(data["id"]),
            revision=revision, set_at=str(data["set_at"]), now=utc_now(),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError, Refusal):
        log.warning("fee resolution %s (revision %s) cannot be read; left out", key, revision, exc_info=True)
        return False


def local_overrides(db: Database) -> list[dict[str, Any]]:
    """The kindergarten's own fee entries, one document per date they apply from."""
    local = fee_settings.local_changes(db)
    return [{"valid_from": day.isoformat(), "document": entries_json(local.on(day))} for day in local.dates()]
