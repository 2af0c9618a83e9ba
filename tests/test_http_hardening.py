"""The web app against hostile HTTP: bodies nobody signed in sent, bodies too large, missing
security headers, forwarded addresses from anyone (issue 9)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub import registry
from hub.config import Settings
from hub.db import open_database
from hub.events import EventBus
from tests.support import WebServer
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
        assert answer.startswith(b"HTTP/1.1 303") and b"location: /login" in answer.lower(), answer


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
    assert chunked.status_code == 413 and "256 KiB" in chunked.json()["detail"]
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
