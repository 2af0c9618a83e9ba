"""Updates over the air through the hub itself: `ewidencjoner readers update --all` records
the request, the running ingest serves the release over a real Mosquitto to two readers
running the real firmware on MicroPython, one reader first and the other once it runs the new
version healthy; the readers page shows version and update state. (Pending taps through an
update, rollback and power cuts: tests/firmware/test_ota*.py.)"""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from hub.cli.main import cli
from hub.config import Settings
from hub.devtools.virtual_reader import VirtualReader
from hub.ingest.mqtt_client import Ingest
from hub.store import firmware_updates
from hub.store.db import open_database
from tests.conftest import SITE
from tests.firmware.test_ota import OTA_HEAP, make_release
from tests.support import Mosquitto, wait_until
from web.pages.readers import reader_rows


def states(settings: Settings) -> dict[str, str]:
    db = open_database(settings.database)
    try:
        return {reader_id: row["state"] for reader_id, row in firmware_updates.by_reader(db).items()}
    finally:
        db.close()


def keep_powered(readers: list[VirtualReader], until, timeout: float = 90) -> None:
    """Start a reader again whenever it resets itself (into its new version), until `until()`."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, [r.events[-5:] for r in readers]
        for r in readers:
            if not r.running:
                r.stop()
                r.start()
        time.sleep(0.05)


def test_readers_update_all_goes_one_reader_first(
    tmp_path: Path, ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    db = open_database(settings.database)
    keys = {reader_id: firmware_updates.issue_key(db, reader_id) for reader_id in ("r1", "r2")}
    db.close()
    release = make_release(tmp_path, "1.1.0")
    fleet = []
    for reader_id in ("r1", "r2"):
        config = {"ota_key": keys[reader_id], "healthy_ms": 500, "safe_button_ms": 0}
        r = VirtualReader(
            reader_id,
            SITE,
            "127.0.0.1",
            mosquitto.port,
            workdir=tmp_path / reader_id,
            heap=OTA_HEAP,
            config=config,
        )
        fleet.append(r)
    try:
        for r in fleet:
            r.start()
            r.wait_for("mqtt")
        args = ["--database", str(settings.database), "readers", "update", "--all"]
        result = CliRunner().invoke(cli, [*args, "--release", str(release.folder), "--first", "r1"])
        assert result.exit_code == 0, result.output
        assert "r1 first; then r2" in result.output
        assert states(settings) == {"r1": "queued", "r2": "waiting"}
        keep_powered(fleet, lambda: states(settings) == {"r1": "done", "r2": "done"})
        r1_done = max(t for t, line in fleet[0].events if line.startswith("EV ota healthy"))
        r2_offered = min(t for t, line in fleet[1].events if line.startswith("EV ota offer"))
        assert r2_offered > r1_done  # the second reader only after the first ran it healthy
        db = open_database(settings.database)
        try:
            rows = {row["id"]: row for row in reader_rows(db, settings)}
            wait_until(lambda: all(row["fw"] == "1.1.0" for row in reader_rows(db, settings)))
        finally:
            db.close()
        assert (
            rows["r1"]["fw_update"]["state_name"] == "done" and rows["r2"]["fw_update"]["version"] == "1.1.0"
        )
        fleet[1].tap("04A3C6CAE26180")  # the new version reads cards and the hub answers
        fleet[1].wait_for("ack")
    finally:
        for r in fleet:
            r.stop()


def test_readers_update_refuses_a_reader_without_a_key_and_a_bad_release(settings: Settings, tmp_path: Path):
    release = make_release(tmp_path, "1.1.0")
    base = ["--database", str(settings.database), "readers", "update"]
    result = CliRunner().invoke(cli, [*base, "r1", "--release", str(release.folder)])
    assert result.exit_code == 1 and "no update key" in result.output
    db = open_database(settings.database)
    firmware_updates.issue_key(db, "r1")
    db.close()
    (release.folder / "app.mpy").write_bytes(b"tampered")
    result = CliRunner().invoke(cli, [*base, "r1", "--release", str(release.folder)])
    assert result.exit_code == 1 and "do not match its manifest" in result.output
    result = CliRunner().invoke(cli, [*base, "--release", str(release.folder)])
    assert result.exit_code == 2 and "READER_ID or --all" in result.output
    assert states(settings) == {}
