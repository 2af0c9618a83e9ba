"""Fixtures with real parts: each test gets its own Mosquitto, database and hub settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import readers
from hub.config import Settings
from hub.db import open_database
from hub.events import EventBus
from hub.ingest import Ingest
from tests.support import Mosquitto

SITE = "test"


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path)
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
