"""The journal's JSON API over a real database: happy paths, refusals (422) and unknown ids (404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import readers, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.web_support import signed_in
from web.app import create_app
from web.errors import ApiError


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
    error = response.json()
    assert set(error) == {"code", "message", "params"} and error["code"] and error["message"]


TOO_BIG = 2**63  # one past SQLite's largest integer: OverflowError, a 500, before the bounds
TOMORROW = (datetime.now(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=1)).isoformat()


OUT_OF_BOUNDS = [
    ("get", f"/api/children/{TOO_BIG}", None, "less than or equal to 9223372036854775807"),
    ("get", f"/api/cards?child={TOO_BIG}", None, "less than or equal to 9223372036854775807"),
    ("post", f"/api/cards/{TOO_BIG}/revoke", {"reason": "r"}, "less than or equal"),
    ("post", f"/api/corrections/{TOO_BIG}/revoke", {"reason": "r"}, "less than or equal"),
    ("post", "/api/corrections", {"child_id": TOO_BIG, "day": "2026-11-18", "kind": "mark_absent",
                                  "reason": "r"}, "less than or equal"),
    ("get", "/api/days?date=0001-01-01", None, "a date from 2000-01-01 to 2099-12-31"),
    ("get", "/api/days?date=9999-12-31", None, "a date from 2000-01-01 to 2099-12-31"),
    ("get", "/api/taps?from=9999-12-31", None, "a date from 2000-01-01 to 2099-12-31"),
    ("get", "/api/inconsistencies?to=0001-01-01", None, "a date from 2000-01-01 to 2099-12-31"),
    ("get", "/api/days?date=0", None, "a date is written YYYY-MM-DD"),
    ("post", "/api/corrections", {"child_id": 1, "day": "9999-12-31", "kind": "mark_absent",
                                  "reason": "r"}, "a date from 2000-01-01 to 2099-12-31"),
    ("post", "/api/corrections", {"child_id": 1, "day": "2026-11-18", "kind": "add_arrival", "time": 0,
                                  "reason": "r"}, "a time of day is written HH:MM or HH:MM:SS"),
    ("post", "/api/corrections", {"child_id": 1, "day": TOMORROW, "kind": "mark_absent",
                                  "reason": "r"}, "A day is corrected once it has begun, not ahead."),
    ("post", "/api/children", {"first_name": "A", "last_name": "B", "group": "Żabki",
                               "birth_date": "9999-12-31"}, "a date from 2000-01-01 to 2099-12-31"),
]  # fmt: skip
"""(method, path, body, what the 422 says)"""


def test_values_out_of_bounds_get_a_422_that_says_why(api: TestClient) -> None:
    """The fuzzer's 500s: ids from 2^63, the days 0001-01-01 and 9999-12-31, `date=0`."""
    for method, path, body, why in OUT_OF_BOUNDS:
        response = api.request(method.upper(), path, json=body, headers={"Accept-Language": "en"})
        assert response.status_code == 422 and why in response.text, (path, body, response.text)
        ApiError.model_validate(response.json())  # the documented schema


def test_a_group_that_only_looks_like_a_number_is_no_group(api: TestClient) -> None:
    """`'²'.isdigit()` is true and `int('²')` fails: a 404 for a group of that name, not a 500."""
    for group in ("²", "١", str(TOO_BIG), "9" * 5000):  # int() refuses more than 4,300 digits
        for path in (f"/api/days?group={group}", f"/api/children?group={group}"):
            response = api.get(path)
            assert response.status_code == 404, (path, response.text)
            ApiError.model_validate(response.json())


def test_the_days_page_refuses_what_the_api_refuses(api: TestClient) -> None:
    assert api.get("/groups/1/days/9999-12-31").status_code == 422
    assert api.get(f"/groups/{TOO_BIG}/days/2026-11-18").status_code == 422
    assert api.get("/days?group=²").status_code == 422
    assert api.post(f"/groups/1/days/{TOMORROW}/corrections", data={"child_id": "1"}).status_code == 422
    closed = api.post("/settings/closed-days", data={"day": "9999-12-31", "reason": "koniec świata"})
    assert closed.status_code == 422 and "2099-12-31" in closed.text  # a form's date: the same bounds


def test_who_asks_is_checked_before_any_id_is_looked_up(api: TestClient, tmp_path: Path) -> None:
    """An anonymous caller, or a parent without the right, gets the same answer for an id
    that exists and one that does not: nothing to learn about which ids exist."""
    fix = {"child_id": 1, "day": "2026-11-18", "kind": "mark_present", "reason": "r"}
    existing = api.post("/api/corrections", json=fix).json()["id"]
    anonymous = TestClient(api.app, base_url=api.base_url)
    parent = signed_in(api.app, tmp_path / "api.db", "parent", children=[1])
    for client, status in ((anonymous, 401), (parent, 403)):
        answers = [
            client.post(f"/api/corrections/{correction}/revoke", json={"reason": "r"})
            for correction in (existing, 999)
        ]
        assert [answer.status_code for answer in answers] == [status, status]
        assert answers[0].json() == answers[1].json()
    assert api.get(f"/api/children/{1}").status_code == 200
    assert anonymous.get("/api/children/999").status_code == 401


def test_every_api_operation_documents_its_errors(api: TestClient) -> None:
    for path, operations in api.get("/openapi.json").json()["paths"].items():
        if path == "/api/health":
            continue
        signed_out = "303" if path.startswith("/reports/") else "401"  # a report is a page too
        for method, operation in operations.items():
            assert {signed_out, "403", "404", "422"} <= set(operation["responses"]), (method, path)
