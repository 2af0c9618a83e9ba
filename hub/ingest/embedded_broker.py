"""The MQTT broker that runs inside the hub when no external broker is configured.

It is amqtt, a pure-Python broker, on its own asyncio loop in a background thread, so the
default set-up needs nothing installed on the system. It enforces what production Mosquitto
enforces (hub/ingest/broker_policy.py): a login per reader (hub/store/broker_credentials.py), the site's
ACL, client ids bound to user names, and a packet size limit. Anonymous access is only for
an explicit `embedded_broker_anonymous = true`, and says so loudly at every start.

With `embedded_broker_tls_port` set it also listens with TLS (the certificate from
`ewidencjoner certs init`), for readers on the network; the hub itself connects over the
loopback listener.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from amqtt.adapters import ReaderAdapter, StreamReaderAdapter, StreamWriterAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import NOT_AUTHORIZED, ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from hub.config import Settings
from hub.ingest.broker_policy import MAX_PACKET_BYTES, SitePolicy
from hub.store import broker_credentials
from hub.wire import HUB_USER

log = logging.getLogger(__name__)
START_TIMEOUT_S = 15
CREDENTIALS_TTL_S = 2.0
"""How long the broker trusts its copy of the readers' logins: a revoked reader is refused
within this time, connected or not."""
ANONYMOUS_WARNING = (
    "THE EMBEDDED MQTT BROKER ACCEPTS ANYONE (embedded_broker_anonymous = true): any device "
    "on the network can forge taps, read children's names in acks and change the readers' "
    "settings. Remove the setting and provision the readers (README, 'Reader logins')."
)


class SitePolicyPlugin(BaseAuthPlugin, BaseTopicPlugin):
    """amqtt plugin: logins from the hub's database, the ACL from `SitePolicy`."""

    @dataclass
    class Config:
        database: str = ""
        site: str = ""
        hub_client_id: str = ""
        hub_password_hash: str = ""
        anonymous: bool = False

    def __init__(self, context) -> None:
        super().__init__(context)
        self.policy = SitePolicy(self.config.site, self.config.hub_client_id)
        self._hashes: dict[str, str] = {}
        self._loaded_at = -CREDENTIALS_TTL_S

    async def authenticate(self, *, session: Session) -> bool:
        if self.config.anonymous:
            return True
        return self.allows_login(session)

    def allows_login(self, session: Session) -> bool:
        """The password, the client id, and the will: amqtt publishes a client's will
        without asking the ACL, so a will on another reader's `ack` would be a forged ack."""
        if self.config.anonymous:
            return True
        user, password, client_id = session.username, session.password, session.client_id
        if not user or not password or not client_id:
            return False
        stored = self._logins().get(user)
        if stored is None or not broker_credentials.verify(password, stored):
            return False
        if session.will_flag and not self.policy.may_publish(user, session.will_topic or ""):
            return False
        return self.policy.client_id_allowed(user, client_id)

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool:
        if self.config.anonymous:
            return True
        user = session.username if session else None
        if not user or not topic or user not in self._logins():
            return False
        if action == Action.PUBLISH:
            return self.policy.may_publish(user, topic)
        if action == Action.SUBSCRIBE:
            return self.policy.may_subscribe(user, topic)
        return self.policy.may_read(user, topic)

    def _logins(self) -> dict[str, str]:
        if time.monotonic() - self._loaded_at > CREDENTIALS_TTL_S:
            self._hashes = {**_reader_hashes(self.config.database), HUB_USER: self.config.hub_password_hash}
            self._loaded_at = time.monotonic()
        return self._hashes


def _reader_hashes(database: str) -> dict[str, str]:
    """The readers' logins, read-only: the broker never writes the hub's database."""
    try:
        conn = sqlite3.connect(Path(database).as_uri() + "?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        log.exception("embedded broker: cannot open %s for the readers' logins", database)
        return {}
    try:
        return dict(conn.execute("SELECT user, password_hash FROM broker_credentials").fetchall())
    except sqlite3.Error:
        log.exception("embedded broker: cannot read the readers' logins")
        return {}
    finally:
        conn.close()


class _BoundedReader(StreamReaderAdapter):
    """Ends the connection instead of reading a packet part over `MAX_PACKET_BYTES`.

    MQTT packets are read a field at a time and a payload in one read, so refusing one
    large read refuses the packet before its bytes are buffered. Returning no data makes
    amqtt see the end of the stream and close the connection, as Mosquitto does with
    `max_packet_size`."""

    refused = False

    async def read(self, n: int = -1) -> bytes:
        if self.refused:
            return b""
        if n > MAX_PACKET_BYTES:
            self.refused = True
            log.warning(
                "embedded broker: a client sent a packet over %d bytes; disconnected", MAX_PACKET_BYTES
            )
            return b""
        return await super().read(n)


class _SiteBroker(Broker):
    """amqtt's broker with two checks moved earlier.

    amqtt 0.12.1 looks up the session of the client id in a CONNECT (deleting it for a clean
    session) and takes over a connected client with that id before it asks the
    authentication plugins (`Broker._initialize_client_session`, `_handle_client_session`):
    a client with a wrong password could still throw the hub off by using its client id.
    Here a CONNECT is checked first and a refused one never touches the sessions.
    """

    policy_plugin: SitePolicyPlugin

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        await self._client_connected(listener_name, _BoundedReader(reader), StreamWriterAdapter(writer))

    async def _initialize_client_session(
        self, reader: ReaderAdapter, writer: WriterAdapter, remote_address: str, remote_port: int
    ) -> tuple[BrokerProtocolHandler, Session]:
        handler, session = await BrokerProtocolHandler.init_from_connect(reader, writer, self.plugins_manager)
        if not self.policy_plugin.allows_login(session):
            log.warning(
                "embedded broker: refused %s:%s (user %r, client id %r)",
                remote_address,
                remote_port,
                session.username,
                session.client_id,
            )
            await ConnackPacket.build(0, NOT_AUTHORIZED).to_stream(writer)
            await writer.close()
            raise MQTTError("login refused")
        # from here on as amqtt 0.12.1 does it
        if session.clean_session:
            if session.client_id:
                await self._delete_session(session.client_id)
            session.parent = 0
        elif session.client_id in self._sessions:
            existing, _ = self._sessions[session.client_id]
            for name in (
                "will_flag",
                "will_message",
                "will_topic",
                "will_qos",
                "keep_alive",
                "username",
                "password",
            ):
                setattr(existing, name, getattr(session, name))
            session = existing
            session.parent = 1
        else:
            session.parent = 0
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return handler, session

    async def _publish_retained_messages_for_subscription(
        self, subscription: tuple[str, int], session: Session
    ) -> None:
        """Retained messages through the ACL too.

        amqtt 0.12.1 sends them without asking the topic plugins, and at every CONNECT it
        does so for every filter any client subscribed to (the hub's `reader/+/status`
        among them): a reader would read every other reader's status and config."""
        topic_filter, qos = subscription
        handler = self._get_handler(session)
        if handler is None:
            return
        sends = [
            asyncio.ensure_future(
                handler.mqtt_publish(
                    retained.topic, retained.data, min(qos, retained.qos or qos), retain=True
                )
            )
            for topic, retained in list(self._retained_messages.items())
            if self._matches(topic, topic_filter)
            and await self.policy_plugin.topic_filtering(session=session, topic=topic, action=Action.RECEIVE)
        ]
        if sends:
            await asyncio.wait(sends)


class EmbeddedBroker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.host = settings.embedded_broker_host
        self.port = settings.embedded_broker_port
        self._loop = asyncio.new_event_loop()
        self._broker: _SiteBroker | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="embedded-broker", daemon=True)

    def start(self) -> None:
        """Start listening; raise if the port is taken or the broker fails to start."""
        anonymous = self.settings.embedded_broker_anonymous
        hub_hash = "" if anonymous else broker_credentials.mosquitto_hash(self.settings.hub_broker_password())
        self._thread.start()
        started: Future[None] = asyncio.run_coroutine_threadsafe(self._start(hub_hash), self._loop)
        started.result(timeout=START_TIMEOUT_S)
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)
        if self.settings.embedded_broker_tls_port:
            log.info(
                "embedded MQTT broker listening with TLS on port %d", self.settings.embedded_broker_tls_port
            )
        if anonymous:
            log.warning(ANONYMOUS_WARNING)

    async def _start(self, hub_hash: str) -> None:
        settings = self.settings
        listeners: dict[str, dict[str, object]] = {
            "default": {"type": "tcp", "bind": f"{self.host}:{self.port}"},
        }
        if settings.embedded_broker_tls_port:
            listeners["tls"] = {
                "type": "tcp",
                "bind": f"{settings.embedded_broker_tls_host}:{settings.embedded_broker_tls_port}",
                "ssl": True,
                "certfile": str(settings.tls_cert_file),
                "keyfile": str(settings.tls_key_file),
            }
        plugin_path = f"{SitePolicyPlugin.__module__}.{SitePolicyPlugin.__qualname__}"
        config = {
            "listeners": listeners,
            "plugins": {
                plugin_path: {
                    "database": str(settings.database.resolve()),
                    "site": settings.site,
                    "hub_client_id": settings.mqtt_client_id,
                    "hub_password_hash": hub_hash,
                    "anonymous": settings.embedded_broker_anonymous,
                }
            },
        }
        self._broker = _SiteBroker(config, loop=self._loop)
        self._broker.policy_plugin = next(
            plugin for plugin in self._broker.plugins_manager.plugins if isinstance(plugin, SitePolicyPlugin)
        )
        await self._broker.start()

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(
                timeout=START_TIMEOUT_S
            )
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_S)
