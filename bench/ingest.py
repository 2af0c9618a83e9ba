"""Ingest benchmark: the hub against a bare MQTT subscriber, through the same real Mosquitto.

Not a test: it prints figures. Run it with `make bench` (or `.venv/bin/python bench/ingest.py`).

1. Sustained throughput. Simulated readers queue N QoS 1 taps on the broker for a subscriber
   that is not running; then the subscriber starts and drains them. For the hub, "drained"
   means committed to SQLite (synchronous=FULL) with an ack published per tap and a PUBACK
   after the commit; zero loss is checked by counting rows. The baseline is a bare paho
   subscriber in its own process that only counts messages (auto-PUBACK).
2. Latency at 100 taps/s: a reader publishes a tap every 10 ms and times each ack. The
   baseline is the same round trip through a bare subscriber that echoes each message back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.ingest.mqtt_client import disable_nagle
from hub.store import readers
from hub.store.db import open_database
from hub.wire import reader_topic
from tests.support import HubProcess, Mosquitto, tap_payload, wait_until

SITE = "bench"
READERS = [f"r{index}" for index in range(10)]
BASELINE_CLIENT_ID = "bench-baseline"


def queue_taps(port: int, total: int) -> None:
    """Publish `total` taps spread over the readers and wait until the broker has them all."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = []
    for index in range(total):
        reader_id = READERS[index % len(READERS)]
        seq = index // len(READERS) + 1
        infos.append(
            client.publish(reader_topic(SITE, reader_id, "tap"), tap_payload(seq, t=1795420800), qos=1)
        )
    for info in infos:
        info.wait_for_publish(timeout=60)
    client.disconnect()
    client.loop_stop()


def register_session(port: int, client_id: str, topic: str) -> None:
    """Create a persistent session with a QoS 1 subscription, so the broker queues for it."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topic, qos=1)[1]
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


def count_subscriber(port: int, total: int, echo: bool) -> None:
    """The baseline (run in its own process): count, or echo, messages; print the drain time."""
    received = 0
    first = last = 0.0
    done = threading.Event()

    def on_message(client: mqtt.Client, userdata, message: mqtt.MQTTMessage) -> None:
        nonlocal received, first, last
        if echo:
            reader_id = message.topic.split("/")[3]
            seq = json.loads(message.payload)["seq"]
            client.publish(reader_topic(SITE, reader_id, "ack"), json.dumps({"seq": seq, "r": "in"}), qos=1)
            return
        received += 1
        last = time.perf_counter()
        if received == 1:
            first = last
        if received >= total:
            done.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=BASELINE_CLIENT_ID, clean_session=False)
    client.max_inflight_messages_set(100)
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    disable_nagle(client)
    client.subscribe(reader_topic(SITE, "+", "tap"), qos=1)
    client.loop_start()
    if echo:
        print("ready", flush=True)
        sys.stdin.read()
    else:
        done.wait(300)
        print(json.dumps({"received": received, "seconds": last - first}), flush=True)
    client.disconnect()
    client.loop_stop()


def baseline_throughput(workdir: Path, total: int) -> tuple[float, int]:
    broker = Mosquitto(workdir / "baseline")
    broker.start()
    try:
        register_session(broker.port, BASELINE_CLIENT_ID, reader_topic(SITE, "+", "tap"))
        queue_taps(broker.port, total)
        result = subprocess.run(
            [sys.executable, __file__, "--count-subscriber", str(broker.port), str(total)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        return figures["received"] / figures["seconds"], figures["received"]
    finally:
        broker.stop()


def hub_throughput(workdir: Path, total: int) -> tuple[float, int]:
    workdir.mkdir(parents=True, exist_ok=True)
    broker = Mosquitto(workdir)
    broker.start()
    database = workdir / "bench.db"
    db = open_database(database)
    for reader_id in READERS:
        readers.add_reader(db, reader_id, reader_id)
    db.close()
    hub = HubProcess(workdir, database, broker.url, SITE)
    try:
        hub.start()  # creates the hub's persistent session and subscriptions
        hub.stop()
        queue_taps(broker.port, total)
        hub.start(wait=False)
        db = open_database(database)
        rows = lambda: db.execute("SELECT count(*) FROM taps").fetchone()[0]  # noqa: E731
        first_seen = wait_until(lambda: rows() > 0 and time.perf_counter(), 60, 0.005)
        stored_at_first = rows()
        wait_until(lambda: rows() >= total, 600, 0.02)
        seconds = time.perf_counter() - first_seen
        time.sleep(1)  # anything stored twice would show up now
        stored = rows()
        db.close()
        return (total - stored_at_first) / seconds, stored
    finally:
        hub.stop()
        broker.stop()


class AckTimer:
    """A reader that publishes at a fixed rate and times the ack for each tap."""

    def __init__(self, port: int) -> None:
        self.sent: dict[int, float] = {}
        self.latencies: list[float] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-latency-reader")
        self.client.on_message = self._on_ack
        self.client.connect("127.0.0.1", port)
        disable_nagle(self.client)
        self.client.subscribe(reader_topic(SITE, READERS[0], "ack"), qos=1)
        self.client.loop_start()
        time.sleep(0.3)

    def _on_ack(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        seq = json.loads(message.payload)["seq"]
        if seq in self.sent:
            self.latencies.append(time.perf_counter() - self.sent.pop(seq))

    def run(self, rate: int, seconds: float, first_seq: int) -> tuple[float, float, int]:
        period = 1 / rate
        start = time.perf_counter()
        for index in range(int(rate * seconds)):
            target = start + index * period
            time.sleep(max(0.0, target - time.perf_counter()))
            seq = first_seq + index
            self.sent[seq] = time.perf_counter()
            self.client.publish(reader_topic(SITE, READERS[0], "tap"), tap_payload(seq, t=1795420800), qos=1)
        wait_until(lambda: not self.sent, 30)
        self.client.disconnect()
        self.client.loop_stop()
        ms = sorted(latency * 1000 for latency in self.latencies)
        return statistics.median(ms), ms[int(len(ms) * 0.99) - 1], len(ms)


def hub_latency(workdir: Path, rate: int, seconds: float) -> tuple[float, float, int]:
    workdir.mkdir(parents=True, exist_ok=True)
    broker = Mosquitto(workdir)
    broker.start()
    database = workdir / "latency.db"
    db = open_database(database)
    readers.add_reader(db, READERS[0], "latency")
    db.close()
    hub = HubProcess(workdir, database, broker.url, SITE)
    try:
        hub.start()
        return AckTimer(broker.port).run(rate, seconds, first_seq=1)
    finally:
        hub.stop()
        broker.stop()


def baseline_latency(workdir: Path, rate: int, seconds: float) -> tuple[float, float, int]:
    broker = Mosquitto(workdir / "baseline-latency")
    broker.start()
    echo = subprocess.Popen(
        [sys.executable, __file__, "--echo-subscriber", str(broker.port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert echo.stdout is not None and echo.stdout.readline().strip() == "ready"
        return AckTimer(broker.port).run(rate, seconds, first_seq=1)
    finally:
        echo.communicate("", timeout=30)
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taps", type=int, default=20_000, help="taps queued for the throughput runs")
    parser.add_argument("--rate", type=int, default=100, help="taps per second in the latency runs")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each latency run")
    parser.add_argument(
        "--count-subscriber", nargs=2, type=int, metavar=("PORT", "TOTAL"), help=argparse.SUPPRESS
    )
    parser.add_argument("--echo-subscriber", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_subscriber:
        count_subscriber(args.count_subscriber[0], args.count_subscriber[1], echo=False)
        return
    if args.echo_subscriber:
        count_subscriber(args.echo_subscriber, 0, echo=True)
        return

    with tempfile.TemporaryDirectory(prefix="ewidencjoner-bench-") as tmp:
        workdir = Path(tmp)
        base_rate, base_count = baseline_throughput(workdir, args.taps)
        hub_rate, hub_rows = hub_throughput(workdir / "hub", args.taps)
        hub_p50, hub_p99, hub_n = hub_latency(workdir / "hub-latency", args.rate, args.seconds)
        base_p50, base_p99, base_n = baseline_latency(workdir, args.rate, args.seconds)

    print(f"ingest benchmark: {args.taps} queued QoS 1 taps; {args.rate} taps/s for {args.seconds:.0f} s")
    print(f"{'':38}{'hub':>14}{'baseline':>14}   target")
    print(f"{'sustained taps/s (stored vs counted)':38}{hub_rate:>14,.0f}{base_rate:>14,.0f}   hub >= 2,000")
    print(f"{'ratio hub / baseline':38}{hub_rate / base_rate:>14.2f}{'':>14}   >= 0.50")
    print(
        f"{'taps lost (sent - stored/counted)':38}{args.taps - hub_rows:>14}{args.taps - base_count:>14}   0"
    )
    print(f"{'tap->ack p50 ms at ' + str(args.rate) + '/s':38}{hub_p50:>14.2f}{base_p50:>14.2f}")
    print(f"{'tap->ack p99 ms at ' + str(args.rate) + '/s':38}{hub_p99:>14.2f}{base_p99:>14.2f}   hub <= 20")
    print(f"{'acks timed':38}{hub_n:>14}{base_n:>14}")


if __name__ == "__main__":
    main()
