"""The site's link to its city: every stored tap and every change the city hears about
(`hub.city.events`), sent in the order stored to the city's NATS JetStream, each
acknowledged by the stream before the site's cursor moves past it.

Nothing is queued twice on the site: the events are read from the site's own tables after
a cursor (`city_link_cursors`), so a site offline for days sends, when the city is back,
exactly what it has not had acknowledged, in order. A message whose acknowledgement was
lost is sent again; the stream drops a repeat within its duplicate window by the message
id (`<site>:<key>`), and the city stores each event once per site and key whatever the
delay. The city never sits between a reader and its ack: the link runs beside ingest,
reads only, and a city that is down only delays it. On the same rounds it receives the
gmina's fee resolution (`hub.city.fee_resolution_site`), the one thing the city sends back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import nats
from nats.js import JetStreamContext
from sqlite_utils import Database

from hub.city.events import CHANGE_ACTIONS, CityEvent, change_event, tap_event
from hub.city.fee_resolution_site import ResolutionReceiver
from hub.store import city_link
from hub.timefmt import utc_now

log = logging.getLogger(__name__)

BATCH = 500
"""Events read and sent before the cursor is moved."""
ACK_TIMEOUT_S = 5.0
IDLE_S = 1.0
"""How often an idle link looks for new events."""


def pending(db: Database, site: str, feed: str) -> tuple[list[CityEvent], int]:
    """The next batch of `feed` after its cursor, and where the cursor goes once it is sent."""
    last = city_link.cursor(db, feed)
    if feed == "taps":
        rows = city_link.taps_after(db, last, BATCH)
        return [tap_event(site, row) for row in rows], (rows[-1]["id"] if rows else last)
    up_to = city_link.last_change_id(db, last, BATCH)
    entries = city_link.changes_after(db, last, up_to, CHANGE_ACTIONS)
    return [change_event(db, site, entry) for entry in entries], up_to


async def send_pending(db: Database, site: str, js: JetStreamContext) -> int:
    """Send everything not yet acknowledged, feed by feed; returns how many were sent. An
    unanswered publish raises, leaving the cursor at the last acknowledged batch."""
    sent = 0
    for feed in city_link.FEEDS:
        while True:
            events, up_to = pending(db, site, feed)
            if up_to == city_link.cursor(db, feed):
                break
            for event in events:
                await js.publish(
                    event.subject,
                    event.data(),
                    timeout=ACK_TIMEOUT_S,
                    headers={"Nats-Msg-Id": f"{site}:{event.key}"},
                )
            city_link.advance(db, feed, up_to, utc_now())
            sent += len(events)
    return sent


class SiteLink:
    """Runs `send_pending` in its own thread until stopped, reconnecting as needed."""

    def __init__(self, open_db: Callable[[], Database], site: str, servers: list[str]) -> None:
        self._open_db, self.site, self.servers = open_db, site, servers
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="city-link", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        db = self._open_db()
        try:
            asyncio.run(self._serve(db))
        finally:
            db.close()

    async def _serve(self, db: Database) -> None:
        client = await nats.connect(
            servers=self.servers, max_reconnect_attempts=-1, reconnect_time_wait=1, allow_reconnect=True
        )
        try:
            js = client.jetstream()
            resolutions = ResolutionReceiver()
            while not self._stopping.is_set():
                try:
                    await send_pending(db, self.site, js)
                except (TimeoutError, nats.errors.Error):
                    log.warning("city link: the city did not acknowledge; trying again", exc_info=True)
                await resolutions.receive(db, js)  # whether or not the city took the events
                await asyncio.sleep(IDLE_S)
        finally:
            await client.close()
