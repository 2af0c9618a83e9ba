"""The hub's side of updates over the air without a broker: the release and its manifest,
the answers to a reader's requests (bad ones answered with nothing), the staged waves in the
database, and the cable copy's safe mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from hub.ingest.updates import DONE, FAILED, ROLLED_BACK, UpdateServer
from hub.provision.firmware import build_firmware
from hub.provision.reader import SAFE_MODE_ON, copy_commands
from hub.services.firmware_release import CHUNK_BYTES, ReleaseError, load_release, new_key, write_release
from hub.store import firmware_updates, readers
from hub.store.db import open_database


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory):
    return write_release(build_firmware(tmp_path_factory.mktemp("rel") / "fw", sim=False), "1.2.3")


def test_the_manifest_lists_every_module_but_the_loader(release) -> None:
    lines = release.manifest.splitlines()
    assert lines[0] == "ewidencjoner-fw 1.2.3"
    names = [line.split(" ")[2] for line in lines[1:]]
    assert "app.mpy" in names and "ota.mpy" in names
    assert not {"loader.mpy", "fwstate.mpy", "main.py"} & set(names)  # changed by cable only
    for line in lines[1:]:
        sha, size, name = line.split(" ")
        data = (release.folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == int(size)
    assert load_release(release.folder) == release


def test_a_release_whose_files_changed_is_refused(release, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in release.folder.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "journal.mpy").write_bytes(b"M\x06 not the one listed")
    with pytest.raises(ReleaseError, match="do not match its manifest"):
        load_release(copy)
    (copy / "manifest").unlink()
    with pytest.raises(ReleaseError, match="no manifest"):
        load_release(copy)
    with pytest.raises(ReleaseError, match="a version is"):
        write_release(copy, "1.0 beta")


def test_the_signature_is_hmac_sha256_under_the_readers_key(release) -> None:
    key = new_key()
    expected = hmac.new(bytes.fromhex(key), release.manifest.encode(), hashlib.sha256).hexdigest()
    assert release.signature(key) == expected != release.signature(new_key())


class Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []
        self.states: list[tuple[str, str, str]] = []

    def publish(self, topic: str, payload: bytes) -> None:
        self.messages.append((topic, json.loads(payload)))

    def state(self, reader_id: str, state: str, detail: str) -> None:
        self.states.append((reader_id, state, detail))


def test_requests_are_answered_chunk_by_chunk_and_bad_ones_not_at_all(release) -> None:
    sent = Sent()
    server = UpdateServer("s", sent.publish, sent.state)
    key = new_key()
    server.start("r1", release, key)
    topic, offer = sent.messages[-1]
    assert topic == "ewidencjoner/s/reader/r1/ota"
    assert offer == {
        "op": "offer",
        "ver": "1.2.3",
        "size": len(release.manifest),
        "sig": release.signature(key),
    }
    server.on_update("r1", b'{"op":"need","ver":"1.2.3","f":"manifest","off":0}')
    chunk = sent.messages[-1][1]
    assert base64.b64decode(chunk["d"]) == release.manifest.encode()[:CHUNK_BYTES]
    server.on_update("r1", b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":384}')
    data = base64.b64decode(sent.messages[-1][1]["d"])
    assert data == (release.folder / "app.mpy").read_bytes()[384 : 384 + CHUNK_BYTES]
    assert len(json.dumps(sent.messages[-1][1])) < 700  # fits a fragmented reader heap
    server.on_status("r1", {"online": True, "fw": "1.0.0", "ota": "ok"})  # restarted mid-download
    assert sent.messages[-1][1]["op"] == "offer"  # offered again: it resumes from its flash
    answered = len(sent.messages)
    for bad in (
        b"not json",
        b"[]",
        b'{"op":"need","ver":"9.9.9","f":"app.mpy","off":0}',  # another version
        b'{"op":"need","ver":"1.2.3","f":"../../etc/passwd","off":0}',  # not in the release
        b'{"op":"need","ver":"1.2.3","f":"../config.json","off":0}',
        b'{"op":"need","ver":"1.2.3","f":"config.json","off":0}',
        b'{"op":"need","ver":"1.2.3","f":"manifest","off":999999}',  # far past the manifest
        b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":1e300}',
        b'{"op":"need","ver":"1.2.3","f":"loader.mpy","off":0}',  # beside it, but not in it
        b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":-1}',
        b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":99999999}',
        b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":"0"}',
        b'{"op":"explode","ver":"1.2.3"}',
    ):
        server.on_update("r1", bad)
    server.on_update("r2", b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":0}')  # no job for r2
    assert len(sent.messages) == answered
    server.on_status("r1", {"online": True, "fw": "1.2.3", "ota": "ok"})
    assert sent.states[-1] == ("r1", DONE, "")
    server.on_update("r1", b'{"op":"need","ver":"1.2.3","f":"app.mpy","off":0}')  # finished: nothing more
    assert len(sent.messages) == answered


def test_refusals_and_rollbacks_end_the_job(release) -> None:
    sent = Sent()
    server = UpdateServer("s", sent.publish, sent.state)
    server.start("r1", release, new_key())
    server.on_update("r1", b'{"op":"state","ver":"1.2.3","st":"refused","why":"signature"}')
    assert sent.states[-1] == ("r1", FAILED, "signature")
    server.start("r2", release, new_key())
    server.on_update("r2", b'{"op":"state","ver":"1.2.3","st":"switching"}')
    server.on_status("r2", {"online": True, "fw": "1.0.0", "ota": "rolled-back"})
    assert sent.states[-1] == ("r2", ROLLED_BACK, "r2 went back to 1.0.0")


def test_the_second_wave_waits_for_the_first_and_is_held_if_it_fails(tmp_path: Path) -> None:
    db = open_database(tmp_path / "h.db")
    for reader_id in ("a", "b", "c"):
        readers.add_reader(db, reader_id, reader_id.upper())
    firmware_updates.request(db, ["b", "a", "c"], "2.0.0", "/rel", "test")
    firmware_updates.advance(db)
    assert [row["reader_id"] for row in firmware_updates.active(db)] == ["b"]
    firmware_updates.set_state(db, "b", "done")
    firmware_updates.advance(db)
    assert [row["reader_id"] for row in firmware_updates.active(db)] == ["a", "c"]
    firmware_updates.request(db, ["a", "b", "c"], "2.0.1", "/rel", "test")
    firmware_updates.set_state(db, "a", "rolled-back", "a went back to 2.0.0")
    firmware_updates.advance(db)
    rows = firmware_updates.by_reader(db)
    assert (rows["b"]["state"], rows["b"]["detail"]) == ("held", "a: rolled-back")
    assert firmware_updates.active(db) == []


def test_the_cable_copy_puts_the_reader_in_safe_mode_first(tmp_path: Path) -> None:
    files = [tmp_path / "app.mpy", tmp_path / "config.json"]
    first, second = copy_commands(files, "/dev/ttyUSB0")
    assert first == ["mpremote", "connect", "/dev/ttyUSB0", "exec", SAFE_MODE_ON, "+", "reset"]
    assert second[:4] == ["mpremote", "connect", "/dev/ttyUSB0", "cp"]
    script = second[second.index("exec") + 1]
    assert all(name in script for name in ("'fw.json'", "'boots.json'", "'safe'"))  # the cable copy runs
    assert "'setup_new'" in script  # cable settings are no untried ones from the set-up page
    assert second[-1] == "reset"
