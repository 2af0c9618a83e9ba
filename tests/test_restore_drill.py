"""The restore drill (issue 12): a backup made while taps stream in through a real Mosquitto
into a running hub, restored into a fresh data directory; every tap acked before the backup
began is there, every correction and account too, and the restored hub serves pages to a
user who logs in as before. Nothing is lost from the live hub meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx

from hub.config import Settings
from hub.store import corrections, readers, registry
from hub.store.db import open_database
from tests.backup_support import pad_with_taps
from tests.conftest import SITE
from tests.support import FakeReaderClient, HubProcess, Mosquitto, tap_payload, wait_until
from tests.web_support import PASSWORD, add_account, session_headers

TAP_PAUSE_S = 0.01
"""Each of two readers taps every 10 ms: about 200 taps/s into the hub."""


def command(database: Path | None, *args: str) -> dict:
    env = dict(os.environ, **({"EWIDENCJONER_DATABASE": str(database)} if database else {}))
    result = subprocess.run([sys.executable, "-m", "web", *args, "--json"], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def stored(database: Path) -> set[tuple[str, int]]:
    db = open_database(database)
    try:
        return {
            (row[0], row[1]) for row in db.execute("SELECT reader_id, seq FROM taps WHERE reader_id != 'r0'")
        }
    finally:
        db.close()


def test_backup_while_taps_stream_restores_everything_committed(
    tmp_path: Path, settings: Settings, mosquitto: Mosquitto
) -> None:
    db = open_database(settings.database)
    readers.add_reader(db, "r0", "Archiwum")
    pad_with_taps(db.conn, "r0", 200_000)  # a school year's worth, so the snapshot takes a while
    registry.add_group(db, "Żabki", author="test")
    child = registry.add_child(db, first_name="Łucja", last_name="Żak", group="Żabki", author="test")
    correction = corrections.add_correction(
        db,
        child_id=child["id"],
        day=date(2026, 12, 1),
        kind="mark_present",
        reason="była, karta w domu",
        author="t",
    )
    db.close()
    director = add_account(settings.database, "director", email="dyrektor@p11.example.pl")
    hub = HubProcess(tmp_path, settings.database, mosquitto.url, SITE)
    hub.start()
    tapping = [
        FakeReaderClient(mosquitto.port, SITE, reader_id).wait_connected() for reader_id in ("r1", "r2")
    ]
    streaming = threading.Event()
    streaming.set()
    sent = {reader.reader_id: 0 for reader in tapping}

    def stream(reader: FakeReaderClient) -> None:
        seq = 0
        while streaming.is_set():
            seq += 1
            reader.publish("tap", tap_payload(seq, uid=f"04{seq % 256:02X}B2C3"))
            sent[reader.reader_id] = seq
            time.sleep(TAP_PAUSE_S)

    threads = [threading.Thread(target=stream, args=(reader,)) for reader in tapping]
    for thread in threads:
        thread.start()
    wait_until(lambda: all(len(reader.acked_seqs()) > 50 for reader in tapping), timeout=30)
    acked_before = {(reader.reader_id, seq) for reader in tapping for seq in reader.acked_seqs()}
    stored_before = len(stored(settings.database))
    disk = tmp_path / "disk"
    disk.mkdir()
    made = command(settings.database, "backup", "run", "--to", str(disk), "--purpose", "próba odtworzenia")
    stored_after = len(stored(settings.database))
    assert made["verified"] and stored_after > stored_before, "taps kept arriving while the backup ran"
    wait_until(lambda: all(len(reader.acked_seqs()) > sent[reader.reader_id] // 2 + 50 for reader in tapping))
    streaming.clear()
    for thread in threads:
        thread.join()
    everything = {(reader_id, seq) for reader_id, last in sent.items() for seq in range(1, last + 1)}
    wait_until(
        lambda: stored(settings.database) == everything, timeout=60, interval=0.2
    )  # the live hub lost none
    for reader in tapping:
        reader.close()
    hub.stop()

    restored = command(None, "restore", made["path"], "--data-dir", str(tmp_path / "restored"))
    database = Path(restored["database"])
    in_copy = stored(database)
    assert acked_before <= in_copy <= everything
    db = open_database(database)
    assert db.execute("SELECT count(*) FROM taps WHERE reader_id = 'r0'").fetchone()[0] == 200_000
    assert corrections.get_correction(db, correction["id"])["reason"] == "była, karta w domu"
    assert (
        db.execute("SELECT email FROM users WHERE id = ?", [director["id"]]).fetchone()[0]
        == director["email"]
    )
    db.close()

    (tmp_path / "restored-hub").mkdir()
    restored_hub = HubProcess(tmp_path / "restored-hub", database, mosquitto.url, SITE)
    restored_hub.start()
    try:
        base_url = f"http://127.0.0.1:{restored_hub.web_port}"
        headers = session_headers(base_url, director["email"], PASSWORD)
        page = httpx.get(f"{base_url}/registry/children", headers=headers, timeout=10)
        assert page.status_code == 200 and "Łucja" in page.text
    finally:
        restored_hub.stop()
