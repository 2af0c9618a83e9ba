"""Backup benchmark: a backup of a large database while ingest runs at 100 taps/s.

Not a test: it prints figures. Run it with `.venv/bin/python bench/backup.py` (`--size-mb`
for another size; `make bench` runs it too).

A database of about `--size-mb` of taps is built (one SQL statement per million taps), then
`ewidencjoner serve` runs on it with a real Mosquitto. One reader publishes a QoS 1 tap every
10 ms and times each `ack`: first for `--baseline-s` seconds with nothing else running (the
baseline), then while `ewidencjoner backup run` (its own process at niceness 10, as the
README's systemd timer runs it; `--nice 0` for none) copies the database. Printed: ack
latency p50/p99 in both phases, the backup's duration and size, and the taps lost (sent but
not stored, counted in the database at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
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
from tests.backup_support import pad_with_taps
from tests.support import HubProcess, Mosquitto, tap_payload, wait_until

SITE = "bench"
READER = "r1"
CHUNK_TAPS = 1_000_000


def build_database(database: Path, size_mb: int) -> int:
    """A database of about `size_mb` MB of an earlier reader's taps; returns how many."""
    db = open_database(database)
    readers.add_reader(db, READER, "latency")
    readers.add_reader(db, "r0", "history")
    db.close()
    conn = sqlite3.connect(database)  # building, not serving: no fsync, a large cache
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    taps = 0
    while database.stat().st_size < size_mb * 1_000_000:
        pad_with_taps(conn, "r0", CHUNK_TAPS, first=taps + 1)
        taps += CHUNK_TAPS
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return taps


class AckTimer:
    """A reader that publishes at a fixed rate and times each tap's ack, by phase."""

    def __init__(self, port: int) -> None:
        self.sent: dict[int, tuple[float, str]] = {}
        self.latencies: dict[str, list[float]] = {"baseline": [], "backup": []}
        self.phase = "baseline"
        self.last_seq = 0
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-backup-reader")
        self.client.on_message = self._on_ack
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", port)
        disable_nagle(self.client)
        self.client.subscribe(reader_topic(SITE, READER, "ack"), qos=1)
        self.client.loop_start()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _on_ack(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        seq = json.loads(message.payload)["seq"]
        with self._lock:
            if seq in self.sent:
                sent_at, phase = self.sent.pop(seq)
                self.latencies[phase].append(time.perf_counter() - sent_at)

    def start(self, rate: int) -> None:
        def run() -> None:
            period, start, index = 1 / rate, time.perf_counter(), 0
            while not self._stop.is_set():
                time.sleep(max(0.0, start + index * period - time.perf_counter()))
                self.last_seq += 1
                with self._lock:
                    self.sent[self.last_seq] = (time.perf_counter(), self.phase)
                topic = reader_topic(SITE, READER, "tap")
                self.client.publish(topic, tap_payload(self.last_seq, t=1795420800), qos=1)
                index += 1

        self._thread = threading.Thread(target=run)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        wait_until(lambda: not self.sent, 60)
        self.client.disconnect()
        self.client.loop_stop()

    def figures(self, phase: str) -> tuple[float, float, int]:
        ms = sorted(latency * 1000 for latency in self.latencies[phase])
        return statistics.median(ms), ms[max(0, int(len(ms) * 0.99) - 1)], len(ms)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the database to back up")
    parser.add_argument("--rate", type=int, default=100, help="taps per second during both phases")
    parser.add_argument("--baseline-s", type=float, default=20.0, help="length of the baseline phase")
    parser.add_argument(
        "--nice", type=int, default=10, help="the backup's niceness (the README's systemd timer sets Nice=10)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ewidencjoner-bench-backup-") as tmp:
        workdir = Path(tmp)
        database = workdir / "data" / "ewidencjoner.db"
        started = time.perf_counter()
        history = build_database(database, args.size_mb)
        built_s = time.perf_counter() - started
        size_mb = database.stat().st_size / 1e6
        broker = Mosquitto(workdir)
        broker.start()
        hub = HubProcess(workdir, database, broker.url, SITE)
        hub.start()
        timer = AckTimer(broker.port)
        try:
            timer.start(args.rate)
            time.sleep(args.baseline_s)
            timer.phase = "backup"
            (workdir / "disk").mkdir()
            env = dict(os.environ, EWIDENCJONER_DATABASE=str(database))
            started = time.perf_counter()
            made = subprocess.run(
                [sys.executable, "-m", "web", "backup", "run", "--to", str(workdir / "disk"), "--json"],
                env=env, capture_output=True, text=True, check=True, timeout=3600,
                preexec_fn=lambda: os.nice(args.nice),
            )  # fmt: skip
            backup_s = time.perf_counter() - started
            timer.phase = "after"
            timer.latencies["after"] = []
            timer.stop()
            backup = json.loads(made.stdout)
            db = open_database(database)
            stored = db.execute("SELECT count(*) FROM taps WHERE reader_id = ?", [READER]).fetchone()[0]
            db.close()
        finally:
            hub.stop()
            broker.stop()

    base_p50, base_p99, base_n = timer.figures("baseline")
    p50, p99, n = timer.figures("backup")
    print(f"backup benchmark: a {size_mb:,.0f} MB database ({history:,} taps, built in {built_s:.0f} s), "
          f"ingest at {args.rate} taps/s")  # fmt: skip
    print(f"{'':34}{'during backup':>16}{'baseline':>12}   target")
    print(f"{'tap->ack p50 ms':34}{p50:>16.2f}{base_p50:>12.2f}")
    print(f"{'tap->ack p99 ms':34}{p99:>16.2f}{base_p99:>12.2f}   <= 250")
    print(f"{'acks timed':34}{n:>16}{base_n:>12}")
    print(f"{'backup duration s':34}{backup_s:>16.1f}")
    print(f"{'backup size MB':34}{backup['size_bytes'] / 1e6:>16,.0f}   verified: {backup['verified']}")
    print(f"{'taps lost (sent - stored)':34}{timer.last_seq - stored:>16}{'':>12}   0")


if __name__ == "__main__":
    main()
