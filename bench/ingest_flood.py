"""Ingest benchmark: a flood of taps from one card, registered to a child or unknown.

Not a test: it prints figures. Run it with `make bench` (or `.venv/bin/python bench/ingest_flood.py`).

A card held to a reader (or a hostile device replaying one) sends taps for as long as it
likes; every tap of a registered card is classified against the child's day, so the cost
of a tap must not grow with the taps the child already has that day. Each case runs on a
fresh database with a real Mosquitto and the hub in its own process (`ewidencjoner serve`);
one reader publishes N QoS 1 taps of one card, its clock 7 s apart (so debounce, toggles and
redundant taps all happen), and times each `ack` (sent by the hub after its commit):

1. burst: all N published at once to the running hub (big batches: the writer falls behind);
2. paced: N at R taps/s (in order, mostly batches of one, as a live reader sends them);
3. paced again, with H earlier taps of the same reader already stored (a school year of one
   entrance: what a per-tap cost that grows with the stored taps shows up in).

The baseline of each is the same flood from a card nobody registered (no day to read), in
the same run; the target is registered <= 2x unknown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import paho.mqtt.client as mqtt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.config import Settings
from hub.ingest.mqtt_client import disable_nagle
from hub.store import cards, readers, registry
from hub.store.db import open_database
from hub.store.taps import TapRow
from hub.timefmt import to_db
from hub.wire import reader_topic
from tests.support import HubProcess, Mosquitto, tap_payload, wait_until

SITE = "bench"
READER = "wejscie"
REGISTERED = "04A1B2C3"
UNKNOWN = "04FFEEDD"
FIRST_T = 1795420800  # 2026-11-24 (a Tuesday) 06:00 in Warsaw
SPACING_S = 7


class FloodReader:
    """A reader that publishes one card's taps and times the ack of each."""

    def __init__(self, port: int) -> None:
        self.sent: dict[int, float] = {}
        self.acked: dict[int, float] = {}
        self.results: dict[str, int] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-flood-reader")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_message = self._on_ack
        self.client.connect("127.0.0.1", port)
        disable_nagle(self.client)
        self.client.subscribe(reader_topic(SITE, READER, "ack"), qos=1)
        self.client.loop_start()
        time.sleep(0.3)

    def _on_ack(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        ack = json.loads(message.payload)
        with self._lock:
            self.acked.setdefault(ack["seq"], time.perf_counter())
            self.results[ack["r"]] = self.results.get(ack["r"], 0) + 1

    def flood(
        self, uid: str, total: int, rate: int | None, first_seq: int = 1
    ) -> tuple[float, float, float, int]:
        """Seconds from the first publish to the last ack, ack latency p50 and p99 (ms), and
        how many taps got no ack."""
        start = time.perf_counter()
        for index in range(total):
            if rate:
                time.sleep(max(0.0, start + index / rate - time.perf_counter()))
            seq = first_seq + index
            self.sent[seq] = time.perf_counter()
            payload = tap_payload(seq, uid=uid, t=FIRST_T + SPACING_S * index)
            self.client.publish(reader_topic(SITE, READER, "tap"), payload, qos=1)
        wait_until(lambda: len(self.acked) >= total, 600, 0.01)
        self.client.disconnect()
        self.client.loop_stop()
        latencies = sorted((self.acked[seq] - self.sent[seq]) * 1000 for seq in self.acked)
        last = max(self.acked.values())
        return (
            last - start,
            statistics.median(latencies),
            latencies[int(len(latencies) * 0.99) - 1],
            (total - len(self.acked)),
        )


def enrol(database: Path, history: int) -> None:
    """A reader at the entrance and a child with a card, since the school year began, and
    `history` taps of other cards on the reader before the flood's day."""
    db = open_database(database)
    readers.add_reader(db, READER, "Wejście")
    registry.add_group(db, "Motylki", author="bench")
    child = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group="Motylki", active_from="2026-09-01", author="bench"
    )
    cards.assign_card_from_day(
        db, uid=REGISTERED, child_id=child["id"], author="bench", day=date(2026, 9, 1), tz=Settings().tz
    )
    with db.atomic():
        db.conn.executemany(
            f"INSERT INTO taps ({', '.join(TapRow._fields)}) VALUES ({', '.join('?' * len(TapRow._fields))})",
            [
                TapRow(READER, seq, f"04{seq % 300:06X}", 1, 0, None, None, at, at, "clock")
                for seq in range(1, history + 1)
                for at in [to_db(datetime.fromtimestamp(FIRST_T - 86_400 + (seq - history) * 60, UTC))]
            ],
        )
    db.close()


def run_case(
    workdir: Path, uid: str, total: int, rate: int | None, history: int = 0
) -> tuple[float, float, float, int, dict]:
    workdir.mkdir(parents=True)
    broker = Mosquitto(workdir)
    broker.start()
    database = workdir / "flood.db"
    enrol(database, history)
    hub = HubProcess(workdir, database, broker.url, SITE)
    try:
        hub.start()
        reader = FloodReader(broker.port)
        return (*reader.flood(uid, total, rate, first_seq=history + 1), reader.results)
    finally:
        hub.stop()
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taps", type=int, default=1500, help="taps in each flood")
    parser.add_argument("--rate", type=int, default=300, help="taps per second in the paced floods")
    parser.add_argument("--history", type=int, default=100_000, help="earlier taps in the third case")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="ewidencjoner-bench-flood-") as tmp:
        for name, rate, history in (
            ("burst", None, 0),
            ("paced", args.rate, 0),
            (f"paced, {args.history:,} stored", args.rate, args.history),
        ):
            folder = name.split(",")[0] + str(history)
            unknown = run_case(Path(tmp) / f"{folder}-unknown", UNKNOWN, args.taps, rate, history)
            registered = run_case(Path(tmp) / f"{folder}-registered", REGISTERED, args.taps, rate, history)
            rows.append((name, rate, unknown, registered))

    print(f"ingest flood benchmark: {args.taps} QoS 1 taps of one card, clock {SPACING_S} s apart")
    print(f"{'':56}{'registered':>12}{'unknown':>12}{'ratio':>8}   target")
    for name, rate, unknown, registered in rows:
        how = "all at once" if rate is None else f"{rate}/s"
        print(
            f"{f'{name} ({how}): first tap -> last ack s':56}{registered[0]:>12.2f}{unknown[0]:>12.2f}"
            f"{registered[0] / unknown[0]:>8.2f}   ratio <= 2"
        )
        print(f"{f'{name}: tap->ack p50 ms':56}{registered[1]:>12.1f}{unknown[1]:>12.1f}")
        print(f"{f'{name}: tap->ack p99 ms':56}{registered[2]:>12.1f}{unknown[2]:>12.1f}")
        print(f"{f'{name}: taps without an ack':56}{registered[3]:>12}{unknown[3]:>12}{'':>8}   0")
        print(f"{f'{name}: acks (registered card)':56}  {registered[4]}")


if __name__ == "__main__":
    main()
