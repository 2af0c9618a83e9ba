"""The journal's JSON API over a real database: happy paths, refusals (422) and unknown ids (404)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub import readers, taps
from hub.config import Settings
from hub.db import open_database
from hub.events import EventBus
from hub.wire import TapMessage
from tests.web_support import signed_in
from web.app import create_app


@pytest.fixture
def api(tmp_path: Path) -> TestClient:
    settings = Settings(database=tmp_path / "api.db")
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście")
    moments = [datetime.now(UTC), datetime(2026, 11, 18, 6, 40, tzinfo=UTC)]
    with db.atomic():
        rows = [
            taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)
            for seq, (uid, moment) in enumerate([("04C0FFEE", moments[0]), ("04A2B3C4", moments[1])], start=1)
        ]
        taps.insert_new(db, rows)
    db.close()
    client = signed_in(create_app(settings, EventBus()), settings.database, "director")
    assert client.post("/api/groups", json={"name": "Żabki"}).status_code == 201
    child = {"first_name": "Łucja", "last_name": "Żak", "group": "Żabki", "active_from": "2026-09-01"}
    assert client.post("/api/children", json=child).status_code == 201
    return client


def test_registry_and_a_day_with_a_correction(api: TestClient) -> None:
    card = {
        "uid": "04A2B3C4",
        "child_id": 1,
        "author": "sekretariat",
        "valid_from": "2026-09-01",
        "holder": "mama",
    }
    assert api.post("/api/cards", json=card).status_code == 201
    guardian = {"name": "Marta Żak", "email": "marta@example.pl", "children": [1], "relation": "matka"}
    assert api.post("/api/guardians", json=guardian).status_code == 201
    child = api.get("/api/children/1").json()
    assert child["group_name"] == "Żabki" and child["guardians"][0]["relation"] == "matka"
    [day] = api.get("/api/days?date=2026-11-18&group=Żabki").json()
    assert day["visits"][0]["arrival"]["clock"] == "07:40" and day["visits"][0]["departure"] is None
    fix = {"child_id": 1, "day": "2026-11-18", "kind": "add_departure", "time": "15:30",
           "reason": "wyszła z tatą bez odbicia", "author": "wychowawczyni"}  # fmt: skip
    created = api.post("/api/corrections", json=fix)
    assert created.status_code == 201
    [day] = api.get("/api/days?date=2026-11-18").json()
    assert day["visits"][0]["departure"]["clock"] == "15:30" and day["minutes"] == 470
    revoked = api.post(
        f"/api/corrections/{created.json()['id']}/revoke", json={"author": "w", "reason": "pomyłka"}
    )
    assert revoked.json()["revoked_at"]
    kinds = {item["kind"] for item in api.get("/api/inconsistencies?from=2026-11-18&to=2026-11-18").json()}
    assert kinds == {"missing_departure"}


def test_unknown_card_assigned_in_one_step(api: TestClient) -> None:
    assert [row["uid"] for row in api.get("/api/cards/unknown?days=1").json()] == ["04C0FFEE"]
    assert (
        api.post("/api/cards", json={"uid": "04C0FFEE", "child_id": 1, "author": "dyrektor"}).status_code
        == 201
    )
    assert api.get("/api/cards/unknown?days=1").json() == []
    [group] = api.get("/api/presence").json()
    assert group["group"] == "Żabki" and [child["name"] for child in group["children"]] == ["Łucja Żak"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/groups", {"name": "Żabki"}, 422),
        ("post", "/api/children", {"first_name": "A", "last_name": "B", "group": "Nowa"}, 422),
        ("post", "/api/children", {"first_name": "A"}, 422),
        ("post", "/api/cards", {"uid": "nonsense", "child_id": 1, "author": "x"}, 422),
        ("post", "/api/cards", {"uid": "04000001", "child_id": 99}, 422),
        ("post", "/api/corrections", {"child_id": 1, "day": "2026-11-18", "kind": "move", "time": "07:00",
                                      "reason": "r", "author": "a"}, 422),
        ("post", "/api/corrections", {"child_id": 1, "day": "2026-11-18", "kind": "mark_absent",
                                      "reason": " ", "author": "a"}, 422),
        ("post", "/api/corrections", {"child_id": 1, "day": "2026-11-18", "kind": "cancel", "tap": "x",
                                      "reason": "r", "author": "a"}, 422),
        ("post", "/api/corrections", {"child_id": 1, "day": "2026-11-18", "kind": "teleport", "reason": "r",
                                      "author": "a"}, 422),
        ("post", "/api/corrections/99/revoke", {"author": "a", "reason": "r"}, 404),
        ("post", "/api/cards/99/revoke", {"author": "a", "reason": "r"}, 404),
        ("get", "/api/children/99", None, 404),
        ("get", "/api/days?group=Nowa", None, 404),
        ("get", "/api/inconsistencies?from=2026-01-01&to=2026-11-01", None, 422),
    ],
)  # fmt: skip
def test_refusals(api: TestClient, method: str, path: str, body: dict | None, status: int) -> None:
    response = api.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
