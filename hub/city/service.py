"""The city service (`ewidencjoner city serve`): the stream `CITY` into PostgreSQL.

Every instance binds to the same durable pull consumer (`city-service`), so NATS spreads
the messages among however many run. Each message is stored by `apply_event` in its own
transaction and acknowledged only after that commits: a message whose instance dies
before its ack is delivered again (after `ACK_WAIT_S`, to any instance), and the events'
primary key (site, key) makes the second delivery change nothing. So the view holds every
event exactly once, whatever is killed or restarted.

The client fails over among the cluster's nodes by itself; PostgreSQL going away makes
the instance wait and try the same message again, unacknowledged. A message that is no
event is kept aside with why (`rejected_events`) and acknowledged: it never stops the
service. The start-up steps are idempotent: the stream (`ensure_stream`) and the
PostgreSQL schema (`pg_schema.migrate`) are made by whichever instance comes first, and
the fee resolutions in force are put into the sites' bucket unless they are there.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats
import psycopg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from hub.city import fee_resolution, pg_schema
from hub.city.apply import apply_event, reject
from hub.city.config import CityConfig
from hub.city.stream import STREAM, SUBJECTS, ensure_stream

__all__ = ["CityService", "apply_event", "serve"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DURABLE = "city-service"
"""The one consumer every instance shares."""
ACK_WAIT_S = 15.0
"""How long a delivered message waits for its ack before NATS gives it to another instance:
a batch is stored in well under a second, so this only bounds how late a killed instance's
messages come again."""
MAX_ACK_PENDING = 1000
"""Messages delivered and not yet acknowledged, all instances together."""
BATCH = 100
FETCH_WAIT_S = 1.0
RETRY_S = 1.0
"""How long to wait before asking an engine that did not answer again."""
LOG_EVERY_S = 30.0
"""The progress line's period (counts since the last one), when anything arrived."""

Message = tuple[str, int, bytes]
"""A message as `apply_event` takes it: subject, stream sequence, data."""


def consumer_config() -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_S,
        max_ack_pending=MAX_ACK_PENDING,
        max_deliver=-1,
    )


class ViewStore:
    """The instance's PostgreSQL connection, made again whenever it is lost. Used from one
    worker thread at a time; `stopping` cuts a wait for PostgreSQL short."""

    def __init__(self, dsn: str, stopping: threading.Event) -> None:
        self.dsn, self.stopping = dsn, stopping
        self._conn: psycopg.Connection[Any] | None = None

    def migrate(self) -> None:
        self._retrying(pg_schema.migrate)

    def resolutions(self) -> list[dict[str, Any]]:
        return self._retrying(fee_resolution.resolutions)

    def apply_all(self, messages: list[Message]) -> list[bool | None]:
        """Store the messages in order: True new, False seen before, None rejected. Fewer
        results than messages when stopped while PostgreSQL was away (the rest unacked)."""
        results: list[bool | None] = []
        for subject, seq, data in messages:
            try:
                results.append(
                    self._retrying(functools.partial(_apply_or_reject, subject=subject, seq=seq, data=data))
                )
            except InterruptedError:
                break
        return results

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _retrying(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`work` on a live connection, waiting out PostgreSQL's absence (InterruptedError
        when the service stops first)."""
        down_since: float | None = None
        while not self.stopping.is_set():
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
                result = work(self._conn)
                if down_since is not None:
                    log.info("city: PostgreSQL is back after %.0f s", time.monotonic() - down_since)
                return result
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning(
                        "city: PostgreSQL did not answer (%s); trying again", " ".join(str(error).split())
                    )
                self.close()
                self._conn = None
                self.stopping.wait(RETRY_S)
        raise InterruptedError


def _apply_or_reject(conn: psycopg.Connection[Any], subject: str, seq: int, data: bytes) -> bool | None:
    """`apply_event`, with any failure of ours on one message kept aside with the message,
    so that one message can never stop the service (PostgreSQL's absence is raised)."""
    try:
        return apply_event(conn, subject, seq, data) or _was_rejected(conn, seq)
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise
    except Exception as error:
        log.exception("city: message %s on %r could not be applied", seq, subject[:200])
        reject(conn, subject, seq, data, f"the city service failed on it: {error!r}")
        return None


def _was_rejected(conn: psycopg.Connection[Any], seq: int) -> bool | None:
    """False for an event seen before, None for a message rejected (now or earlier)."""
    row = conn.execute("SELECT 1 FROM rejected_events WHERE stream_seq = %s", [seq]).fetchone()
    return None if row else False


class CityService:
    """One instance: `run` until `stop`. `on_ready` is called once the consumer is bound."""

    def __init__(self, config: CityConfig, name: str, on_ready: Callable[[], None] = lambda: None) -> None:
        self.config, self.name, self.on_ready = config, name, on_ready
        self._stopping = threading.Event()
        self.store = ViewStore(config.postgres, self._stopping)
        self.counts = {"new": 0, "repeated": 0, "rejected": 0}

    def stop(self) -> None:
        self._stopping.set()

    async def _publish_resolutions(self, js: Any) -> None:
        """Put the fee resolutions in force into the sites' bucket, should one have been set
        while NATS was away (`city resolution set` keeps it and says so): whichever
        instance starts next publishes it; one already there is not put again."""
        rows = await asyncio.to_thread(self.store.resolutions)
        put = await self._answered(lambda: fee_resolution.publish(js, rows))
        if put:
            log.info(
                "city service %s: published %d fee resolution(s) kept while NATS was away", self.name, put
            )

    async def run(self) -> None:
        client = await self._connect()
        if client is None:
            return
        try:
            js = client.jetstream()
            await self._answered(lambda: ensure_stream(js))
            await asyncio.to_thread(self.store.migrate)
            await self._publish_resolutions(js)
            subscription = await self._answered(
                lambda: js.pull_subscribe(
                    SUBJECTS[0], durable=DURABLE, stream=STREAM, config=consumer_config()
                )
            )
            log.info("city service %s: consuming %s as %s", self.name, STREAM, DURABLE)
            self.on_ready()
            await self._consume(subscription)
        except InterruptedError:
            pass
        finally:
            self._log_counts()
            await client.close()
            self.store.close()

    async def _consume(self, subscription: Any) -> None:
        logged = time.monotonic()
        while not self._stopping.is_set():
            try:
                messages = await subscription.fetch(BATCH, timeout=FETCH_WAIT_S)
            except (TimeoutError, nats.errors.Error) as error:
                if not isinstance(error, TimeoutError):
                    log.warning("city service %s: NATS did not deliver (%r); trying again", self.name, error)
                    await asyncio.sleep(RETRY_S)
                continue
            batch = [(m.subject, m.metadata.sequence.stream, m.data) for m in messages]
            results = await asyncio.to_thread(self.store.apply_all, batch)
            for message, result in zip(messages, results, strict=False):
                await _ack(message)
                self.counts["new" if result else "repeated" if result is False else "rejected"] += 1
            if time.monotonic() - logged >= LOG_EVERY_S:
                self._log_counts()
                logged = time.monotonic()

    def _log_counts(self) -> None:
        if any(self.counts.values()):
            log.info(
                "city service %s: %d new events, %d seen before, %d rejected",
                self.name, self.counts["new"], self.counts["repeated"], self.counts["rejected"],
            )  # fmt: skip
            self.counts = dict.fromkeys(self.counts, 0)

    async def _connect(self) -> Any:
        while not self._stopping.is_set():
            try:
                return await nats.connect(
                    servers=list(self.config.nats), name=f"ewidencjoner city service {self.name}",
                    max_reconnect_attempts=-1, reconnect_time_wait=RETRY_S, allow_reconnect=True,
                    error_cb=self._nats_error, disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                )  # fmt: skip
            except (OSError, TimeoutError, nats.errors.Error) as error:
                log.warning("city service %s: no NATS server answered (%r); trying again", self.name, error)
                await asyncio.sleep(RETRY_S)
        return None

    async def _answered(self, request: Callable[[], Awaitable[T]]) -> T:
        """Ask until the cluster answers (a leader may be elected first after a node's loss);
        InterruptedError when the service stops first."""
        while not self._stopping.is_set():
            try:
                return await request()
            except (TimeoutError, nats.errors.Error) as error:
                log.warning(
                    "city service %s: the cluster did not answer (%r); asking again", self.name, error
                )
                await asyncio.sleep(RETRY_S)
        raise InterruptedError

    async def _nats_error(self, error: Exception) -> None:
        """A node that refuses a connection is the usual lost node: said once, on disconnecting."""
        log.log(logging.DEBUG if isinstance(error, OSError) else logging.WARNING, "city service %s: NATS: %r",
                self.name, error)  # fmt: skip

    async def _reconnected(self) -> None:
        log.info("city service %s: reconnected to NATS", self.name)

    async def _disconnected(self) -> None:
        if not self._stopping.is_set():
            log.warning("city service %s: disconnected from NATS; reconnecting", self.name)


async def _ack(message: Any) -> None:
    """Acknowledge a stored message; a lost ack only makes it come again (stored once)."""
    try:
        await message.ack()
    except nats.errors.Error as error:
        log.warning("city: an ack was not sent (%r); the message will come again", error)


def serve(config: CityConfig, name: str, on_ready: Callable[[], None] = lambda: None) -> None:
    """Run one instance until SIGTERM or SIGINT."""
    service = CityService(config, name, on_ready)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, service.stop)
        await service.run()

    asyncio.run(main())
