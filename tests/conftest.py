"""Fixtures with real parts: each test gets its own Mosquitto, database and hub settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import readers
from hub.store.db import open_database
from tests.support import Mosquitto

SITE = "test"


@pytest.fixture
def mosquitto(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto of the production configuration; a test marked `no_packet_limit` gets
    one without its 4 KiB packet limit, to try the hub's own bounds on larger messages."""
    unlimited = request.node.get_closest_marker("no_packet_limit") is not None
    broker = Mosquitto(tmp_path, **({"max_packet_bytes": 0} if unlimited else {}))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def settings(tmp_path: Path, mosquitto: Mosquitto) -> Settings:
    database = tmp_path / "hub.db"
    db = open_database(database)
    for reader_id in ("r1", "r2"):
        readers.add_reader(db, reader_id, f"Czytnik {reader_id}")
    db.close()
    return Settings(database=database, broker_url=mosquitto.url, site=SITE)


@pytest.fixture
def ingest(settings: Settings) -> Iterator[Ingest]:
    running = Ingest(settings, EventBus())
    running.start()
    assert running.wait_connected(10)
    yield running
    running.stop()


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Chromium is not installed: run `make test`, which installs it with apt")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
