"""Sessions, CSRF and rights in the web application, through its real routes and database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.accounts import security_policy
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import audit, registry
from hub.store.db import open_database
from hub.timefmt import to_db
from tests.web_support import BASE_URL, PASSWORD, add_account, log_in, signed_in
from web.app import create_app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database=tmp_path / "auth.db")
    db = open_database(settings.database)
    for group in ("Żabki", "Motylki"):
        registry.add_group(db, group, author="test")
    registry.add_child(db, first_name="Łucja", last_name="Żak", group="Żabki", active_from="2026-09-01",
                       author="test")  # fmt: skip
    registry.add_child(db, first_name="Olek", last_name="Nowak", group="Motylki", active_from="2026-09-01",
                       author="test")  # fmt: skip
    db.close()
    return settings


def app_for(settings: Settings):
    return create_app(settings, EventBus())


def database(settings: Settings) -> Database:
    return open_database(settings.database)


def test_without_a_session_pages_go_to_login_and_the_api_says_401(settings: Settings) -> None:
    client = TestClient(app_for(settings), base_url=BASE_URL)
    page = client.get("/reports?x=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/reports%3Fx%3D1"
    assert client.get("/api/children").status_code == 401
    assert client.post("/api/groups", json={"name": "Sówki"}).status_code == 401
    assert client.get("/api/health").status_code == 200  # monitoring needs no login
    assert 'name="csrf_token"' in client.get("/login").text


def test_session_cookie_flags(settings: Settings) -> None:
    client = TestClient(app_for(settings), base_url=BASE_URL)
    user = add_account(settings.database, "teacher", groups=[1])
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": user["email"], "password": PASSWORD, "csrf_token": client.cookies["ewid_login_csrf"]},
        follow_redirects=False,
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("ewid_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    relaxed = TestClient(
        app_for(Settings(database=settings.database, cookie_secure=False)), base_url=BASE_URL
    )
    relaxed.get("/login")
    plain = relaxed.post(
        "/login",
        data={"email": user["email"], "password": PASSWORD, "csrf_token": relaxed.cookies["ewid_login_csrf"]},
        follow_redirects=False,
    )
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_csrf_token_missing_or_wrong_is_refused_and_logged(settings: Settings) -> None:
    client = signed_in(app_for(settings), settings.database, "director")
    token = client.headers.pop("X-CSRF-Token")
    assert client.post("/api/groups", json={"name": "Sówki"}).status_code == 403
    assert (
        client.post("/api/groups", json={"name": "Sówki"}, headers={"X-CSRF-Token": "x" + token}).status_code
        == 403
    )
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert (
        client.post("/api/groups", json={"name": "Sówki"}, headers={"X-CSRF-Token": token}).status_code == 201
    )
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    denied = audit.denials(database(settings))
    assert [row["reason"] for row in denied] == ["missing or wrong CSRF token"] * 3
    outsider = TestClient(app_for(settings), base_url=BASE_URL)
    outsider.get("/login")
    forged = outsider.post("/login", data={"email": client.account["email"], "password": PASSWORD})
    assert forged.status_code == 403  # the login form needs its token too


def test_logout_ends_the_session_on_the_server(settings: Settings) -> None:
    client = signed_in(app_for(settings), settings.database, "secretary")
    stolen = client.cookies["ewid_session"]
    client.post("/logout")
    replay = TestClient(app_for(settings), base_url=BASE_URL, cookies={"ewid_session": stolen})
    assert replay.get("/api/children").status_code == 401


def test_idle_sessions_end(settings: Settings) -> None:
    client = signed_in(app_for(settings), settings.database, "secretary")
    assert client.get("/api/children").status_code == 200
    db = database(settings)
    idle = security_policy.load(db).idle_minutes
    db.execute(
        "UPDATE sessions SET last_seen_at = ?", [to_db(datetime.now(UTC) - timedelta(minutes=idle + 1))]
    )
    db.conn.commit()
    assert client.get("/api/children").status_code == 401
    assert db.execute("SELECT end_reason FROM sessions").fetchone()[0] == "idle"


def test_after_login_the_previous_visit_and_failures_are_shown(settings: Settings) -> None:
    user = add_account(settings.database, "teacher", groups=[1])
    first = TestClient(app_for(settings), base_url=BASE_URL)
    assert "To pierwsze logowanie na tym koncie." in log_in(first, user["email"], PASSWORD).text
    stranger = TestClient(app_for(settings), base_url=BASE_URL)
    assert log_in(stranger, user["email"], "Zgaduje1234").status_code == 401
    again = TestClient(app_for(settings), base_url=BASE_URL)
    page = log_in(again, user["email"], PASSWORD).text
    assert "testclient" in page  # the address of the previous login
    assert re.search(r"1 nieudana próba logowania", page), page


def test_one_time_password_must_be_changed_first(settings: Settings) -> None:
    admin = signed_in(app_for(settings), settings.database, "admin")
    created = admin.post(
        "/admin/users", data={"email": "ewa@p11.example.pl", "name": "Ewa Lis", "role": "secretary"}
    )
    assert created.status_code == 200
    one_time = re.search(r'<code class="one-time">([^<]+)</code>', created.text).group(1)
    ewa, other_browser = (TestClient(app_for(settings), base_url=BASE_URL) for _ in range(2))
    log_in(ewa, "ewa@p11.example.pl", one_time)
    log_in(other_browser, "ewa@p11.example.pl", one_time)
    assert ewa.get("/api/children").status_code == 403
    assert ewa.get("/reports", follow_redirects=False).headers["location"].startswith("/account/password")
    refused = ewa.post(
        "/account/password",
        data={"current_password": one_time, "new_password": "krotkie", "repeat_password": "krotkie"},
    )
    assert refused.status_code == 422 and "co najmniej 10 znaków" in refused.text
    changed = ewa.post(
        "/account/password",
        data={
            "current_password": one_time,
            "new_password": "Sekretariat7",
            "repeat_password": "Sekretariat7",
        },
    )
    assert changed.status_code == 200 and ewa.get("/api/children").status_code == 200
    assert other_browser.get("/api/children").status_code == 401  # a new password ends the other sessions


def test_blocked_account_is_unblocked_by_the_administrator(settings: Settings) -> None:
    user = add_account(settings.database, "teacher", groups=[1])
    for _ in range(security_policy.SecuritySettings().lockout_after):
        log_in(TestClient(app_for(settings), base_url=BASE_URL), user["email"], "Zle1haslo!")
    blocked = log_in(TestClient(app_for(settings), base_url=BASE_URL), user["email"], PASSWORD)
    assert blocked.status_code == 401 and "zablokowane" in blocked.text
    director = signed_in(app_for(settings), settings.database, "director")
    page = director.post(f"/admin/users/{user['id']}/one-time-password")
    one_time = re.search(r'<code class="one-time">([^<]+)</code>', page.text).group(1)
    teacher = TestClient(app_for(settings), base_url=BASE_URL)
    welcome = log_in(teacher, user["email"], one_time)
    assert "/account/password" in welcome.text
    stats = director.get("/admin/logins").text
    assert user["email"] in stats


def test_failures_from_one_address_are_limited(settings: Settings) -> None:
    db = database(settings)
    security_policy.set_values(db, {"login_rate_limit": "5"}, author="test")
    db.close()
    for number in range(5):
        log_in(TestClient(app_for(settings), base_url=BASE_URL), f"nikt{number}@example.pl", "x")
    user = add_account(settings.database, "teacher")
    limited = log_in(TestClient(app_for(settings), base_url=BASE_URL), user["email"], PASSWORD)
    assert limited.status_code == 429


def test_a_parent_asking_for_another_childs_data_is_refused_and_logged(settings: Settings) -> None:
    parent = signed_in(app_for(settings), settings.database, "parent", children=[1])
    assert parent.get("/api/children/1").json()["first_name"] == "Łucja"
    assert parent.get("/api/children/2").status_code == 403
    assert [child["id"] for child in parent.get("/api/children").json()] == [1]
    assert parent.get("/api/guardians").status_code == 403
    assert parent.get("/", follow_redirects=False).headers["location"] == "/parent"
    [guardians, refusal] = audit.denials(database(settings))
    assert (guardians["path"], guardians["reason"]) == ("/api/guardians", "not for every child")
    assert (refusal["login"], refusal["right"], refusal["object"], refusal["path"]) == (
        parent.account["email"], "registry.view", "child 2", "/api/children/2",
    )  # fmt: skip


def test_a_teacher_corrects_only_in_their_groups(settings: Settings) -> None:
    teacher = signed_in(app_for(settings), settings.database, "teacher", groups=[1])
    fix = {"day": "2026-11-18", "kind": "mark_absent", "reason": "choroba"}
    assert teacher.post("/api/corrections", json={**fix, "child_id": 1}).status_code == 201
    assert teacher.post("/api/corrections", json={**fix, "child_id": 2}).status_code == 403
    assert (
        teacher.post("/api/children", json={"first_name": "A", "last_name": "B", "group": 1}).status_code
        == 403
    )
    assert len(teacher.get("/api/days?date=2026-11-18").json()) == 2  # sees everyone, for safety
    [entry] = audit.entries(database(settings), entity="correction")
    assert entry["actor"] == teacher.account["email"]


def test_an_inspector_reads_changes_nothing_and_expires(settings: Settings) -> None:
    inspector = signed_in(app_for(settings), settings.database, "inspector", expires_on=date.today(),
                          granted=["registry.view", "presence.view"])  # fmt: skip
    assert inspector.get("/api/children").status_code == 200
    assert inspector.get("/api/taps").status_code == 403
    assert inspector.post("/api/groups", json={"name": "Sówki"}).status_code == 403
    db = database(settings)
    db.execute("UPDATE users SET expires_on = ?", [(date.today() - timedelta(days=2)).isoformat()])
    db.conn.commit()
    assert inspector.get("/api/children").status_code == 401
