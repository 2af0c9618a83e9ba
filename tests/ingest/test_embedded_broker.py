"""The default set-up: the embedded broker in the hub, and `ewidencjoner demo` end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import httpx

from hub.config import Settings
from hub.ingest.embedded_broker import EmbeddedBroker
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import broker_credentials, readers
from hub.store.db import open_database
from tests.support import FakeReaderClient, free_port, tap_payload, wait_until
from tests.web_support import session_headers


def test_ingest_on_the_embedded_broker_stores_once_and_acks(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(database=tmp_path / "e.db", embedded_broker_port=port, site="emb")
    db = open_database(settings.database)
    readers.add_reader(db, "r1", "Wejście")
    password = broker_credentials.issue(db, "r1")
    db.close()
    broker = EmbeddedBroker(settings)
    broker.start()
    ingest = Ingest(settings, EventBus())
    ingest.start()
    try:
        assert ingest.wait_connected(10)
        reader = FakeReaderClient(port, "emb", "r1", password)
        for seq in [1, 2, 3, 2, 1]:
            reader.publish("tap", tap_payload(seq))
        reader.publish("tap", b"{broken")
        wait_until(lambda: len(reader.acks) == 5)
        assert sorted(ack["r"] for ack in reader.acks) == ["dup", "dup", "unknown", "unknown", "unknown"]
        wait_until(lambda: ingest.stats.quarantined["bad_json"] == 1)
        reader.close()
    finally:
        ingest.stop()
        broker.stop()
    db = open_database(settings.database)
    assert db.execute("SELECT count(*) FROM taps").fetchone()[0] == 3


def test_demo_runs_virtual_readers_with_the_real_firmware(tmp_path: Path) -> None:
    web_port = free_port()
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web",
            "demo",
            "--port",
            str(web_port),
            "--mqtt-port",
            str(free_port()),
            "--pace",
            "0.1",
            "--smtp-port",
            str(free_port()),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    banner = []
    while not banner or "Stop with Ctrl+C" not in banner[-1]:
        banner.append(demo.stdout.readline())
        assert banner[-1] or demo.poll() is None, "".join(banner)
    found = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", "".join(banner), re.MULTILINE)
    logins = {role: (email, password) for role, email, password in found}
    assert set(logins) == {"director", "teacher", "secretary", "parent", "inspector", "kiosk"}
    session: dict[str, str] = {}

    def api(path: str) -> object:
        if not session:
            session.update(session_headers(f"http://127.0.0.1:{web_port}", *logins["teacher"]))
        request = urllib.request.Request(f"http://127.0.0.1:{web_port}{path}", headers=session)
        with urllib.request.urlopen(request, timeout=1) as response:
            return json.load(response)

    def taps_so_far() -> list:
        try:
            return api("/api/taps")
        except (OSError, httpx.HTTPError):
            return []

    def present_now() -> int:
        try:
            return sum(group["count"] for group in api("/api/presence"))
        except (OSError, httpx.HTTPError):
            return 0

    try:
        wait_until(lambda: len(taps_so_far()) >= 3, timeout=60, interval=0.2)
        wait_until(present_now, timeout=30, interval=0.2)  # the taps were children, by name
    finally:
        demo.terminate()
        output = demo.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{web_port}/" in "".join(banner) + output
    assert "reader provision" in "".join(banner)  # how to add a real reader
    assert "/demo/mailbox" in "".join(banner)  # where the parents' notification mail lands
    assert "ACCEPTS ANYONE" not in output  # the virtual readers logged in with their own passwords
    assert (tmp_path / "var" / "demo" / "ewidencjoner.db").exists()
