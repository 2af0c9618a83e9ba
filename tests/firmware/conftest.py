"""Real parts for the firmware tests: the MicroPython unix port with an ESP32-sized
heap, the mpy-cross bundle, a real Mosquitto (`tests.support`'s), and a minimal hub that
acks taps."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from hub.devtools.virtual_reader import VirtualReader
from hub.provision.firmware import build_firmware, tool
from tests import support
from tests.support import Mosquitto

HEAP = 100_000  # bytes: an ESP32-WROOM's free MicroPython heap
SITE = "fwtest"


FIRMWARE_WAIT_S = 15.0
"""A reader on the MicroPython interpreter answers slower than the hub: a longer default wait."""


def wait_until(predicate: Callable[[], Any], timeout: float = FIRMWARE_WAIT_S, interval: float = 0.05) -> Any:
    """`tests.support.wait_until` with the firmware's longer default timeout."""
    return support.wait_until(predicate, timeout, interval)


def assert_no_memory_error(text: str) -> None:
    if "MemoryError" in text:
        pytest.fail(f"MemoryError under a {HEAP}-byte heap:\n{text[-3000:]}")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The firmware and its simulator compiled by mpy-cross (what a reader runs)."""
    return build_firmware(tmp_path_factory.mktemp("fw") / "bundle")


@pytest.fixture
def mp(bundle: Path, tmp_path: Path) -> Callable[..., str]:
    """Run a MicroPython script (source text) with the bundle on sys.path, in
    tmp_path, with an ESP32-sized heap. Fails on MemoryError or a non-zero exit."""

    def run(script: str, heap: int = HEAP, timeout: float = 300) -> str:
        path = tmp_path / "script.py"
        prelude = "import sys\n" + "".join(
            f"sys.path.insert(0, {str(p)!r})\n" for p in (bundle, bundle / "sim")
        )
        path.write_text(prelude + script)
        proc = subprocess.run(
            [tool("micropython"), "-X", f"heapsize={heap}", str(path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = proc.stdout + proc.stderr
        assert_no_memory_error(out)
        assert proc.returncode == 0, out[-3000:]
        return proc.stdout

    return run


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto of the hub's configuration (anonymous, sessions persisted), restartable."""
    b = Mosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


class AckingHub:
    """The smallest hub that follows the wire contract: a persistent session
    (clean session off) subscribed at QoS 1 to every reader's `tap`; it records
    each tap with its arrival time and answers with an `ack` for its seq."""

    def __init__(self, port: int, site: str = SITE, ack: bool = True) -> None:
        self.site = site
        self.ack = ack
        self.taps: list[tuple[float, str, dict[str, Any]]] = []  # (received, reader, payload)
        self.status: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"acking-hub-{port}", clean_session=False
        )
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect_async("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any = None) -> None:
        client.subscribe(f"ewidencjoner/{self.site}/reader/+/tap", qos=1)
        client.subscribe(f"ewidencjoner/{self.site}/reader/+/status", qos=1)
        self.connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        reader = msg.topic.split("/")[3]
        data = json.loads(msg.payload)
        if msg.topic.endswith("/status"):
            with self.lock:
                self.status[reader] = data
            return
        with self.lock:
            self.taps.append((time.time(), reader, data))
        if self.ack:
            body = {"seq": data["seq"], "r": "in", "name": "Ania K.", "at": "07:42"}
            client.publish(
                f"ewidencjoner/{self.site}/reader/{reader}/ack",
                json.dumps(body, separators=(",", ":")),
                qos=1,
            )

    def time(self, t: int | None = None) -> int:
        """Publish the site clock (retained), as the hub does every 60 s."""
        t = int(time.time()) if t is None else t
        self.client.publish(
            f"ewidencjoner/{self.site}/time", json.dumps({"t": t}), qos=0, retain=True
        ).wait_for_publish(5)
        return t

    def seqs(self, reader: str = "r1") -> list[int]:
        with self.lock:
            return [p["seq"] for _, r, p in self.taps if r == reader]

    def unique(self, reader: str = "r1") -> list[dict[str, Any]]:
        """Taps stored once each (idempotent on seq), in arrival order."""
        seen: dict[int, dict[str, Any]] = {}
        with self.lock:
            for _, r, p in self.taps:
                if r == reader and p["seq"] not in seen:
                    seen[p["seq"]] = p
        return list(seen.values())

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def hub_factory(broker: Mosquitto) -> Iterator[Callable[..., AckingHub]]:
    made: list[AckingHub] = []

    def make(ack: bool = True) -> AckingHub:
        h = AckingHub(broker.port, ack=ack)
        made.append(h)
        assert h.connected.wait(10), "the acking hub could not connect"
        return h

    yield make
    for h in made:
        h.close()


@pytest.fixture
def reader_factory(bundle: Path, broker: Mosquitto, tmp_path: Path) -> Iterator[Callable[..., VirtualReader]]:
    """VirtualReaders on the test broker; at teardown they are stopped and their
    output is checked for MemoryError and tracebacks."""
    made: list[VirtualReader] = []

    def make(reader_id: str = "r1", **config: Any) -> VirtualReader:
        cfg = {"keepalive_s": 5, "ack_timeout_ms": 3000}
        cfg.update(config)
        r = VirtualReader(
            reader_id, SITE, "127.0.0.1", broker.port, workdir=tmp_path / reader_id, bundle=bundle, config=cfg
        )
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop()
        text = "\n".join(line for _, line in r.events)
        assert_no_memory_error(text)
        assert "Traceback" not in text, text[-3000:]
