"""The whole chain with nothing faked but the card chip: firmware on MicroPython → Mosquitto → hub."""

from __future__ import annotations

import time
from pathlib import Path

from hub.config import Settings
from hub.devtools.virtual_reader import VirtualReader
from hub.ingest.mqtt_client import Ingest
from hub.store.db import open_database
from tests.conftest import SITE
from tests.support import Mosquitto, wait_until
from tests.test_attendance_e2e import UID, enrol

STRANGERS = ["04000000000001", "04000000000002", "04000000000003"]


def stored(settings: Settings) -> list[tuple[int, str, str]]:
    db = open_database(settings.database)
    try:
        return [tuple(row) for row in db.execute("SELECT seq, uid, time_quality FROM taps ORDER BY seq")]
    finally:
        db.close()


def test_taps_survive_a_broker_outage_and_a_power_cut_and_are_stored_once(
    tmp_path: Path, ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    enrol(settings)
    reader = VirtualReader("r1", SITE, "127.0.0.1", mosquitto.port, workdir=tmp_path / "flash-r1")
    reader.start()
    try:
        reader.tap(UID)
        wait_until(lambda: reader.lines("ack"), timeout=15)
        assert [seq for seq, _, _ in stored(settings)] == [1]
        assert any("green" in " ".join(words) for words in reader.lines("led"))  # a known child arriving

        mosquitto.stop()
        for number, uid in enumerate(STRANGERS, start=2):
            reader.tap(uid, hold_ms=200)
            wait_until(lambda n=number: len(reader.lines("tap")) == n)
            time.sleep(0.3)  # lifted before the next child comes
        wait_until(lambda: reader.state()["pending"] == 3, timeout=15)
        reader.kill()  # power cut with three taps only in the journal
        reader.start()
        assert reader.state()["pending"] == 3
        mosquitto.start()
        wait_until(lambda: len(stored(settings)) == 4, timeout=60, interval=0.2)
        wait_until(lambda: reader.state()["pending"] == 0, timeout=60, interval=0.5)
        rows = stored(settings)
        assert [(seq, uid) for seq, uid, _ in rows] == [(1, UID)] + [
            (n + 2, uid) for n, uid in enumerate(STRANGERS)
        ]
        assert ingest.stats.stored == 4
    finally:
        reader.stop()
