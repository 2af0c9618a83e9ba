"""The HTTP API and the live page, served by the real application over a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import quarantine, readers, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.web_support import signed_in
from web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(database=tmp_path / "api.db")
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście <główne>")
    with db.atomic():
        moment = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
        taps.insert_new(
            db,
            [taps.tap_row("wejscie", TapMessage("04A2B3C4", 1, 1, 0, None, int(moment.timestamp())), moment)],
        )
        quarantine.quarantine(
            db, topic="t", payload=b"<script>", reason="bad_json", detail="x", received=moment
        )
    db.close()
    return signed_in(
        create_app(settings, EventBus(), lambda: {"connected": True}), settings.database, "teacher"
    )


def test_taps_by_local_dates(client: TestClient) -> None:
    assert [row["seq"] for row in client.get("/api/taps?from=2026-11-02&to=2026-11-02").json()] == [1]
    assert client.get("/api/taps?from=2026-11-03").json() == []


@pytest.mark.parametrize(
    "query", ["from=2026-11-05&to=2026-11-01", "from=2020-01-01&to=2026-01-01", "from=yesterday"]
)
def test_bad_date_ranges_get_a_clear_422(client: TestClient, query: str) -> None:
    response = client.get(f"/api/taps?{query}")
    assert response.status_code == 422
    assert response.json()["code"] in {"range.reversed", "range.too_long", "invalid"}


def test_readers_quarantine_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/readers").json()[0]["name"] == "Wejście <główne>"
    assert client.get("/api/quarantine").json()["counts"] == {"bad_json": 1}
    assert client.get("/api/health").json() == {"connected": True}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/taps", "/api/readers", "/api/quarantine", "/events"} <= set(paths)


def test_live_page_escapes_what_it_shows(client: TestClient) -> None:
    page = client.get("/").text
    assert 'lang="pl"' in page and "Wejście &lt;główne&gt;" in page and "<główne>" not in page
