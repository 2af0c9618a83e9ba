"""Set-up without a cable: the reader's own set-up page (firmware/setup_ap.py) on the
MicroPython unix port, driven through a real socket as a phone's browser would."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.provision.firmware import tool
from tests.firmware.conftest import HEAP

GOOD = {
    "wifi_ssid": "Przedszkole 2.4",
    "wifi_pass": "zażółć gęślą",
    "broker_host": "192.168.1.20",
    "reader_id": "wejscie",
    "mqtt_pass": "s3cret+&=%",
}


@pytest.fixture
def portal(bundle: Path, tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "config.json").write_text(json.dumps({"site": "przedszkole7", "tls": False}))
    script = tmp_path / "portal.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(bundle)!r})\n"
        "import setup_ap\n"
        "p = setup_ap.Portal({'broker_host': '10.0.0.9'})\n"
        f"l = setup_ap.listen({port}, '127.0.0.1')\n"
        "print('READY')\n"
        "while not p.saved:\n    p.serve_one(l)\n"
        "print('SAVED')\n"
    )
    proc = subprocess.Popen(
        [tool("micropython"), "-X", f"heapsize={HEAP}", str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY"), line + proc.stdout.read()
    yield f"http://127.0.0.1:{port}/", tmp_path / "config.json", proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def post(url: str, fields: dict[str, str]) -> tuple[int, str]:
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_the_page_asks_for_wifi_hub_and_reader_and_saves_them(portal) -> None:
    url, config, proc = portal
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    for name in ("wifi_ssid", "wifi_pass", "broker_host", "reader_id", "mqtt_pass"):
        assert f"name={name}" in page
    assert 'value="10.0.0.9"' in page  # what the reader already has is filled in
    status, body = post(url, GOOD)
    assert status == 200 and "Przedszkole 2.4" in body
    assert proc.wait(timeout=10) == 0
    saved = json.loads(config.read_text())
    assert {k: saved[k] for k in GOOD} == GOOD  # percent-encoded, UTF-8 and + & = % kept
    assert saved["mqtt_user"] == "wejscie" and saved["site"] == "przedszkole7"  # the rest kept
    assert not config.with_name("config.json.tmp").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("wifi_ssid", ""),
        ("wifi_ssid", "x" * 33),
        ("wifi_pass", "short"),
        ("broker_host", "hub;rm -rf"),
        ("reader_id", "wejście"),
        ("reader_id", "a/b"),
        ("mqtt_pass", ""),
    ],
)
def test_a_wrong_field_is_refused_and_nothing_is_saved(portal, field: str, value: str) -> None:
    url, config, proc = portal
    before = config.read_text()
    status, body = post(url, {**GOOD, field: value})
    assert status == 422 and "role=alert" in body and f"id={field} name={field}" in body
    assert config.read_text() == before and proc.poll() is None


def test_markup_in_a_field_comes_back_as_text(portal) -> None:
    url, _config, _proc = portal
    status, body = post(url, {**GOOD, "wifi_ssid": '<script>alert(1)</script>"', "wifi_pass": "x"})
    assert status == 422 and "<script>" not in body and "&lt;script&gt;" in body


def test_garbage_on_the_socket_is_answered_and_the_page_still_works(portal) -> None:
    url, _config, proc = portal
    port = int(url.rsplit(":", 1)[1].strip("/"))
    for junk in (b"\xff\xfe\x00\r\n\r\n", b"NONSENSE\r\n\r\n", b"DELETE / HTTP/1.0\r\n\r\n", b"x" * 5000):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(junk)
            assert s.recv(64).split(b" ")[1] in (b"400", b"405", b"422")
    status, _ = post(url, GOOD)
    assert status == 200 and proc.wait(timeout=10) == 0
