"""What a browser fetches besides the page: the icon, compressed pages and stylesheets,
static files cached until they change, and event streams that are never compressed (a
compressor holds events back until its buffer fills: the board would freeze)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.config import Settings
from hub.ingest.events import EventBus
from tests.support import WebServer, wait_until
from tests.web_support import signed_in
from web.app import create_app
from web.static_files import fingerprint

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/style\.css\?v=([0-9a-f]+))">')


TOKEN = re.compile(rb'(name="csrf-token" content|name="csrf_token" value)="[^"]*"')


def unmasked(page: bytes) -> bytes:
    """The page without its CSRF tokens, which differ in every answer."""
    return TOKEN.sub(rb"\1", page)


@pytest.fixture
def director(settings: Settings) -> TestClient:
    return signed_in(create_app(settings, EventBus()), settings.database, "director")


def test_the_icon_is_served_to_anyone(settings: Settings) -> None:
    anonymous = TestClient(create_app(settings, EventBus()), base_url="https://testserver")
    icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.headers["cache-control"] == "public, max-age=86400"
    login = anonymous.get("/login").text
    svg = re.search(r'<link rel="icon" href="(/static/favicon\.svg\?v=[0-9a-f]+)"', login)
    assert svg, "the page names its SVG icon"
    answer = anonymous.get(svg.group(1))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml")


def test_pages_and_stylesheets_leave_compressed(director: TestClient) -> None:
    for path in ["/", "/presence", "/registry/children", "/static/style.css", "/static/layout.js"]:
        answer = director.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, path
        assert answer.headers.get("content-encoding") == "gzip", path
        assert "accept-encoding" in answer.headers.get("vary", "").lower(), path
        raw = director.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in raw.headers, path
        assert unmasked(answer.content) == unmasked(raw.content), path  # httpx undid the gzip


def test_static_files_are_kept_until_they_change(director: TestClient) -> None:
    page = director.get("/").text
    found = STYLESHEET.search(page)
    assert found, "the stylesheet is linked by its versioned address"
    versioned, version = found.groups()
    assert version == fingerprint("style.css")
    kept = director.get(versioned)
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    # the plain address (an old page, a bookmark, an old version) is asked again each time…
    for address in ["/static/style.css", "/static/style.css?v=0000000000"]:
        plain = director.get(address)
        assert plain.headers["cache-control"] == "no-cache", address
    # …and an unchanged file answers 304 without its body
    plain = director.get("/static/style.css")
    assert plain.headers["etag"] and plain.headers["last-modified"]
    again = director.get("/static/style.css", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_every_page_links_its_static_files_by_version(director: TestClient) -> None:
    templates = Path(__file__).resolve().parent.parent / "web" / "templates"
    for template in templates.glob("*.html"):
        plain = re.findall(r'(?:href|src)="(/static/[^"]*)"', template.read_text())
        assert not plain, f"{template.name}: link these by static(): {plain}"
    page = director.get("/presence").text
    assert re.findall(r'src="/static/[a-z]+\.js\?v=[0-9a-f]+"', page)


def test_the_presence_board_streams_uncompressed_event_by_event(settings: Settings) -> None:
    """Through uvicorn, as a browser that accepts gzip: the stream is not compressed, and
    each tap's board arrives while the stream stays open (nothing waits for a buffer)."""
    bus = EventBus()
    app = create_app(settings, bus)
    cookie = signed_in(app, settings.database, "director").cookies["ewid_session"]
    headers = {
        "Accept": "text/event-stream",
        "Accept-Encoding": "gzip, br",
        "Cookie": f"ewid_session={cookie}",
    }
    arrivals: list[float] = []
    seen: dict[str, str] = {}
    stop = threading.Event()

    def follow(url: str) -> None:
        with httpx.stream("GET", f"{url}/presence/events", headers=headers, timeout=30) as response:
            seen.update(response.headers)
            for line in response.iter_lines():
                if line.startswith("event: board"):
                    arrivals.append(time.monotonic())
                if stop.is_set():
                    return

    with WebServer(app) as server:
        follower = threading.Thread(target=follow, args=(server.url,), daemon=True)
        follower.start()
        wait_until(lambda: arrivals and bus.subscriber_count == 1)
        for seq in range(1, 4):
            before = len(arrivals)
            bus.publish({"type": "tap", "reader": "wejscie", "seq": seq})
            wait_until(lambda before=before: len(arrivals) > before, timeout=5)
        stop.set()
        bus.publish({"type": "tap"})  # wakes the stream so that the follower sees `stop`
        follower.join(timeout=10)

    assert seen["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in seen
    assert len(arrivals) >= 4  # the first board, then one per tap


def test_the_csrf_token_differs_in_every_page_and_each_copy_works(director: TestClient) -> None:
    """Compressed pages must not repeat a secret (BREACH): each page masks the session's
    token anew, and every masked copy is accepted; a changed one is refused."""
    meta = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
    first, second = (meta.search(director.get("/").text).group(1) for _ in range(2))  # type: ignore[union-attr]
    assert first != second
    for token in (first, second):
        answer = director.post("/api/corrections", json={}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 422, answer.text  # past the CSRF check, refused for the body
    tampered = first[:-2] + ("AA" if first[-2:] != "AA" else "BB")
    refused = director.post("/api/corrections", json={}, headers={"X-CSRF-Token": tampered})
    assert refused.status_code == 403
