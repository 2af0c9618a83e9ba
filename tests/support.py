"""Real parts for tests: a Mosquitto broker, a hub process, a reader that speaks the contract."""

from __future__ import annotations

import getpass
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import uvicorn
from fastapi import FastAPI

from hub.ingest.mosquitto_conf import mosquitto_conf
from hub.wire import reader_topic

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until `predicate()` is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)
        value = predicate()
    return value


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if not found:
        raise RuntimeError("Mosquitto is not installed: run `make test`, which installs it with apt")
    return found


class Mosquitto:
    """A real Mosquitto on a free port with the hub's generated configuration."""

    def __init__(self, workdir: Path, port: int | None = None, **conf: Any) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.data_dir = workdir / "mosquitto-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "mosquitto.conf"
        self.conf_options = conf
        self.conf.write_text(mosquitto_conf(self.port, self.data_dir, run_as=getpass.getuser(), **conf))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.workdir / "mosquitto.log").open("ab")
        self.process = subprocess.Popen([mosquitto_binary(), "-c", str(self.conf)], stdout=log, stderr=log)
        wait_until(self._listening, timeout=10)

    def _listening(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise RuntimeError(f"mosquitto exited: {(self.workdir / 'mosquitto.log').read_text()}")
        tls = self.conf_options.get("tls")
        try:
            for port in [self.port, *([tls.port] if tls else [])]:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def tap_payload(seq: int, uid: str = "04A2B3C4D5E680", **fields: Any) -> bytes:
    body = {"v": 1, "uid": uid, "seq": seq, "boot": 1, "ms": 1000 + seq, "now": 1050 + seq}
    body.update(fields)
    return json.dumps(body, separators=(",", ":")).encode()


class FakeReaderClient:
    """Publishes as reader `reader_id` over real MQTT and collects the hub's acks.

    It is the wire contract from the reader's side, without the firmware: the firmware's
    own tests run the real thing.
    """

    def __init__(
        self,
        port: int,
        site: str,
        reader_id: str,
        password: str | None = None,
        *,
        client_id: str | None = None,
        tls_ca: Path | None = None,
    ) -> None:
        self.site = site
        self.reader_id = reader_id
        self.acks: list[dict[str, Any]] = []
        self.messages: list[tuple[str, bytes]] = []
        """Every message received, on any topic (acks are also parsed into `acks`)."""
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or reader_id, clean_session=False
        )
        self.client.on_message = self._on_message
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(1000)
        if password:
            self.client.username_pw_set(reader_id, password)
        if tls_ca:
            self.client.tls_set(ca_certs=str(tls_ca))
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(reader_topic(site, reader_id, "ack"), qos=1)
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload))
            if message.topic == reader_topic(self.site, self.reader_id, "ack"):
                self.acks.append(json.loads(message.payload))

    def publish(self, kind: str, payload: bytes, *, retain: bool = False, topic: str | None = None):
        return self.client.publish(
            topic or reader_topic(self.site, self.reader_id, kind), payload, qos=1, retain=retain
        )

    def wait_connected(self) -> FakeReaderClient:
        wait_until(self.client.is_connected)
        return self

    def acked_seqs(self) -> list[int]:
        with self._lock:
            return [ack["seq"] for ack in self.acks]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class HubProcess:
    """`ewidencjoner serve` as a separate process, so tests can SIGKILL it."""

    def __init__(
        self, workdir: Path, database: Path, broker_url: str, site: str, *, broker_password: str = ""
    ) -> None:
        self.workdir = workdir
        self.web_port = free_port()
        self.env = dict(
            os.environ,
            EWIDENCJONER_DATABASE=str(database),
            EWIDENCJONER_BROKER_URL=broker_url,
            EWIDENCJONER_SITE=site,
            EWIDENCJONER_WEB_PORT=str(self.web_port),
        )
        if broker_password:
            self.env["EWIDENCJONER_BROKER_PASSWORD"] = broker_password
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        log = (self.workdir / f"hub-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "web", "serve"], env=self.env, cwd=self.workdir, stdout=log, stderr=log
        )
        if wait:
            wait_until(lambda: self.health().get("connected"), timeout=20, interval=0.1)

    def health(self) -> dict[str, Any]:
        if self.process and self.process.poll() is not None:
            raise RuntimeError(f"the hub exited: {self.log_text()}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.web_port}/api/health", timeout=1
            ) as response:
                return json.load(response)
        except OSError:
            return {}

    def log_text(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.workdir.glob("hub-*.log")))

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without trailing empty cells (a sheet is as wide as its widest row)."""
    result = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        result.append(row)
    return result


def xlsx_rows_as_csv(xlsx: bytes) -> list[list[str]]:
    """An XLSX sheet's cells written as the CSV writes them (money with two decimals), trimmed."""
    from decimal import Decimal

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if cell.value is None:
                cells.append("")
            elif cell.number_format == "#,##0.00":
                cells.append(f"{Decimal(str(cell.value)):.2f}")
            else:
                cells.append(str(cell.value))
        rows.append(cells)
    return trimmed(rows)


class WebServer:
    """The web application on a free port, served by uvicorn in a thread of the test process.

    For browser tests of pages that need no broker: lighter than `HubProcess`.
    """

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web-server", daemon=True)

    def __enter__(self) -> WebServer:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
