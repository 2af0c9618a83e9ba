"""Device cookies through the real web app: strangers' wrong passwords block the account for
unknown browsers only; the owner's browser still logs in, and its own wrong passwords lock
out only itself (issue 9: "anyone can lock out the director")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.accounts import accounts, security_policy
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store.db import open_database
from hub.timefmt import to_db
from tests.web_support import BASE_URL, PASSWORD, add_account, log_in, signed_in
from web.app import create_app
from web.auth import DEVICE_COOKIE

WRONG = "Zgaduje1234"
LOCKOUT = security_policy.SecuritySettings().lockout_after


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=tmp_path / "devices.db")


@pytest.fixture
def director(settings: Settings) -> dict:
    return add_account(settings.database, "director", email="dyrektor@p11.example.pl")


def browser(settings: Settings, address: str = "192.168.1.10") -> TestClient:
    return TestClient(create_app(settings, EventBus()), base_url=BASE_URL, client=(address, 50000))


def trusted_browser(settings: Settings, email: str) -> TestClient:
    """A browser that logged in once (and logged out): it holds a device cookie for `email`."""
    client = browser(settings)
    assert log_in(client, email, PASSWORD).status_code == 200
    client.post("/logout", data={"csrf_token": client.headers.pop("X-CSRF-Token")})
    assert DEVICE_COOKIE in client.cookies
    return client


def database(settings: Settings) -> Database:
    return open_database(settings.database)


def test_the_directors_browser_logs_in_after_50_failures_from_elsewhere(
    settings: Settings, director: dict
) -> None:
    own = trusted_browser(settings, director["email"])
    for number in range(50):
        attacker = browser(settings, f"10.66.0.{number % 3}")
        assert log_in(attacker, director["email"], WRONG).status_code in (401, 429)
    assert accounts.get_user(database(settings), director["id"])["blocked_at"]
    unknown = log_in(browser(settings), director["email"], PASSWORD)
    assert unknown.status_code == 401 and "zablokowane" in unknown.text
    welcome = log_in(own, director["email"], PASSWORD)
    assert welcome.status_code == 200 and own.get("/api/children").status_code == 200
    assert re.search(r"5\d nieudan", welcome.text), welcome.text  # she is told of the attack


def test_an_unknown_browser_blocks_the_account_after_five_and_the_one_time_password_unblocks(
    settings: Settings, director: dict
) -> None:
    for _ in range(LOCKOUT):
        assert log_in(browser(settings), director["email"], WRONG).status_code == 401
    assert log_in(browser(settings), director["email"], PASSWORD).status_code == 401
    admin = signed_in(create_app(settings, EventBus()), settings.database, "admin")
    page = admin.post(f"/admin/users/{director['id']}/one-time-password")
    one_time = re.search(r'<code class="one-time">([^<]+)</code>', page.text).group(1)
    assert accounts.get_user(database(settings), director["id"])["blocked_at"] is None
    welcome = log_in(browser(settings), director["email"], one_time)
    assert welcome.status_code == 200 and "/account/password" in welcome.text


def test_strangers_failures_do_not_end_the_directors_open_session(settings: Settings, director: dict) -> None:
    own = browser(settings)
    log_in(own, director["email"], PASSWORD)
    for _ in range(LOCKOUT):
        log_in(browser(settings, "10.66.0.1"), director["email"], WRONG)
    assert own.get("/api/children").status_code == 200


def test_wrong_passwords_on_a_trusted_browser_lock_out_only_that_browser(
    settings: Settings, director: dict
) -> None:
    own = trusted_browser(settings, director["email"])
    for _ in range(LOCKOUT):
        assert log_in(own, director["email"], WRONG).status_code == 401
    locked = log_in(own, director["email"], PASSWORD)
    assert locked.status_code == 429 and "tej przeglądarce" in locked.text
    assert accounts.get_user(database(settings), director["id"])["blocked_at"] is None
    assert log_in(browser(settings), director["email"], PASSWORD).status_code == 200  # another browser
    db = database(settings)
    over = to_db(datetime.now(UTC) - timedelta(seconds=1))
    db.execute("UPDATE trusted_devices SET locked_until = ?", [over])
    db.conn.commit()
    assert log_in(own, director["email"], PASSWORD).status_code == 200  # the lockout is over


def test_a_forged_or_another_accounts_device_cookie_gives_no_advantage(
    settings: Settings, director: dict
) -> None:
    teacher = add_account(settings.database, "teacher", email="nauczyciel@p11.example.pl")
    teachers_cookie = trusted_browser(settings, teacher["email"]).cookies[DEVICE_COOKIE]
    directors_cookie = trusted_browser(settings, director["email"]).cookies[DEVICE_COOKIE]
    user_id, nonce, signature = directors_cookie.split(".")
    forged = [
        teachers_cookie,
        f"{user_id}.{nonce}.{'0' * len(signature)}",
        f"{user_id}.{'f' * len(nonce)}.{signature}",
        f"{teacher['id']}.{nonce}.{signature}",
        teachers_cookie.replace(f"{teacher['id']}.", f"{user_id}.", 1),
    ]
    for _ in range(LOCKOUT):
        log_in(browser(settings), director["email"], WRONG)
    for cookie in forged:
        attacker = browser(settings)
        attacker.cookies.set(DEVICE_COOKIE, cookie, path="/login")
        assert log_in(attacker, director["email"], PASSWORD).status_code == 401, cookie


def test_the_administrators_block_refuses_even_a_trusted_browser(settings: Settings, director: dict) -> None:
    own = trusted_browser(settings, director["email"])
    accounts.block(database(settings), director["id"], author="admin@p11.example.pl")
    blocked = log_in(own, director["email"], PASSWORD)
    assert blocked.status_code == 401 and "zablokowane" in blocked.text


def test_a_trusted_browser_skips_the_per_address_limit(settings: Settings, director: dict) -> None:
    db = database(settings)
    security_policy.set_values(db, {"login_rate_limit": "5"}, author="test")
    own = trusted_browser(settings, director["email"])
    for number in range(5):
        log_in(browser(settings), f"nikt{number}@example.pl", WRONG)  # the same address as `own`
    assert log_in(browser(settings), director["email"], PASSWORD).status_code == 429
    assert log_in(own, director["email"], PASSWORD).status_code == 200


def test_the_device_cookie_flags_and_one_browser_trusted_for_two_accounts(
    settings: Settings, director: dict
) -> None:
    teacher = add_account(settings.database, "teacher", email="nauczyciel@p11.example.pl")
    shared = browser(settings)
    shared.get("/login")
    form = {"email": director["email"], "password": PASSWORD, "csrf_token": shared.cookies["ewid_login_csrf"]}
    response = shared.post("/login", data=form, follow_redirects=False)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{DEVICE_COOKIE}="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/login"} <= flags
    shared = trusted_browser(settings, director["email"])
    log_in(shared, teacher["email"], PASSWORD)
    both = shared.cookies[DEVICE_COOKIE].split("~")
    assert sorted(token.split(".")[0] for token in both) == sorted([str(director["id"]), str(teacher["id"])])
    stored = database(settings).execute("SELECT id FROM trusted_devices").fetchall()  # two browsers
    assert len(stored) == 3 and not any(token.split(".")[1] in row[0] for token in both for row in stored)


def test_a_browser_unused_for_half_a_year_is_a_stranger_again(settings: Settings, director: dict) -> None:
    old, recent = (trusted_browser(settings, director["email"]) for _ in range(2))
    db = database(settings)
    long_ago = to_db(datetime.now(UTC) - timedelta(days=181))
    db.execute("UPDATE trusted_devices SET last_used_at = ? WHERE rowid = 1", [long_ago])
    db.conn.commit()
    assert log_in(recent, director["email"], PASSWORD).status_code == 200
    assert db.execute("SELECT count(*) FROM trusted_devices").fetchone()[0] == 1  # the stale one forgotten
    for _ in range(LOCKOUT):
        log_in(old, director["email"], WRONG)  # counted for the account: `old` is a stranger now
    assert accounts.get_user(db, director["id"])["blocked_by"] == "failures"
    assert log_in(old, director["email"], PASSWORD).status_code == 401
