"""Both brokers keep readers in their lane: every ACL row tried by a client that may not.

The same tests run against the embedded broker (amqtt, the default) and a real Mosquitto
with the files `ewidencjoner broker-passwords` and `broker-acl` write, each with a real hub
(ingest) connected as `hub`. A refused action is refused at the broker or its message never
reaches anyone; the allowed rows keep working afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from click.testing import CliRunner

from hub.config import Settings
from hub.ingest.broker_policy import MAX_PACKET_BYTES
from hub.ingest.embedded_broker import ANONYMOUS_WARNING, EmbeddedBroker
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import broker_credentials, readers
from hub.store.db import open_database
from hub.wire import reader_topic, time_topic
from tests.support import FakeReaderClient, Mosquitto, free_port, tap_payload, wait_until
from web.cli import cli

SITE = "acl"
HUB_CLIENT_ID = f"hub-{SITE}"


@dataclass
class Site:
    kind: str
    port: int
    settings: Settings
    ingest: Ingest
    passwords: dict[str, str]
    apply_logins: Callable[[], None]
    """What an administrator does after changing logins (Mosquitto: rewrite, restart)."""


def _registered(database: Path) -> dict[str, str]:
    db = open_database(database)
    readers.add_reader(db, "r1", "Wejście")
    readers.add_reader(db, "r2", "Ogród")
    passwords = {reader_id: broker_credentials.issue(db, reader_id) for reader_id in ("r1", "r2")}
    db.close()
    return passwords


def _mosquitto_files(tmp_path: Path, config: Path) -> tuple[Path, Path]:
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "broker-passwords", "-o", str(passwd)])
    assert result.exit_code == 0, result.output
    assert passwd.stat().st_mode & 0o777 == 0o600
    acl.write_text(runner.invoke(cli, ["--config", str(config), "broker-acl"]).output)
    return passwd, acl


@pytest.fixture(params=["embedded", "mosquitto"])
def site(request, tmp_path: Path) -> Iterator[Site]:
    database = tmp_path / "hub.db"
    passwords = _registered(database)
    stop = []

    def apply_logins() -> None:
        """Nothing for the embedded broker: it reads the logins itself."""

    if request.param == "embedded":
        port = free_port()
        settings = Settings(database=database, site=SITE, embedded_broker_port=port)
        broker = EmbeddedBroker(settings)
        broker.start()
        stop.append(broker.stop)
    else:
        config = tmp_path / "hub.toml"
        config.write_text(f'site = "{SITE}"\ndatabase = "{database}"\n')
        passwd, acl = _mosquitto_files(tmp_path, config)
        mosquitto = Mosquitto(tmp_path, password_file=passwd, acl_file=acl)
        mosquitto.start()
        stop.append(mosquitto.stop)
        port = mosquitto.port

        def apply_logins() -> None:
            _mosquitto_files(tmp_path, config)
            mosquitto.restart()

        settings = Settings(database=database, site=SITE, broker_url=f"mqtt://hub@127.0.0.1:{port}")
    ingest = Ingest(settings, EventBus())
    ingest.start()
    assert ingest.wait_connected(10)
    yield Site(request.param, port, settings, ingest, passwords, apply_logins)
    ingest.stop()
    for step in stop:
        step()


def stored(settings: Settings) -> list[tuple[str, int, str]]:
    db = open_database(settings.database)
    try:
        rows = db.execute("SELECT reader_id, seq, uid FROM taps ORDER BY reader_id, seq")
        return [tuple(row) for row in rows]
    finally:
        db.close()


def connect_result(port: int, user: str | None, password: str | None, client_id: str = "") -> mqtt.ReasonCode:
    """Connect once and return the broker's answer (a failure code when refused or cut off)."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not client_id)
    if user:
        client.username_pw_set(user, password)
    codes = []
    client.on_connect = lambda c, u, flags, code, props: codes.append(code)
    client.on_disconnect = lambda c, u, flags, code, props: codes.append(code)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        wait_until(lambda: codes)
    finally:
        client.disconnect()
        client.loop_stop()
    return codes[0]


def attempt_publish(site: Site, reader_id: str, topic: str, payload: bytes) -> None:
    """Publish as a reader (QoS 1, retained) and return once the broker took it or cut the
    client off (Mosquitto disconnects a client for a refused publish, amqtt drops it)."""
    client = FakeReaderClient(site.port, SITE, reader_id, site.passwords[reader_id]).wait_connected()
    info = client.client.publish(topic, payload, qos=1, retain=True)
    wait_until(lambda: info.is_published() or not client.client.is_connected())
    client.close()


def round_trip(reader: FakeReaderClient, seq: int) -> None:
    """A real tap answered by the hub: everything the broker took before it has been routed."""
    reader.wait_connected()
    reader.publish("tap", tap_payload(seq)).wait_for_publish(5)
    wait_until(lambda: seq in reader.acked_seqs())


def test_each_reader_publishes_as_itself_and_reads_only_its_own_topics(site: Site) -> None:
    r1 = FakeReaderClient(site.port, SITE, "r1", site.passwords["r1"], client_id=f"ewid-{SITE}-r1")
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    for topic in (reader_topic(SITE, "r1", "config"), time_topic(SITE)):
        r1.client.subscribe(topic, qos=1)
    allowed = {reader_topic(SITE, "r1", "config"), time_topic(SITE)}
    wait_until(lambda: {topic for topic, _ in r1.messages} >= allowed)
    r1.client.subscribe(reader_topic(SITE, "r2", "ack"), qos=1)  # another reader's acks
    r1.client.subscribe("#", qos=1)  # everything
    r1.client.subscribe(f"ewidencjoner/{SITE}/reader/+/ack", qos=1)
    r1.publish("tap", tap_payload(5, uid="04FFFFFFFFFF01"), topic=reader_topic(SITE, "r2", "tap"))
    round_trip(r1, 1)
    round_trip(r2, 1)
    time.sleep(0.3)  # anything misrouted would have come with the acks
    assert stored(site.settings) == [("r1", 1, "04A2B3C4D5E680"), ("r2", 1, "04A2B3C4D5E680")]
    assert r1.acked_seqs() == [1] and r2.acked_seqs() == [1]
    seen = {topic for topic, _ in r1.messages}
    assert seen <= {reader_topic(SITE, "r1", kind) for kind in ("ack", "config")} | {time_topic(SITE)}
    r1.close()
    r2.close()


def test_a_connecting_reader_gets_no_other_readers_retained_messages(site: Site) -> None:
    """amqtt 0.12.1 replays, to every client that connects, the retained messages matching
    any filter anybody subscribed to (the hub's `reader/+/status` included), unasked and
    without the ACL: a reader would read every other reader's status and config."""
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"]).wait_connected()
    r2.publish("status", b'{"online":true,"fw":"1.0.0","queue":0}', retain=True).wait_for_publish(5)
    round_trip(r2, 1)  # the hub has read r2's status: the hub's filter matches it
    r1 = FakeReaderClient(site.port, SITE, "r1", site.passwords["r1"])
    r1.client.subscribe(reader_topic(SITE, "r1", "config"), qos=1)
    round_trip(r1, 1)
    time.sleep(0.3)
    seen = {topic for topic, _ in r1.messages}
    assert seen <= {reader_topic(SITE, "r1", kind) for kind in ("ack", "config")} | {time_topic(SITE)}
    r1.close()
    r2.close()


def test_a_reader_cannot_forge_what_only_the_hub_sends(site: Site) -> None:
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    r2.client.subscribe(reader_topic(SITE, "r2", "config"), qos=1)
    r2.client.subscribe(reader_topic(SITE, "r2", "ota"), qos=1)
    r2.client.subscribe(time_topic(SITE), qos=1)
    round_trip(r2, 1)
    forged = [
        (reader_topic(SITE, "r2", "ota"), b'{"op":"offer","ver":"6.6.6","size":9,"sig":"00","forged":1}'),
        (reader_topic(SITE, "r1", "ota"), b'{"op":"offer","ver":"6.6.6","size":9,"sig":"00","forged":1}'),
        (reader_topic(SITE, "r2", "update"), b'{"op":"need","ver":"1","f":"app.mpy","off":0,"forged":1}'),
        (reader_topic(SITE, "r2", "ack"), b'{"seq":7,"r":"ok","forged":1}'),  # deletes a tap from the journal
        (reader_topic(SITE, "r2", "config"), b'{"mode":"out","debounce_s":3600,"volume":0,"forged":1}'),
        (reader_topic(SITE, "r1", "config"), b'{"mode":"out","forged":1}'),
        (time_topic(SITE), b'{"t":1893456000,"forged":1}'),
        (f"ewidencjoner/{SITE}/reader/r2/status", b'{"online":false,"forged":1}'),
    ]
    for topic, payload in forged:
        attempt_publish(site, "r1", topic, payload)
    round_trip(r2, 2)
    r2.close()
    late = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"], client_id=f"ewid-{SITE}-r2")
    late.client.subscribe(reader_topic(SITE, "r2", "config"), qos=1)  # a new subscription gets the retained
    late.client.subscribe(time_topic(SITE), qos=1)
    wait_until(lambda: len(late.messages) >= 2)
    time.sleep(0.3)
    for reader in (r2, late):
        assert not [payload for _, payload in reader.messages if b"forged" in payload]
    late.close()


@pytest.mark.parametrize(
    ("user", "secret", "client_id"),
    [
        (None, None, "anonymous"),
        ("r1", "wrong", "r1"),
        ("nobody", "x", "nobody"),
        ("hub", "wrong", HUB_CLIENT_ID),
        ("hub", "r1-password", HUB_CLIENT_ID),  # a reader's password as the hub's
    ],
)
def test_anonymous_and_wrong_passwords_are_refused(site: Site, user, secret, client_id) -> None:
    secret = site.passwords["r1"] if secret == "r1-password" else secret
    assert connect_result(site.port, user, secret, client_id).is_failure
    assert site.ingest.connected.is_set()


@pytest.mark.parametrize("with_password", ["right", "wrong"])
def test_nobody_takes_over_the_hubs_client_id(site: Site, caplog, with_password: str) -> None:
    """A reader (or anyone) connecting as `hub-<site>` must not throw the hub off."""
    caplog.set_level(logging.WARNING, logger="hub.ingest.mqtt_client")
    password = site.passwords["r1"] if with_password == "right" else "wrong"
    for _ in range(3):
        code = connect_result(site.port, "r1", password, client_id=HUB_CLIENT_ID)
        if site.kind == "embedded" or with_password == "wrong":
            assert code.is_failure
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    round_trip(r2, 1)
    r2.close()
    assert "lost the broker" not in caplog.text
    assert site.ingest.connected.is_set()


def leave_a_will(site: Site, topic: str, payload: bytes) -> None:
    """Connect as r1 with a retained will on `topic`, then drop the connection without
    DISCONNECT, which makes a broker send the will."""
    liar = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="r1")
    liar.username_pw_set("r1", site.passwords["r1"])
    liar.will_set(topic, payload, qos=1, retain=True)
    answers = []
    liar.on_connect = lambda c, u, flags, code, props: answers.append(code)
    liar.connect("127.0.0.1", site.port)
    liar.loop_start()
    wait_until(lambda: answers)  # connected or refused
    liar.loop_stop()
    if liar.socket():
        liar.socket().close()


def test_a_will_on_a_hub_topic_is_never_sent(site: Site) -> None:
    """A reader's last will is a publish too: on another reader's ack it would be a forged ack."""
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    r2.client.subscribe(time_topic(SITE), qos=1)
    round_trip(r2, 1)
    for topic in (reader_topic(SITE, "r2", "ack"), time_topic(SITE)):
        leave_a_will(site, topic, b'{"seq":2,"r":"ok","forged":1}')
    round_trip(r2, 2)
    time.sleep(0.5)
    assert not [payload for _, payload in r2.messages if b"forged" in payload]
    r2.close()


def test_a_reader_cannot_take_another_readers_client_id(site: Site) -> None:
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    thief = FakeReaderClient(site.port, SITE, "r1", site.passwords["r1"], client_id="r2")
    round_trip(r2, 1)  # r2 was not thrown off, or came back at once
    thief.close()
    r2.close()


def test_an_oversize_message_never_reaches_the_hub(site: Site) -> None:
    r1 = FakeReaderClient(site.port, SITE, "r1", site.passwords["r1"])
    big = tap_payload(1, pad="x" * MAX_PACKET_BYTES)
    r1.publish("tap", big)
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    round_trip(r2, 1)
    time.sleep(0.3)
    assert stored(site.settings) == [("r2", 1, "04A2B3C4D5E680")]
    assert site.ingest.stats.received == 1
    r1.close()
    r2.close()


def test_a_revoked_reader_is_refused(site: Site) -> None:
    """The README's procedure for a leaked login: revoke-login (and, for Mosquitto,
    broker-passwords and a restart)."""
    r1 = FakeReaderClient(site.port, SITE, "r1", site.passwords["r1"])
    round_trip(r1, 1)
    db = open_database(site.settings.database)
    assert broker_credentials.revoke(db, "r1")
    db.close()
    site.apply_logins()
    probe_id = f"ewid-{SITE}-r1"  # not r1's own client id, which would take r1's connection over
    wait_until(lambda: connect_result(site.port, "r1", site.passwords["r1"], probe_id).is_failure, timeout=10)
    if r1.client.is_connected():  # the embedded broker keeps the connection, refusing its publishes
        r1.publish("tap", tap_payload(2)).wait_for_publish(5)
    assert site.ingest.wait_connected(20)
    r2 = FakeReaderClient(site.port, SITE, "r2", site.passwords["r2"])
    round_trip(r2, 1)
    time.sleep(0.3)
    assert [row[:2] for row in stored(site.settings)] == [("r1", 1), ("r2", 1)]
    r1.close()
    r2.close()


def test_anonymous_embedded_broker_only_when_asked_and_said_loudly(tmp_path: Path, caplog) -> None:
    port = free_port()
    settings = Settings(database=tmp_path / "a.db", site=SITE, embedded_broker_port=port)
    open_database(settings.database).close()
    broker = EmbeddedBroker(settings)
    broker.start()
    try:
        assert connect_result(port, None, None, "anyone").is_failure
    finally:
        broker.stop()
    caplog.set_level(logging.WARNING, logger="hub.ingest.embedded_broker")
    open_settings = Settings(
        database=tmp_path / "a.db", site=SITE, embedded_broker_port=port, embedded_broker_anonymous=True
    )
    broker = EmbeddedBroker(open_settings)
    broker.start()
    try:
        assert not connect_result(port, None, None, "anyone").is_failure
    finally:
        broker.stop()
    assert ANONYMOUS_WARNING in caplog.text
