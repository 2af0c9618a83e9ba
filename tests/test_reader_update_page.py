"""An update over the air started from the readers page: the director posts the page's form
to the web app, which shares its database with the running ingest; the ingest serves the
release over a real Mosquitto to a reader running the real firmware on MicroPython. The
reader runs the new version; then a release broken on purpose, started the same way, is
rolled back by the reader itself and the page says so."""

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
