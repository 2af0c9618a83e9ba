"""An update over the air started from the readers page: the director posts the page's form
to the web app, which shares its database with the running ingest; the ingest serves the
release over a real Mosquitto to a reader running the real firmware on MicroPython. The
reader runs the new version; then a release broken on purpose, started the same way, is
rolled back by the reader itself and the page says so. Below: who sees the form, and what
it refuses (no release, one that does not match its manifest, a version other than the one
shown, a reader without an update key or not registered, a form from another site)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from hub.config import Settings
from hub.devtools.virtual_reader import VirtualReader
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import audit, firmware_updates
from hub.store.db import open_database
from tests.conftest import SITE
from tests.firmware.test_ota import OTA_HEAP, _crash_at_start, _crash_report, make_release, run_reader
from tests.sample_site import sample_release
from tests.support import Mosquitto, wait_until
from tests.test_reader_update import states
from tests.web_support import signed_in
from web.app import create_app


def reader_row(client: TestClient, reader_id: str) -> str:
    """One reader's row of the readers page, as HTML."""
    page = client.get("/readers")
    assert page.status_code == 200
    row = re.search(rf'<tr id="reader-{reader_id}">.*?</tr>', page.text, re.S)
    assert row, page.text
    return row.group(0)


def update_cell(client: TestClient, reader_id: str) -> str:
    """The Update cell of one reader's row."""
    cell = re.search(r'<td class="update">(.*?)</td>', reader_row(client, reader_id), re.S)
    assert cell
    return cell.group(1)


def start_from_page(client: TestClient, reader: str) -> str:
    """Post the page's update form as the page shows it: the version it offers, one reader."""
    page = client.get("/readers")
    offered = re.search(r'name="version" value="([^"]+)"', page.text)
    assert offered, page.text
    form = {"reader": reader, "version": offered.group(1)}
    response = client.post("/readers/update", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return offered.group(1)


def test_director_updates_a_reader_from_the_page_and_a_broken_release_is_rolled_back(
    tmp_path: Path, ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    db = open_database(settings.database)
    key = firmware_updates.issue_key(db, "r1")
    db.close()
    current = tmp_path / "release"  # the hub's firmware_release_dir: whatever it points at now
    current.symlink_to(make_release(tmp_path, "1.1.0").folder, target_is_directory=True)
    broken = make_release(tmp_path, "6.6.6", _crash_at_start)
    app = create_app(replace(settings, firmware_release_dir=current), EventBus())
    director = signed_in(app, settings.database, "director")
    director.headers["Accept-Language"] = "en"
    config = {"ota_key": key, "healthy_ms": 500, "trial_s": 8, "safe_button_ms": 0}
    reader = VirtualReader(
        "r1", SITE, "127.0.0.1", mosquitto.port, workdir=tmp_path / "r1", heap=OTA_HEAP, config=config
    )
    try:
        reader.start()
        reader.wait_for("mqtt")
        assert start_from_page(director, "r1") == "1.1.0"
        run_reader(reader, lambda: states(settings).get("r1") == "done", timeout=90)
        assert update_cell(director, "r1") == '1.1.0: <span class="ok">done</span>'
        wait_until(lambda: "<td>1.1.0</td>" in reader_row(director, "r1"))  # its next status

        current.unlink()
        current.symlink_to(broken.folder, target_is_directory=True)
        assert start_from_page(director, "r1") == "6.6.6"
        run_reader(reader, lambda: states(settings).get("r1") == "rolled-back", timeout=120)
        cell = update_cell(director, "r1")
        assert cell.startswith('6.6.6: <span class="bad">rolled back to the previous version</span>')
        assert "r1 went back to 1.1.0" in cell and "<td>1.1.0</td>" in reader_row(director, "r1")
        assert ["ota", "rollback", "6.6.6"] in [w[:3] for w in reader.lines("ota")]
    finally:
        reader.stop()
    db = open_database(settings.database)
    try:
        logged = audit.entries(db, entity="reader", entity_id="r1")
        by_director = ("reader.update", director.account["email"])
        assert [(e["action"], e["actor"]) for e in logged][:2] == [by_director] * 2
    finally:
        db.close()
    unexpected = [line for _, line in reader.events if "Traceback" in line and not _crash_report(line)]
    assert not unexpected


# -- the form's refusals, without a reader running -------------------------------------------


def page_as(settings: Settings, release_dir: Path, role: str) -> TestClient:
    client = signed_in(
        create_app(replace(settings, firmware_release_dir=release_dir), EventBus()), settings.database, role
    )
    client.headers["Accept-Language"] = "en"
    return client


def test_the_page_offers_the_release_to_the_director_only(settings: Settings, tmp_path: Path) -> None:
    release = sample_release(tmp_path / "release", "2.0.0")
    director = page_as(settings, release, "director")
    text = director.get("/readers").text
    assert "Install version 2.0.0" in text and 'value="all"' in text and 'value="r2"' in text
    for role in ("teacher", "secretary"):
        other = page_as(settings, release, role)
        assert "Install version" not in other.get("/readers").text
        refused = other.post("/readers/update", data={"reader": "r1", "version": "2.0.0"})
        assert refused.status_code == 403
    token = director.headers.pop("X-CSRF-Token")  # a form posted from another site
    assert director.post("/readers/update", data={"reader": "r1", "version": "2.0.0"}).status_code == 403
    director.headers["X-CSRF-Token"] = token
    assert states(settings) == {}


def test_the_form_refuses_without_a_release_a_key_or_the_version_shown(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "release"
    director = page_as(settings, folder, "director")
    page = director.get("/readers").text
    assert "There is no firmware release in" in page and "Install version" not in page

    def post(reader: str, version: str = "2.0.0") -> str:
        response = director.post("/readers/update", data={"reader": reader, "version": version})
        assert response.status_code == 422
        return response.text

    assert "Reader r1 has no update key" in post("r1")
    assert "Reader r9 is not registered." in post("r9")
    assert "Choose a reader, or all readers." in post("")
    db = open_database(settings.database)
    for reader_id in ("r1", "r2"):
        firmware_updates.issue_key(db, reader_id)
    db.close()
    assert "There is no firmware release in" in post("all")
    sample_release(folder, "2.0.0")
    assert "The release on the hub is now version 2.0.0" in post("all", "1.9.0")
    (folder / "app.mpy").write_bytes(b"tampered")
    assert "does not match its manifest" in post("all")
    (folder / "manifest").write_text("ewidencjoner-fw 2.0.0\nnot a manifest line\n")  # was a ValueError
    assert "does not match its manifest" in post("all")
    (folder / "manifest").write_bytes(b"ewidencjoner-fw 2.0.0\n\xff\xfe\n")
    assert "does not match its manifest" in post("all")
    assert "does not match its manifest" in director.get("/readers").text
    assert states(settings) == {}
    sample_release(folder, "2.0.0")
    response = director.post(
        "/readers/update", data={"reader": "all", "version": "2.0.0"}, follow_redirects=True
    )
    assert "The update has started" in response.text
    assert states(settings) == {"r1": "queued", "r2": "waiting"}
    db = open_database(settings.database)
    try:
        logged = {e["entity_id"]: e["after"] for e in audit.entries(db, entity="reader")}
    finally:
        db.close()
    assert logged["r1"]["wave"] == 1 and logged["r2"]["wave"] == 2 and logged["r2"]["version"] == "2.0.0"
