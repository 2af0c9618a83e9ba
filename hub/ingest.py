"""MQTT ingest: readers' messages in, committed to the database, acknowledged out.

Two threads. paho's network thread only timestamps each message and queues it. The writer
thread takes whatever is queued (up to `MAX_BATCH`), handles it in one transaction, and
only after the commit publishes each tap's `ack` to its reader and sends the broker its
PUBACK (`manual_ack`). So a hub killed at any moment has acknowledged nothing it has not
stored, and the broker, holding the hub's persistent session (clean session off, stable
client id), delivers the rest again after a restart. Redeliveries are recognised by the
tap's `(reader_id, seq)` and answered with `"r":"dup"`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import paho.mqtt.client as mqtt
from sqlite_utils import Database

from hub import quarantine, readers, taps
from hub.config import Settings
from hub.db import open_database
from hub.events import EventBus
from hub.timefmt import local_clock, to_db, utc_now
from hub.wire import (
    BadMessage,
    TapMessage,
    ack_payload,
    parse_status,
    parse_tap,
    parse_topic,
    reader_topic,
    time_payload,
    time_topic,
)

log = logging.getLogger(__name__)

MAX_BATCH = 500
TIME_PERIOD_S = 60
RETRY_AFTER_DB_ERROR_S = 1.0
KEEPALIVE_S = 30

Classifier = Callable[[Database, str, TapMessage], tuple[str, str]]
"""Given a new tap, what the reader should show: (`in`|`out`|`unknown`, the child's short name)."""


def unknown_card(db: Database, reader_id: str, tap: TapMessage) -> tuple[str, str]:
    """Until cards are assigned to children, every card is unknown to the hub."""
    return "unknown", ""


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    qos: int
    mid: int
    retain: bool
    received: datetime


@dataclass
class Outcome:
    """What to send once the batch holding this message is committed."""

    message: Incoming
    ack: tuple[str, bytes] | None = None
    event: dict[str, object] | None = None


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    statuses: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)


class Ingest:
    """Subscribes to the site's readers and stores what they send; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        events: EventBus | None = None,
        classify: Classifier = unknown_card,
    ) -> None:
        self.settings = settings
        self.events = events or EventBus()
        self.classify = classify
        self.stats = IngestStats()
        self.connected = threading.Event()
        self._inbox: queue.Queue[Incoming] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.settings.mqtt_client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        broker = self.settings.broker
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.max_inflight_messages_set(100)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        broker = self.settings.broker
        self._client.connect_async(broker.host, broker.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()
        for target, name in [(self._write_loop, "ingest-writer"), (self._time_loop, "ingest-time")]:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def stop(self) -> None:
        """Store and acknowledge what has arrived, then disconnect."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    # -- paho callbacks (network thread) -------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the hub: %s", reason_code)
            return
        site = self.settings.site
        client.subscribe([(reader_topic(site, "+", "tap"), 1), (reader_topic(site, "+", "status"), 1)])
        self._publish_time()
        self.connected.set()
        log.info("connected to the broker, session present: %s", flags.session_present)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(
            Incoming(
                topic=message.topic,
                payload=bytes(message.payload),
                qos=message.qos,
                mid=message.mid,
                retain=bool(message.retain),
                received=utc_now(),
            )
        )

    # -- writer thread -------------------------------------------------------------------

    def _write_loop(self) -> None:
        db = open_database(self.settings.database)
        try:
            while not (self._stopping.is_set() and self._inbox.empty()):
                batch = self._next_batch()
                if batch:
                    self._commit_and_acknowledge(db, batch)
        finally:
            db.close()

    def _next_batch(self) -> list[Incoming]:
        try:
            batch = [self._inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _commit_and_acknowledge(self, db: Database, batch: list[Incoming]) -> None:
        while True:
            try:
                with db.atomic():
                    outcomes = [self._handle_safely(db, message) for message in batch]
                break
            except Exception:
                # The database itself failed (disk full, I/O error): nothing was committed
                # and nothing acknowledged; keep the batch and try again.
                log.exception("could not commit %d messages; retrying", len(batch))
                if self._stopping.wait(RETRY_AFTER_DB_ERROR_S):
                    return
        for outcome in outcomes:
            if outcome.ack:
                self._client.publish(*outcome.ack, qos=1)
            if outcome.message.qos > 0:
                self._client.ack(outcome.message.mid, outcome.message.qos)
            if outcome.event:
                self.events.publish(outcome.event)

    def _handle_safely(self, db: Database, message: Incoming) -> Outcome:
        """Handle one message in a savepoint; whatever goes wrong lands in the quarantine."""
        self.stats.received += 1
        try:
            with db.atomic():
                return self._handle(db, message)
        except BadMessage as bad:
            return self._quarantine(db, message, bad.reason, bad.detail)
        except Exception as exc:  # a bug in the hub must not lose the message either
            log.exception("failed to handle a message on %s", message.topic)
            return self._quarantine(db, message, "internal_error", repr(exc))

    def _quarantine(self, db: Database, message: Incoming, reason: str, detail: str) -> Outcome:
        try:
            reader_id: str | None = parse_topic(message.topic).reader_id
        except BadMessage:
            reader_id = None
        entry = quarantine.quarantine(
            db,
            topic=message.topic,
            payload=message.payload,
            reason=reason,
            detail=detail,
            received=message.received,
            reader_id=reader_id,
        )
        self.stats.quarantined[reason] += 1
        log.warning("quarantined a message on %s: %s: %s", message.topic, reason, detail)
        return Outcome(message, event={"type": "quarantine", "id": entry, "reason": reason})

    def _handle(self, db: Database, message: Incoming) -> Outcome:
        topic = parse_topic(message.topic)
        if not readers.is_registered(db, topic.reader_id):
            raise BadMessage(
                "unknown_reader",
                f"reader {topic.reader_id!r} is not registered: "
                f"ewidencjoner readers add {topic.reader_id} --name ...",
            )
        if topic.kind == "tap":
            return self._handle_tap(db, topic.reader_id, message)
        if topic.kind == "status":
            return self._handle_status(db, topic.reader_id, message)
        raise BadMessage("bad_topic", f"readers may not publish on {topic.kind!r}")

    def _handle_tap(self, db: Database, reader_id: str, message: Incoming) -> Outcome:
        tap = parse_tap(message.payload)
        ack_topic = reader_topic(self.settings.site, reader_id, "ack")
        when = taps.insert_tap(db, reader_id, tap, message.received)
        if when is None:
            self.stats.duplicates += 1
            return Outcome(message, ack=(ack_topic, ack_payload(tap.seq, "dup")))
        readers.touch(db, reader_id, message.received)
        result, name = self.classify(db, reader_id, tap)
        clock = local_clock(when.at, self.settings.tz) if when.at else ""
        self.stats.stored += 1
        event = {
            "type": "tap",
            "reader_id": reader_id,
            "seq": tap.seq,
            "uid": tap.uid,
            "at": to_db(when.at) if when.at else None,
            "time_quality": when.quality,
            "result": result,
            "name": name,
            "local_time": clock,
        }
        return Outcome(message, ack=(ack_topic, ack_payload(tap.seq, result, name, clock)), event=event)

    def _handle_status(self, db: Database, reader_id: str, message: Incoming) -> Outcome:
        status = parse_status(message.payload)
        if not readers.record_status(db, reader_id, status, message.received, retained=message.retain):
            return Outcome(message)
        self.stats.statuses += 1
        return Outcome(message, event={"type": "reader", **readers.get_reader(db, reader_id)})

    # -- the site clock ------------------------------------------------------------------

    def _time_loop(self) -> None:
        while not self._stopping.wait(TIME_PERIOD_S):
            if self.connected.is_set():
                self._publish_time()

    def _publish_time(self) -> None:
        self._client.publish(
            time_topic(self.settings.site), time_payload(int(time.time())), qos=0, retain=True
        )

    def describe(self) -> dict[str, object]:
        """Counters for the API and logs."""
        return {
            "connected": self.connected.is_set(),
            "received": self.stats.received,
            "stored": self.stats.stored,
            "duplicates": self.stats.duplicates,
            "statuses": self.stats.statuses,
            "quarantined": dict(self.stats.quarantined),
            "queued": self._inbox.qsize(),
        }
