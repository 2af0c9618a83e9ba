"""Ingest through a real Mosquitto: exactly once, acks, status, the site clock, bad input."""

from __future__ import annotations

import hashlib
import json
import random

import paho.mqtt.client as mqtt
import pytest

from hub.config import Settings
from hub.ingest.mqtt_client import Ingest
from hub.store import quarantine, readers, taps
from hub.store.db import open_database
from hub.wire import time_topic
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until


def stored(settings: Settings) -> list[tuple[str, int]]:
    db = open_database(settings.database)
    try:
        return [tuple(row) for row in db.execute("SELECT reader_id, seq FROM taps ORDER BY reader_id, seq")]
    finally:
        db.close()


def quarantined(settings: Settings) -> list[dict]:
    db = open_database(settings.database)
    try:
        return quarantine.list_quarantine(db)
    finally:
        db.close()


def test_taps_with_duplicates_in_any_order_are_stored_exactly_once(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    seqs = list(range(1, 201))
    deliveries = seqs + random.Random(4).sample(seqs, 80)
    random.Random(5).shuffle(deliveries)
    for seq in deliveries:
        reader.publish("tap", tap_payload(seq))
    wait_until(lambda: len(reader.acks) == len(deliveries), timeout=20)
    assert stored(settings) == [("r1", seq) for seq in seqs]
    results = [ack["r"] for ack in reader.acks]
    assert results.count("dup") == 80
    assert results.count("unknown") == 200  # no card is assigned to a child yet
    assert sorted(set(reader.acked_seqs())) == seqs
    assert ingest.stats.duplicates == 80
    reader.close()


def test_ack_carries_the_local_time_of_the_tap(ingest: Ingest, mosquitto: Mosquitto) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r2")
    reader.publish("tap", tap_payload(1, t=1_795_500_000))  # 2026-11-24 06:00 UTC = 07:00 in Warsaw
    wait_until(lambda: reader.acks)
    assert reader.acks[0] == {"seq": 1, "r": "unknown", "at": "07:00"}
    reader.close()


def test_status_and_last_will_are_kept_per_reader(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    status = {"online": True, "fw": "1.0.0", "boot": 7, "queue": 3, "rssi": -61, "heap": 41234, "up": 3600}
    reader.publish("status", json.dumps(status).encode(), retain=True)

    def reader_row() -> dict:
        db = open_database(settings.database)
        try:
            return readers.get_reader(db, "r1")
        finally:
            db.close()

    wait_until(lambda: reader_row()["online"] is True)
    row = reader_row()
    assert (row["fw"], row["boot"], row["queue"], row["rssi"], row["heap"]) == ("1.0.0", 7, 3, -61, 41234)
    assert row["last_seen"]
    reader.publish("status", b'{"online":false}', retain=True)  # what the broker sends as the will
    wait_until(lambda: reader_row()["online"] is False)
    assert reader_row()["fw"] == "1.0.0"  # the will does not erase what is known
    reader.close()


def test_the_site_clock_is_published_retained(ingest: Ingest, mosquitto: Mosquitto) -> None:
    def first_message() -> mqtt.MQTTMessage:
        received: list[mqtt.MQTTMessage] = []
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.on_message = lambda c, u, message: received.append(message)
        client.connect("127.0.0.1", mosquitto.port)
        client.subscribe(time_topic(SITE))
        client.loop_start()
        try:
            wait_until(lambda: received)
        finally:
            client.loop_stop()
            client.disconnect()
        return received[0]

    # The first subscriber may catch the hub's first announcement live (retain flag off);
    # once it has been sent, a reader subscribing later gets it from the broker's store.
    first_message()
    stored = first_message()
    assert stored.retain
    assert abs(json.loads(stored.payload)["t"] - __import__("time").time()) < 120


BAD_TAPS = [
    (b"not json", "bad_json"),
    (b"\xff\xfe\x00", "bad_json"),
    (b"[1,2]", "bad_json"),
    (b'{"v":2,"uid":"04A2B3C4","seq":1,"boot":1,"ms":1}', "unknown_version"),
    (b'{"v":1,"uid":"04A2B3C4","boot":1,"ms":1}', "missing_field"),
    (b'{"v":1,"uid":"04a2b3c4","seq":1,"boot":1,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3","seq":1,"boot":1,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":"1","boot":1,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":-1,"boot":1,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":1.5,"boot":1,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":1,"boot":true,"ms":1}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":1,"boot":1,"ms":1,"t":12}', "bad_field"),
    (b'{"v":1,"uid":"04A2B3C4","seq":1,"boot":1,"ms":500,"now":100}', "bad_field"),
    (
        json.dumps({"v": 1, "uid": "04A2B3C4", "seq": 1, "boot": 1, "ms": 1, "pad": "x" * 1100}).encode(),
        "too_large",
    ),
]


def test_a_refused_tap_is_answered_unknown_when_its_seq_can_be_read(
    ingest: Ingest, mosquitto: Mosquitto
) -> None:
    """The firmware keeps a tap until the hub answers it and has four in flight: refused taps
    left unanswered would fill its window and stop its real taps. The quarantine keeps them."""
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    for seq in range(1, 6):  # a lower-case uid breaks the contract; the seq is readable
        reader.publish("tap", b'{"v":1,"uid":"04a2b3c4","seq":%d,"boot":1,"ms":1}' % seq)
    reader.publish("tap", b"not json")  # no seq to answer
    reader.publish("tap", tap_payload(77))
    wait_until(lambda: 77 in reader.acked_seqs() and len(reader.acks) >= 6)
    assert sorted((ack["seq"], ack["r"]) for ack in reader.acks) == [
        *((seq, "unknown") for seq in range(1, 6)),
        (77, "unknown"),  # a card nobody has
    ]
    reader.close()


@pytest.mark.parametrize(("payload", "reason"), BAD_TAPS, ids=[reason for _, reason in BAD_TAPS])
def test_bad_tap_is_quarantined_and_the_hub_keeps_serving(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto, payload: bytes, reason: str
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("tap", payload)
    reader.publish("tap", tap_payload(77))
    wait_until(lambda: 77 in reader.acked_seqs())
    entries = quarantined(settings)
    kept = payload[: quarantine.KEPT_PAYLOAD_BYTES]  # a larger payload is kept cut, with its size and hash
    assert [(entry["reason"], entry["payload"].encode("utf-8", "backslashreplace")) for entry in entries] == [
        (reason, kept.decode("utf-8", "backslashreplace").encode("utf-8", "backslashreplace"))
    ]
    assert entries[0]["reader_id"] == "r1" and entries[0]["detail"]
    assert entries[0]["payload_size"] == len(payload)
    assert entries[0]["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    assert stored(settings) == [("r1", 77)]
    assert ingest.stats.quarantined[reason] == 1
    reader.close()


def test_tap_from_an_unregistered_reader_is_quarantined_not_acked(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    stranger = FakeReaderClient(mosquitto.port, SITE, "stranger")
    stranger.publish("tap", tap_payload(1))
    stranger.publish("tap", tap_payload(1))  # a retry counts, it does not add a row
    wait_until(lambda: ingest.stats.quarantined["unknown_reader"] == 2)
    [entry] = quarantined(settings)
    assert entry["reason"] == "unknown_reader" and entry["count"] == 2 and entry["reader_id"] == "stranger"
    assert "ewidencjoner readers add stranger" in entry["detail"]
    assert stranger.acks == []  # the reader keeps the tap in its journal until someone registers it
    assert stored(settings) == []
    stranger.close()


def test_bad_status_and_bad_topics_are_quarantined(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("status", b'{"online":"yes"}')
    reader.publish("status", b'{"online":true,"heap":"lots"}')
    reader.publish("tap", tap_payload(1), topic=f"ewidencjoner/{SITE}/reader/bad id!/tap")
    wait_until(lambda: sum(ingest.stats.quarantined.values()) == 3)
    reasons = sorted(entry["reason"] for entry in quarantined(settings))
    assert reasons == ["bad_field", "bad_field", "bad_topic"]
    reader.close()


def test_unknown_time_taps_are_stored_and_flagged(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("tap", json.dumps({"v": 1, "uid": "04A2B3C4", "seq": 5, "boot": 3, "ms": 9000}).encode())
    wait_until(lambda: reader.acks)
    db = open_database(settings.database)
    [row] = db.execute("SELECT at, time_quality FROM taps").fetchall()
    assert row == (None, "unknown")
    assert taps.count_taps(db) == 1
    db.close()
    assert reader.acks[0] == {"seq": 5, "r": "unknown"}
    reader.close()


def test_each_reader_gets_its_config_retained(ingest: Ingest, mosquitto: Mosquitto) -> None:
    def configs() -> list[mqtt.MQTTMessage]:
        received: list[mqtt.MQTTMessage] = []
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.on_message = lambda c, u, message: received.append(message)
        client.connect("127.0.0.1", mosquitto.port)
        client.subscribe(f"ewidencjoner/{SITE}/reader/+/config", qos=1)
        client.loop_start()
        wait_until(lambda: len(received) == 2)
        client.loop_stop()
        return sorted(received, key=lambda message: message.topic)

    configs()  # published by now
    late = configs()  # a reader that connects later still gets it: retained
    assert [message.topic.split("/")[3] for message in late] == ["r1", "r2"]
    assert all(message.retain for message in late)
    assert json.loads(late[0].payload) == {"mode": "toggle", "debounce_s": 60, "volume": 2}
