"""Kill the hub or restart the broker while taps stream in: every tap is stored exactly once."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store.db import open_database
from tests.conftest import SITE
from tests.support import FakeReaderClient, HubProcess, Mosquitto, tap_payload, wait_until

TAPS_PER_READER = 400


def stream_taps(reader: FakeReaderClient, count: int, pause_s: float) -> threading.Thread:
    def run() -> None:
        for seq in range(1, count + 1):
            reader.publish("tap", tap_payload(seq, uid=f"04{seq % 256:02X}B2C3"))
            time.sleep(pause_s)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def stored_taps(settings: Settings) -> list[tuple[str, int]]:
    db = open_database(settings.database)
    try:
        return [tuple(row) for row in db.execute("SELECT reader_id, seq FROM taps ORDER BY reader_id, seq")]
    finally:
        db.close()


def expected(count: int) -> list[tuple[str, int]]:
    return [(reader_id, seq) for reader_id in ("r1", "r2") for seq in range(1, count + 1)]


def test_hub_killed_at_random_points_loses_and_doubles_nothing(
    tmp_path: Path, settings: Settings, mosquitto: Mosquitto
) -> None:
    hub = HubProcess(tmp_path, settings.database, mosquitto.url, SITE)
    hub.start()
    readers = [FakeReaderClient(mosquitto.port, SITE, reader_id) for reader_id in ("r1", "r2")]
    streams = [stream_taps(reader, TAPS_PER_READER, 0.01) for reader in readers]
    rng = random.Random(11)
    for _ in range(3):
        time.sleep(rng.uniform(0.2, 1.2))
        hub.kill()  # SIGKILL: no chance to finish the batch in hand
        hub.start()
    for stream in streams:
        stream.join()
    wait_until(lambda: len(stored_taps(settings)) == 2 * TAPS_PER_READER, timeout=60, interval=0.2)
    assert stored_taps(settings) == expected(TAPS_PER_READER)
    for reader in readers:  # every tap got an answer from the hub, some more than once ("dup")
        wait_until(lambda r=reader: set(r.acked_seqs()) == set(range(1, TAPS_PER_READER + 1)), timeout=30)
        reader.close()
    hub.stop()
    assert hub.starts == 4


def test_broker_restarted_while_taps_stream_loses_and_doubles_nothing(
    settings: Settings, mosquitto: Mosquitto
) -> None:
    ingest = Ingest(settings, EventBus())
    ingest.start()
    assert ingest.wait_connected(10)
    readers = [FakeReaderClient(mosquitto.port, SITE, reader_id) for reader_id in ("r1", "r2")]
    streams = [stream_taps(reader, TAPS_PER_READER, 0.01) for reader in readers]
    for _ in range(2):
        time.sleep(1.0)
        mosquitto.restart()
    for stream in streams:
        stream.join()
    wait_until(lambda: len(stored_taps(settings)) == 2 * TAPS_PER_READER, timeout=60, interval=0.2)
    assert stored_taps(settings) == expected(TAPS_PER_READER)
    for reader in readers:
        reader.close()
    ingest.stop()
