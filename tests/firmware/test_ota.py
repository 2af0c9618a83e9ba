"""Updates over the air: the real firmware on MicroPython, a real Mosquitto, the hub's
update server (hub/ingest/updates.py) and a release built like `make firmware` builds it.
A reader is updated with taps in its journal; a broken version is rolled back by itself."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from hub.devtools.virtual_reader import VirtualReader
from hub.ingest.updates import DONE, ROLLED_BACK, UpdateServer
from hub.provision.firmware import FIRMWARE_SRC, build_firmware
from hub.services.firmware_release import Release, new_key, write_release
from tests.firmware.conftest import SITE, wait_until
from tests.support import Mosquitto

KEY = new_key()
OTA_HEAP = 125_000
"""100 KB for the firmware, as on a device, plus the simulator's own modules (mfrc522sim,
simctl, fake machine: ~25 KB measured), which a device does not load. During an update
ota.py takes ~10 KB more (imported at the first offer): at 100 KB with the simulator
loaded, that import fails (firmware/README.md, "Updates over the air")."""


class UpdateHub:
    """The hub's update server on a paho client: readers' `update` and `status` in, `ota` out."""

    def __init__(self, port: int) -> None:
        self.states: list[tuple[str, str, str]] = []
        self.status: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"update-hub-{port}")
        self.server = UpdateServer(SITE, self._publish, self._on_state)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect_async("127.0.0.1", port, keepalive=10)
        self.client.loop_start()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1)

    def _on_state(self, reader_id: str, state: str, detail: str) -> None:
        with self.lock:
            self.states.append((reader_id, state, detail))

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe(f"ewidencjoner/{SITE}/reader/+/update", qos=1)
        client.subscribe(f"ewidencjoner/{SITE}/reader/+/status", qos=1)
        self.connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        reader = msg.topic.split("/")[3]
        if msg.topic.endswith("/update"):
            self.server.on_update(reader, msg.payload)
        else:
            data = json.loads(msg.payload)
            with self.lock:
                self.status[reader] = data
            self.server.on_status(reader, data)

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self.server.tick()

    def state(self, reader_id: str = "r1") -> str | None:
        job = self.server.job(reader_id)
        return job.state if job else None

    def close(self) -> None:
        self._stop.set()
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def update_hub(broker: Mosquitto) -> Iterator[UpdateHub]:
    hub = UpdateHub(broker.port)
    assert hub.connected.wait(10)
    yield hub
    hub.close()


def make_release(tmp_path: Path, version: str, patch: Callable[[Path], None] | None = None) -> Release:
    """A device release of the firmware in this checkout, optionally with its sources patched."""
    src = tmp_path / f"src-{version}"
    shutil.copytree(FIRMWARE_SRC, src, ignore=shutil.ignore_patterns("sim", "__pycache__"))
    if patch:
        patch(src)
    return write_release(build_firmware(tmp_path / f"rel-{version}", src=src, sim=False), version)


def run_reader(r: VirtualReader, until: Callable[[], bool], timeout: float = 60) -> None:
    """Keep the reader powered: start it again whenever it resets itself, until `until()`."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "\n".join(line for _, line in r.events[-30:])
        if not r.running:
            r.stop()
            try:
                r.start()
            except RuntimeError:
                continue  # a version that crashes at start: powered again next round
        time.sleep(0.05)


@pytest.fixture
def ota_reader(reader_factory: Callable[..., VirtualReader]) -> Callable[..., VirtualReader]:
    def make(**config: Any) -> VirtualReader:
        r = reader_factory(ota_key=KEY, healthy_ms=500, trial_s=8, **config)
        r.heap = OTA_HEAP
        return r

    return make


def pending_taps(r: VirtualReader, uids: list[str]) -> None:
    """Taps the hub never answers: they wait in the reader's journal."""
    for uid in uids:
        r.tap(uid)
        r.wait_for(lambda w, uid=uid: w[0] == "tap" and w[2] == uid)


def test_reader_updated_from_the_hub_keeps_its_pending_taps(ota_reader, update_hub, hub_factory, tmp_path):
    release = make_release(tmp_path, "1.0.1")
    r = ota_reader()
    r.start()
    pending_taps(r, ["04A3C6CAE26180", "DEADBEEF"])
    r.wait_for("mqtt")
    started = time.monotonic()
    update_hub.server.start("r1", release, KEY)
    r.wait_for(lambda w: w[:2] == ["ota", "switching"], timeout=60)
    took = time.monotonic() - started
    run_reader(r, lambda: update_hub.state() == DONE)
    total = time.monotonic() - started
    size = f"{release.size} bytes in {len(release.files)} files"
    print(f"update of {size}: {took:.1f} s to switch, {total:.1f} s to healthy")
    assert update_hub.status["r1"]["fw"] == "1.0.1" and update_hub.status["r1"]["ota"] == "ok"
    assert r.state()["pending"] == 2
    hub = hub_factory()
    wait_until(lambda: [p["uid"] for p in hub.unique()] == ["04A3C6CAE26180", "DEADBEEF"])
    assert (r.workdir / "fw" / "a" / "manifest").read_text() == release.manifest


def _crash_report(line: str) -> bool:
    return "broken on purpose" in line or line.startswith(("Traceback", "  File"))


def _crash_at_start(src: Path) -> None:
    app = src / "app.py"
    text = app.read_text()
    assert '        log("ready", ' in text
    broken = '        raise RuntimeError("broken on purpose")\n        log("ready", '
    app.write_text(text.replace('        log("ready", ', broken))


def _never_connects(src: Path) -> None:
    app = src / "app.py"
    app.write_text(app.read_text().replace("                self.mq.step(now)\n", "                pass\n"))


@pytest.mark.parametrize("patch", [_crash_at_start, _never_connects], ids=["crashes", "never-healthy"])
def test_broken_version_is_rolled_back(ota_reader, update_hub, tmp_path, patch):
    release = make_release(tmp_path, "6.6.6", patch)
    r = ota_reader()
    r.start()
    pending_taps(r, ["04A3C6CAE26180"])
    r.wait_for("mqtt")
    update_hub.server.start("r1", release, KEY)
    run_reader(r, lambda: update_hub.state() == ROLLED_BACK, timeout=90)
    status = update_hub.status["r1"]
    assert status["fw"] == "1.0.0" and status["ota"] == "rolled-back"
    assert r.state()["pending"] == 1
    assert ["ota", "rollback", "6.6.6"] in [w[:3] for w in r.lines("ota")]
    assert json.loads((r.workdir / "fw.json").read_text())["slot"] == ""  # the cable copy runs again
    with r._cond:  # the crashes were on purpose: keep the teardown's traceback check for the rest
        r.events = [(t, line) for t, line in r.events if not _crash_report(line)]


def test_an_offer_signed_with_another_key_is_refused(ota_reader, update_hub, tmp_path):
    release = make_release(tmp_path, "1.0.2")
    r = ota_reader()
    r.start()
    r.wait_for("mqtt")
    update_hub.server.start("r1", release, new_key())
    wait_until(lambda: update_hub.state() == "failed")
    assert update_hub.server.job("r1").detail == "signature"
    assert not (r.workdir / "fw" / "new").exists() and not (r.workdir / "fw.json").exists()


def test_a_power_cut_mid_download_resumes_and_keeps_the_taps(ota_reader, update_hub, tmp_path):
    """Over the real broker (the in-process test cuts at every flash change): the reader
    loses power halfway through the download, boots its old version, is offered the
    release again when its status comes, and fetches only what its flash lacks."""
    release = make_release(tmp_path, "1.0.3")
    r = ota_reader()
    r.start()
    pending_taps(r, ["04A3C6CAE26180"])
    r.wait_for("mqtt")
    update_hub.server.start("r1", release, KEY)
    wait_until(lambda: update_hub.server.job("r1").sent > release.size // 2)
    r.kill()
    staged = sum(p.stat().st_size for p in (r.workdir / "fw" / "new").iterdir())
    assert 0 < staged < release.size
    sent_before = update_hub.server.job("r1").sent
    r.start()
    run_reader(r, lambda: update_hub.state() == DONE)
    assert update_hub.server.job("r1").sent - sent_before < release.size  # resumed, not restarted
    assert update_hub.status["r1"]["fw"] == "1.0.3"
    assert r.state()["pending"] == 1
