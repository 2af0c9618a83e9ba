"""MQTT ingest: readers' messages in, committed to the database, acknowledged out.

Two threads. paho's network thread only timestamps each message and queues it. The writer
thread takes whatever is queued (up to `MAX_BATCH`), handles it in one transaction, and
only after the commit publishes each tap's `ack` to its reader and sends the broker its
PUBACK (`manual_ack`). So a hub killed at any moment has acknowledged nothing it has not
stored, and the broker, holding the hub's persistent session (clean session off, stable
client id), delivers the rest again after a restart. Redeliveries are recognised by the
tap's `(reader_id, seq)` and answered with `"r":"dup"`.

A message that cannot be stored is quarantined by intake on its own; only a failing database
makes the writer retry, and while it does, `describe` (and the heartbeat file that
`readers list` reads, hub/ingest/health.py) reports ingest as stalled once the oldest
waiting message is older than `stall_after_s` and nothing was committed for as long.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt
from sqlite_utils import Database

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.health import STALL_AFTER_S, Heartbeat
from hub.ingest.intake import Classifier, Incoming, Intake, IntakeStats, Outcome
from hub.ingest.updates import UpdateService
from hub.services.acks import AckClassifier
from hub.services.notifications import AttendanceNotices
from hub.store import quarantine, readers, site_settings
from hub.store.db import open_database
from hub.timefmt import to_db, utc_now
from hub.wire import reader_topic, time_payload, time_topic

log = logging.getLogger(__name__)

MAX_BATCH = 500
TIME_PERIOD_S = 60
RETRY_AFTER_DB_ERROR_S = 1.0
KEEPALIVE_S = 30
PURGE_PERIOD_S = 24 * 3600
UPDATES_PERIOD_S = 1.0


def disable_nagle(client: mqtt.Client) -> None:
    """Send each small packet (an ack, a PUBACK) at once instead of waiting up to 40 ms for
    the peer's delayed TCP acknowledgement: paho leaves Nagle's algorithm on."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Ingest:
    """Subscribes to the site's readers and stores what they send; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        events: EventBus | None = None,
        classify: Classifier | None = None,
        stall_after_s: float = STALL_AFTER_S,
        on_notified: Callable[[], None] | None = None,
    ) -> None:
        """`on_notified`: called after a commit that queued notifications (the sender's wake)."""
        self.settings = settings
        self.on_notified = on_notified
        self.events = events or EventBus()
        self.notices = AttendanceNotices(settings.tz)
        self.intake = Intake(
            settings.site, settings.tz, classify or AckClassifier(settings), on_tap=self.notices.tap_stored
        )
        self.stats = IntakeStats()
        self.connected = threading.Event()
        self._inbox: queue.Queue[Incoming] = queue.Queue()
        self._stopping = threading.Event()
        self._announce_now = threading.Event()
        self._threads: list[threading.Thread] = []
        self.stall_after_s = stall_after_s
        self._heartbeat = Heartbeat(settings.database)
        self._retrying_since: datetime | None = None
        """When the first message of the batch the writer keeps retrying arrived."""
        self._last_error = ""
        self.updates = UpdateService(settings.site, self._publish_update)
        self._last_commit_at: datetime | None = None
        self._last_commit = time.monotonic()
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.settings.mqtt_client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        login = self.settings.broker_login()
        if login:
            client.username_pw_set(*login)
        if self.settings.broker.tls:
            ca_file = self.settings.broker_ca_file
            client.tls_set(ca_certs=str(ca_file) if ca_file else None)  # verifies the broker's name too
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        # No cap on our acks in flight: with a cap, paho rescans every queued message on
        # each PUBACK, which made acknowledging a batch quadratic (bench/README.md).
        client.max_inflight_messages_set(0)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        broker = self.settings.broker
        self._client.connect_async(broker.host, broker.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()
        loops = [
            (self._write_loop, "ingest-writer"),
            (self._announce_loop, "ingest-announce"),
            (self._updates_loop, "ingest-updates"),
        ]
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def stop(self) -> None:
        """Store and acknowledge what has arrived, then disconnect."""
        self._stopping.set()
        self._announce_now.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    # -- paho callbacks (network thread) -------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the hub: %s", reason_code)
            return
        disable_nagle(client)
        site = self.settings.site
        client.subscribe(
            [
                (reader_topic(site, "+", "tap"), 1),
                (reader_topic(site, "+", "status"), 1),
                (reader_topic(site, "+", "update"), 0),  # firmware updates: chunk requests
            ]
        )
        log.info("connected to the broker, session present: %s", flags.session_present)

    def _on_subscribe(self, client: mqtt.Client, userdata, mid, reason_codes, properties) -> None:
        """Connected means subscribed: before the broker's SUBACK, a fresh broker (no session
        kept for the hub) drops what readers publish, so nobody may count on the hub yet."""
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error("the broker refused the hub's subscriptions: %s", refused)
            return
        self.connected.set()
        self._announce_now.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:  # a broker that lets a topic through that is not UTF-8
            topic = bytes(message._topic).decode("utf-8", errors="backslashreplace")
        # paho types the payload bytes | bytearray; received, it is bytes (and bytes() of bytes is itself)
        payload = bytes(message.payload)
        parts = topic.split("/")
        if len(parts) == 5 and parts[4] in ("update", "status"):
            self.updates.handle(parts[3], parts[4], payload)
            if parts[4] == "update":
                return  # a chunk request is answered, not stored
        self._inbox.put(Incoming(topic, payload, message.qos, message.mid, message.retain, utc_now()))

    # -- writer thread -------------------------------------------------------------------

    def _write_loop(self) -> None:
        db = open_database(self.settings.database)
        try:
            while not (self._stopping.is_set() and self._inbox.empty()):
                batch = self._next_batch()
                if batch:
                    self._commit_and_acknowledge(db, batch)
                self._heartbeat.beat(self.describe)
                self.intake.notices.flush()
        finally:
            self.intake.notices.flush(force=True)
            self._heartbeat.beat(lambda: {**self.describe(), "stopped": True}, force=True)
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
                    outcomes: list[Outcome] = self.intake.handle_batch(db, batch)
                break
            except Exception as exc:
                # The database itself failed (disk full, I/O error, locked): nothing was
                # committed and nothing acknowledged; keep the batch and try again. (A
                # message's own fault never gets here: intake quarantines it.)
                if self._retrying_since is None:
                    self._retrying_since = batch[0].received
                    log.exception("could not commit %d messages; retrying", len(batch))
                self._last_error = f"{type(exc).__name__}: {exc}"[:300]
                self._heartbeat.beat(self.describe)
                if self._stopping.wait(RETRY_AFTER_DB_ERROR_S):
                    return
        if self._retrying_since is not None:
            log.warning("committed again after a database failure: %s", self._last_error)
        self._retrying_since = None
        self._last_commit_at = utc_now()
        self._last_commit = time.monotonic()
        self.stats.count(outcomes)
        for outcome in outcomes:
            if outcome.ack:
                self._client.publish(*outcome.ack, qos=1)
            if outcome.message.qos > 0:
                self._client.ack(outcome.message.mid, outcome.message.qos)
            if outcome.event:
                self.events.publish(outcome.event)
        if self.notices.take_pending() and self.on_notified:
            self.on_notified()

    # -- the site clock ------------------------------------------------------------------

    def _announce_loop(self) -> None:
        """Every minute, and at once after each (re)connection: the site clock, and each
        reader's retained `config` when it changed (a mode set from the CLI, say)."""
        db = open_database(self.settings.database)
        published: dict[str, bytes] = {}
        purged_at: float = -PURGE_PERIOD_S
        try:
            while not self._stopping.is_set():
                if time.monotonic() - purged_at >= PURGE_PERIOD_S:
                    purged_at = time.monotonic()
                    self._purge_quarantine(db)
                if self._announce_now.wait(TIME_PERIOD_S):
                    self._announce_now.clear()
                    published.clear()  # a broker without persistence lost the retained ones
                if self._stopping.is_set() or not self.connected.is_set():
                    continue
                self._client.publish(
                    time_topic(self.settings.site), time_payload(int(time.time())), qos=0, retain=True
                )
                self._publish_configs(db, published)
        finally:
            db.close()

    def _publish_update(self, topic: str, payload: bytes) -> None:
        self._client.publish(topic, payload, qos=1)

    def _updates_loop(self) -> None:
        """Firmware updates (hub/ingest/updates.py): start what `readers update` asked for,
        re-offer to silent readers, record each reader's update state."""
        db = open_database(self.settings.database)
        try:
            while not self._stopping.wait(UPDATES_PERIOD_S):
                if not self.connected.is_set():
                    continue
                try:
                    self.updates.run_once(db)
                except Exception:
                    log.exception("firmware updates: could not advance; trying again")
        finally:
            db.close()

    def _purge_quarantine(self, db: Database) -> None:
        """The quarantine's retention, once a day; a failure waits for the next day."""
        try:
            removed = quarantine.purge(db, utc_now(), self.settings.quarantine_retention_days)
        except Exception:
            log.exception("could not purge the quarantine")
            return
        if removed:
            log.info("purged %d quarantine entries past the retention", removed)

    def _publish_configs(self, db: Database, published: dict[str, bytes]) -> None:
        debounce_s = int(site_settings.get_all(db)["debounce_s"])
        for reader in readers.list_readers(db):
            payload = json.dumps(readers.reader_config(reader, debounce_s), separators=(",", ":")).encode()
            if published.get(reader["id"]) != payload:
                self._client.publish(
                    reader_topic(self.settings.site, reader["id"], "config"), payload, qos=1, retain=True
                )
                published[reader["id"]] = payload

    def oldest_waiting(self) -> datetime | None:
        """When the oldest message not committed yet arrived (None: nothing waits)."""
        if self._retrying_since is not None:
            return self._retrying_since
        with self._inbox.mutex:
            return self._inbox.queue[0].received if self._inbox.queue else None

    def describe(self) -> dict[str, object]:
        """Counters and whether ingest keeps up, for the API, the heartbeat and logs."""
        stats = self.stats
        oldest = self.oldest_waiting()
        waited = (utc_now() - oldest).total_seconds() if oldest else 0.0
        # Behind is not stalled: a flood makes messages wait while batches still commit.
        idle = time.monotonic() - self._last_commit
        return {
            "connected": self.connected.is_set(),
            "stalled": waited > self.stall_after_s and idle > self.stall_after_s,
            "oldest_waiting_s": round(waited, 1),
            "failing": self._retrying_since is not None,
            "last_error": self._last_error or None,
            "last_commit_at": to_db(self._last_commit_at) if self._last_commit_at else None,
            "received": stats.received,
            "stored": stats.stored,
            "duplicates": stats.duplicates,
            "statuses": stats.statuses,
            "quarantined": dict(stats.quarantined),
            "queued": self._inbox.qsize(),
        }
