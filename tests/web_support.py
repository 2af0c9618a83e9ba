"""Signed-in clients for tests of pages and the API: an account of any role, logged in
through the real login form, its CSRF token sent with every request.

    client = signed_in(create_app(settings, EventBus()), settings.database, "teacher", groups=[1])
    client.get("/api/presence")  # as that teacher
    client.account                # the account's row (id, email, role…); client.password

The client speaks https://testserver, as the session cookie is Secure.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.accounts import accounts
from hub.store.db import open_database

PASSWORD = "Przedszkole2026"
BASE_URL = "https://testserver"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def add_account(
    database: Path,
    role: str,
    *,
    email: str | None = None,
    groups: list[int] = (),
    children: list[int] = (),
    expires_on: date | None = None,
    granted: list[str] | None = None,
    password: str = PASSWORD,
) -> dict[str, Any]:
    """An account with `password` already chosen (no one-time password to change first)."""
    db = open_database(database)
    try:
        user, _ = accounts.add_user(
            db,
            email=email or f"{role}@p11.example.pl",
            name=f"Test {role}",
            role=role,
            groups=groups,
            children=children,
            expires_on=expires_on,
            granted=granted,
            author="test",
        )
        return accounts.set_password(db, user["id"], password, author="test")
    finally:
        db.close()


def log_in(client: TestClient, email: str, password: str) -> Any:
    """Log in through the form (as a browser does); the client keeps the session cookie and
    sends the session's CSRF token from then on. Returns the final response."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": client.cookies.get("ewid_login_csrf", "")},
    )
    found = CSRF_META.search(response.text)
    if found:
        client.headers["X-CSRF-Token"] = found.group(1)
    return response


def signed_in(app: FastAPI, database: Path, role: str, **account: Any) -> TestClient:
    """A client of `app` logged in as a new account of `role` (options as `add_account`)."""
    client = TestClient(app, base_url=BASE_URL)
    user = add_account(database, role, **account)
    response = log_in(client, user["email"], account.get("password", PASSWORD))
    assert response.status_code == 200 and "X-CSRF-Token" in client.headers, response.text
    client.account = user  # type: ignore[attr-defined]
    client.password = account.get("password", PASSWORD)  # type: ignore[attr-defined]
    return client


def session_headers(base_url: str, email: str, password: str) -> dict[str, str]:
    """Log in to a running hub over plain http://127.0.0.1 (as `make demo` serves it) and
    return the headers that carry the session: Python's cookie jar, unlike a browser, keeps
    a Secure cookie off http://127.0.0.1, so the cookies are sent by hand."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        login_csrf = client.get("/login").cookies["ewid_login_csrf"]
        response = client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": login_csrf},
            headers={"Cookie": f"ewid_login_csrf={login_csrf}"},
        )
        assert response.status_code == 303, response.text
        return {"Cookie": f"ewid_session={response.cookies['ewid_session']}"}


def log_in_browser(page: Any, base_url: str, email: str, password: str) -> None:
    """Log in a Playwright page through the form; it lands on the account's start (the
    notice page, or a teacher's group, a parent's child, the kiosk)."""
    page.goto(f"{base_url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
