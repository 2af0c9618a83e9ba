"""The web app against hostile HTTP: bodies nobody signed in sent, bodies too large, missing
security headers, forwarded addresses from anyone (issue 9)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.accounts import security_policy
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import registry
from hub.store.db import open_database
from tests.support import HubProcess, Mosquitto, WebServer
from tests.web_support import BASE_URL, signed_in
from web.app import create_app
from web.limits import BODY_LIMIT, UPLOAD_LIMIT

HUNDRED_MB = 100 * 1024 * 1024
CORRECTION = b'{"child_id": 1, "day": "2026-11-18", "kind": "mark_absent", "reason": "'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database=tmp_path / "http.db")
    db = open_database(settings.database)
    registry.add_group(db, "Żabki", author="test")
    registry.add_child(db, first_name="Łucja", last_name="Żak", group="Żabki", author="test")
    db.close()
    return settings


def answer_to_a_partly_sent_body(port: int, head: str, first_bytes: bytes) -> bytes:
    """Send the request line and headers and the body's first bytes only, then read what the
    server answers: a server that waits for the rest of the body answers nothing (timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + first_bytes)
        return sock.recv(4096)


def test_an_anonymous_100_mb_json_body_is_refused_before_it_is_read(settings: Settings) -> None:
    with WebServer(create_app(settings, EventBus())) as server:
        head = (
            "POST /api/corrections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {HUNDRED_MB}\r\n"
        )
        answer = answer_to_a_partly_sent_body(server.port, head, CORRECTION + b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 401"), answer
        page = "POST /registry/children HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        answer = answer_to_a_partly_sent_body(server.port, page, b"10000\r\n" + b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 303"), answer
        assert b"location: /login?next=/registry/children" in answer.lower(), answer


def test_an_anonymous_body_to_no_route_gets_404_or_405_unread(settings: Settings) -> None:
    """A method or path no route takes is answered as such (a fuzzer checks 405 for every
    undeclared method), still without reading the body."""
    with WebServer(create_app(settings, EventBus())) as server:
        head = f"PUT /api/cards HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {HUNDRED_MB}\r\n"
        answer = answer_to_a_partly_sent_body(server.port, head, b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 405"), answer
        head = f"POST /api/no-such-thing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {HUNDRED_MB}\r\n"
        answer = answer_to_a_partly_sent_body(server.port, head, b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 404"), answer


def test_an_anonymous_login_form_is_still_read(settings: Settings) -> None:
    client = TestClient(create_app(settings, EventBus()), base_url=BASE_URL)
    client.get("/login")
    refused = client.post(
        "/login",
        data={"email": "nikt@example.pl", "password": "x", "csrf_token": client.cookies["ewid_login_csrf"]},
    )
    assert refused.status_code == 401 and "Błędny adres e-mail lub hasło" in refused.text


def streamed(size: int) -> Iterator[bytes]:
    """A body sent in chunks without a Content-Length: only counting the bytes finds its size."""
    yield CORRECTION
    for _ in range(size // 65536):
        yield b"x" * 65536
    yield b'"}'


def test_bodies_over_the_limit_are_refused_with_413(settings: Settings) -> None:
    director = signed_in(create_app(settings, EventBus()), settings.database, "director")
    chunked = director.post(
        "/api/corrections", content=streamed(BODY_LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.json()["code"] == "request.too_large"
    assert chunked.json()["params"] == {"size": 256} and "256 KiB" in chunked.json()["message"]
    declared = director.post("/api/corrections", content=CORRECTION + b"x" * BODY_LIMIT + b'"}',
                             headers={"Content-Type": "application/json"})  # fmt: skip
    assert declared.status_code == 413
    form = director.post("/registry/groups", data={"name": "x" * BODY_LIMIT}, headers={"Accept": "text/html"})
    assert form.status_code == 413 and "256 KiB" in form.text
    small = director.post(
        "/api/corrections", content=CORRECTION + b'choroba"}', headers={"Content-Type": "application/json"}
    )
    assert small.status_code == 201


def test_a_csv_import_may_be_larger_but_not_unbounded(settings: Settings) -> None:
    director = signed_in(create_app(settings, EventBus()), settings.database, "director")
    header = "imie;nazwisko;grupa\n"
    within = director.post(
        "/registry/import", files={"file": ("dzieci.csv", header + "Ala;Nowak;Żabki\n" * 40000)}
    )
    assert within.status_code != 413
    over = director.post("/registry/import", files={"file": ("dzieci.csv", b"x" * (UPLOAD_LIMIT + 1))})
    assert over.status_code == 413


EVERYWHERE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_secure_headers(response, *, cached: bool = False) -> None:
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'", policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'", policy
    if not response.url.path.startswith("/reports/"):  # a print view may have inline styles
        assert "unsafe" not in policy, (response.url, policy)
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value, (response.url, name)
    assert response.headers["strict-transport-security"].startswith("max-age=")
    if not cached:
        assert response.headers["cache-control"] == "no-store", response.url


def test_every_kind_of_response_has_the_security_headers(settings: Settings) -> None:
    app = create_app(settings, EventBus())
    anonymous = TestClient(app, base_url=BASE_URL)
    director = signed_in(app, settings.database, "director")
    for response in (
        anonymous.get("/login"),
        anonymous.get("/reports", follow_redirects=False),  # a redirect to /login
        anonymous.get("/api/children"),  # 401
        anonymous.post("/api/corrections", json={}),  # refused before the body
        anonymous.get("/no-such-page", headers={"Accept": "text/html"}),  # an error page
        anonymous.get("/api/health"),
        anonymous.get("/openapi.json"),
        director.get("/"),
        director.get("/children/1"),
        director.get("/api/children"),
        director.get("/api/children/999"),  # an API error
        director.get("/reports/daily-sheet"),  # the print view
        director.get("/reports/daily-sheet?format=pdf"),
        director.get("/reports/daily-sheet?format=csv"),
        director.get("/reports/daily-sheet?format=xlsx"),
        director.post("/api/corrections", content=b"x" * (BODY_LIMIT + 1)),  # 413
    ):
        assert_secure_headers(response)
    style = anonymous.get("/static/style.css")
    assert style.status_code == 200
    assert_secure_headers(style, cached=True)
    assert "no-store" not in style.headers.get("cache-control", "")


def test_hsts_only_over_https(settings: Settings) -> None:
    plain = TestClient(create_app(settings, EventBus()), base_url="http://testserver")
    response = plain.get("/login")
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


def test_no_page_runs_inline_script_or_loads_a_cdn(settings: Settings) -> None:
    """The policy forbids inline script, so no template may rely on one; and the API's
    browsable docs, which load Swagger UI from a CDN, are off (the description stays)."""
    templates = Path(__file__).resolve().parent.parent / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        for found in re.finditer(r"<script\b([^>]*)>", text):
            attributes = found.group(1)
            assert "src=" in attributes or 'type="application/json"' in attributes, (
                template.name,
                found.group(),
            )
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "style=" not in text and "https://" not in text, template.name
    client = TestClient(create_app(settings, EventBus()), base_url=BASE_URL)
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert "/api/corrections" in client.get("/openapi.json").json()["paths"]


def failed_logins(base_url: str, count: int) -> list[int]:
    """`count` wrong passwords, each claiming another address in `X-Forwarded-For` (as a
    proxy would send, or anyone at all)."""
    statuses = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for number in range(count):
            csrf = client.get("/login").cookies["ewid_login_csrf"]
            response = client.post(
                "/login",
                data={"email": "dyrektor@p11.example.pl", "password": "Zgaduje1234", "csrf_token": csrf},
                headers={"Cookie": f"ewid_login_csrf={csrf}", "X-Forwarded-For": f"203.0.113.{number}"},
            )
            statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("trusted_proxies", ["", "127.0.0.1"])
def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    tmp_path: Path, settings: Settings, mosquitto: Mosquitto, trusted_proxies: str
) -> None:
    db = open_database(settings.database)
    security_policy.set_values(db, {"login_rate_limit": "5"}, author="test")
    hub = HubProcess(tmp_path, settings.database, mosquitto.url, "przedszkole")
    hub.env["EWIDENCJONER_TRUSTED_PROXIES"] = trusted_proxies
    hub.start()
    try:
        statuses = failed_logins(f"http://127.0.0.1:{hub.web_port}", 7)
    finally:
        hub.stop()
    addresses = {ip for (ip,) in db.execute("SELECT DISTINCT ip FROM login_attempts")}
    if trusted_proxies:  # behind the proxy each address has its own limit
        assert statuses == [401] * 7 and addresses == {f"203.0.113.{n}" for n in range(7)}
    else:  # the header is anyone's: the peer's own address is counted, and limited
        assert statuses == [401] * 5 + [429] * 2 and addresses == {"127.0.0.1"}


def test_a_trusted_proxy_tells_the_scheme_and_address_others_do_not(settings: Settings) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    direct = Settings(database=settings.database, cookie_secure=False)  # plain http://testserver
    behind = Settings(database=settings.database, cookie_secure=False, trusted_proxies="10.0.0.0/8")
    for config, peer, believed in (
        (behind, "10.0.0.2", True),
        (behind, "192.168.1.5", False),
        (direct, "10.0.0.2", False),
    ):
        client = TestClient(create_app(config, EventBus()), base_url="http://testserver", client=(peer, 4000))
        form = {"email": "x@example.pl", "password": "x", "csrf_token": ""}
        form["csrf_token"] = client.get("/login").cookies["ewid_login_csrf"]
        assert client.post("/login", data=form, headers=forwarded).status_code == 401
        assert ("strict-transport-security" in client.get("/login", headers=forwarded).headers) == believed
    addresses = [
        ip for (ip,) in open_database(settings.database).execute("SELECT ip FROM login_attempts ORDER BY id")
    ]
    assert addresses == ["203.0.113.9", "192.168.1.5", "10.0.0.2"]
