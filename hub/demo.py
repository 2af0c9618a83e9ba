"""Sample data and a stand-in for real readers, for `ewidencjoner demo`.

`StandInReaders` publishes what two readers at a kindergarten's doors would send on a
morning, following the wire contract exactly (QoS 1 taps with their own `seq`, retained
status with a last will), at a quicker pace than life so the live page has something to
show. It stands in until virtual readers run the real firmware (the firmware issue).
"""

from __future__ import annotations

import json
import random
import threading
import time

import paho.mqtt.client as mqtt
from sqlite_utils import Database

from hub import readers
from hub.config import Settings
from hub.wire import reader_topic

DEMO_READERS = [("wejscie", "Wejście główne"), ("ogrod", "Wyjście do ogrodu")]
DEMO_CARDS = [f"04{index:02X}A1B2C3D4{index * 7 % 256:02X}" for index in range(1, 41)]
FIRMWARE_VERSION = "stand-in"


def register_demo_readers(db: Database) -> None:
    for reader_id, name in DEMO_READERS:
        if not readers.is_registered(db, reader_id):
            readers.add_reader(db, reader_id, name)


class StandInReaders:
    """Publishes a morning of taps from the demo readers until stopped."""

    def __init__(self, settings: Settings, db: Database, pace_s: float = 2.0) -> None:
        self.settings = settings
        self.pace_s = pace_s
        self._stop = threading.Event()
        self._next_seq = {
            reader_id: (
                db.execute("SELECT max(seq) FROM taps WHERE reader_id = ?", [reader_id]).fetchone()[0] or 0
            )
            + 1
            for reader_id, _ in DEMO_READERS
        }
        self._clients = {reader_id: self._connect(reader_id) for reader_id, _ in DEMO_READERS}
        self._thread = threading.Thread(target=self._run, name="stand-in-readers", daemon=True)
        self._boot = int(time.time()) % 100_000

    def _connect(self, reader_id: str) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"reader-{reader_id}", clean_session=False
        )
        status = reader_topic(self.settings.site, reader_id, "status")
        client.will_set(status, json.dumps({"online": False}), qos=1, retain=True)
        broker = self.settings.broker
        client.connect(broker.host, broker.port)
        client.loop_start()
        client.publish(
            status,
            json.dumps(
                {
                    "online": True,
                    "fw": FIRMWARE_VERSION,
                    "boot": 1,
                    "queue": 0,
                    "rssi": -58,
                    "heap": 98000,
                    "up": 0,
                }
            ),
            qos=1,
            retain=True,
        )
        return client

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for client in self._clients.values():
            client.disconnect()
            client.loop_stop()

    def _run(self) -> None:
        rng = random.Random(7)
        inside: set[str] = set()
        started = time.monotonic()
        while not self._stop.wait(rng.uniform(0.3, 1.7) * self.pace_s):
            absent = [card for card in DEMO_CARDS if card not in inside]
            arriving = absent and (len(inside) < 30 or rng.random() < 0.3)
            card = rng.choice(absent) if arriving else rng.choice(sorted(inside))
            inside.symmetric_difference_update({card})
            reader_id = "wejscie" if rng.random() < 0.8 else "ogrod"
            self._tap(reader_id, card, int((time.monotonic() - started) * 1000))

    def _tap(self, reader_id: str, uid: str, ms: int) -> None:
        seq = self._next_seq[reader_id]
        self._next_seq[reader_id] = seq + 1
        body = {
            "v": 1,
            "uid": uid,
            "seq": seq,
            "boot": self._boot,
            "ms": ms,
            "now": ms + 40,
            "t": int(time.time()),
        }
        self._clients[reader_id].publish(
            reader_topic(self.settings.site, reader_id, "tap"), json.dumps(body, separators=(",", ":")), qos=1
        )
