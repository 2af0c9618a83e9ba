"""Who may do what on the site's MQTT topics: the rules both brokers enforce.

The same rules as the Mosquitto ACL that `mosquitto_conf.mosquitto_acl` writes:

- the hub (user `hub`) publishes and reads everything under `ewidencjoner/<site>/`;
- a reader (user name = its reader id) publishes only its own `tap`, `status` and `update`
  (firmware update requests), and reads only its own `ack`, `config` and `ota` (firmware
  offers and chunks) and the site's `time`;
- nobody else gets anything, and no topic outside the site.

Client ids are bound to user names, so no client can take over another's session: the hub
connects with the hub's client id (`hub-<site>` unless configured), a reader with its reader
id or the id its firmware uses (`ewid-<site>-<reader id>`). Mosquitto gets the same effect
from `use_username_as_clientid`.

Pure functions, no I/O: the embedded broker's plugin (hub/ingest/embedded_broker.py) asks them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.wire import HUB_USER, TOPIC_ROOT

MAX_PACKET_BYTES = 4096
"""The largest MQTT packet either broker takes. The contract's payloads are under 1 KiB (a
tap is about 120 bytes, a status about 300); 4 KiB leaves room for a longer topic and future
fields, and refuses the megabyte payloads that would fill the disk."""

READER_PUBLISHES = ("tap", "status", "update")
READER_READS = ("ack", "config", "ota")


@dataclass(frozen=True)
class SitePolicy:
    site: str
    hub_client_id: str

    @property
    def root(self) -> str:
        return f"{TOPIC_ROOT}/{self.site}/"

    def client_id_allowed(self, user: str, client_id: str) -> bool:
        if user == HUB_USER:
            return client_id == self.hub_client_id
        if client_id == self.hub_client_id:
            return False
        return client_id in (user, f"ewid-{self.site}-{user}")

    def may_publish(self, user: str, topic: str) -> bool:
        if user == HUB_USER:
            return topic.startswith(self.root)
        return topic in (self._reader_topic(user, kind) for kind in READER_PUBLISHES)

    def may_read(self, user: str, topic: str) -> bool:
        """May `user` receive a message published on `topic` (no wildcards)?"""
        if user == HUB_USER:
            return topic.startswith(self.root)
        return topic == self.root + "time" or topic in (
            self._reader_topic(user, kind) for kind in READER_READS
        )

    def may_subscribe(self, user: str, topic_filter: str) -> bool:
        """The hub may use wildcards inside the site; a reader subscribes only to its own
        topics by name, so `#` or `+` never shows it another reader's acks."""
        if user == HUB_USER:
            return topic_filter.startswith(self.root)
        return "#" not in topic_filter and "+" not in topic_filter and self.may_read(user, topic_filter)

    def _reader_topic(self, reader_id: str, kind: str) -> str:
        return f"{self.root}reader/{reader_id}/{kind}"
