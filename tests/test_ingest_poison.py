"""One bad message never stops ingest (issue 9): poison messages are quarantined on their
own, a failing database is retried and shown as stalled, a conflicting seq is kept."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.cli.main import cli
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.intake import Incoming, Intake
from hub.ingest.mqtt_client import Ingest
from hub.services import days
from hub.store import quarantine, readers
from hub.store.db import open_database
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until
from web.app import create_app

RECEIVED = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def incoming(reader_id: str, kind: str, payload: bytes, mid: int = 1) -> Incoming:
    return Incoming(f"ewidencjoner/{SITE}/reader/{reader_id}/{kind}", payload, 1, mid, False, RECEIVED)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "intake.db")
    readers.add_reader(database, "r1", "Wejście")
    yield database
    database.close()


def handle(db: Database, batch: list[Incoming]) -> list[str]:
    intake = Intake(SITE, Settings().tz, lambda db, row: ("unknown", ""))
    with db.atomic():
        outcomes = intake.handle_batch(db, batch)
    return [outcome.result for outcome in outcomes]


def stored_seqs(db: Database) -> list[int]:
    return [row[0] for row in db.execute("SELECT seq FROM taps ORDER BY seq")]


# -- poison messages are quarantined on their own --------------------------------------


def test_a_tap_storage_refuses_is_quarantined_alone_and_the_batch_commits(db: Database) -> None:
    db.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON taps WHEN NEW.uid = 'DEADBEEF' "
        "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
    )
    batch = [
        incoming("r1", "tap", tap_payload(1), 1),
        incoming("r1", "tap", tap_payload(2, uid="DEADBEEF"), 2),
        incoming("r1", "tap", tap_payload(3), 3),
    ]
    assert handle(db, batch) == ["stored", "quarantined", "stored"]
    assert stored_seqs(db) == [1, 3]
    [entry] = quarantine.list_quarantine(db)
    assert entry["reason"] == "unstorable" and "IntegrityError: poisoned" in entry["detail"]


def test_a_status_storage_refuses_is_quarantined_alone(db: Database) -> None:
    db.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON reader_events WHEN NEW.fw = 'poison' "
        "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
    )
    batch = [
        incoming("r1", "status", b'{"online":true,"fw":"poison","boot":1}', 1),
        incoming("r1", "tap", tap_payload(1), 2),
        incoming("r1", "status", b'{"online":true,"fw":"1.0.0","boot":2}', 3),
    ]
    assert handle(db, batch) == ["quarantined", "stored", "status"]
    assert readers.get_reader(db, "r1")["fw"] == "1.0.0"  # the poisoned one left no half
    assert db.execute("SELECT count(*) FROM reader_events").fetchone()[0] == 1


def test_an_unexpected_exception_while_storing_is_the_message_s_fault(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = readers.record_status

    def record_status(db, reader_id, status, *args, **kwargs):
        if status.boot == 13:
            raise RuntimeError("something nobody foresaw")
        return real(db, reader_id, status, *args, **kwargs)

    monkeypatch.setattr(readers, "record_status", record_status)
    batch = [
        incoming("r1", "status", b'{"online":true,"boot":13}', 1),
        incoming("r1", "tap", tap_payload(1), 2),
    ]
    assert handle(db, batch) == ["quarantined", "stored"]
    assert "RuntimeError: something nobody foresaw" in quarantine.list_quarantine(db)[0]["detail"]


def test_a_failing_database_is_told_apart_and_nothing_is_quarantined(db: Database) -> None:
    db.execute("CREATE TRIGGER broken BEFORE INSERT ON taps BEGIN SELECT no_such_function(); END")
    with pytest.raises(sqlite3.OperationalError):
        handle(db, [incoming("r1", "tap", tap_payload(1)), incoming("r1", "status", b'{"online":true}', 2)])
    assert quarantine.list_quarantine(db) == [] and stored_seqs(db) == []


def test_the_status_from_the_issue_no_longer_stops_ingest(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("status", b'{"online":true,"up":9223372036854775808}', retain=True)
    reader.publish("tap", tap_payload(1))
    wait_until(lambda: 1 in reader.acked_seqs())
    assert ingest.stats.quarantined == {"bad_field": 1}
    assert ingest.describe()["stalled"] is False
    reader.client.publish(f"ewidencjoner/{SITE}/reader/r1/status", b"", retain=True)  # clear it
    reader.close()


# -- a failing database shows as stalled, and nothing is lost --------------------------


def test_a_hub_whose_database_fails_reports_stalled_and_recovers_losing_nothing(
    settings: Settings, mosquitto: Mosquitto
) -> None:
    db = open_database(settings.database)
    db.execute("CREATE TRIGGER broken BEFORE INSERT ON taps BEGIN SELECT no_such_function(); END")
    db.conn.commit()
    hub = Ingest(settings, EventBus(), stall_after_s=0.5)
    hub.start()
    assert hub.wait_connected(10)
    api = TestClient(create_app(settings, EventBus(), hub.describe))
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    try:
        for seq in range(1, 21):
            reader.publish("tap", tap_payload(seq))
        health = wait_until(lambda: (found := api.get("/api/health").json())["stalled"] and found)
        assert health["failing"] and "no such function" in health["last_error"]
        wait_until(lambda: "STALLED" in CliRunner().invoke(cli, cli_args(settings)).output)
        assert reader.acks == [] and quarantine.list_quarantine(db) == []

        db.execute("DROP TRIGGER broken")
        db.conn.commit()
        wait_until(lambda: sorted(reader.acked_seqs()) == list(range(1, 21)), timeout=20)
        assert stored_seqs(db) == list(range(1, 21))
        wait_until(lambda: not api.get("/api/health").json()["stalled"])
        wait_until(lambda: "Ingest: running" in CliRunner().invoke(cli, cli_args(settings)).output)
    finally:
        reader.close()
        hub.stop()
        db.close()
    assert "Ingest: NOT RUNNING (stopped" in CliRunner().invoke(cli, cli_args(settings)).output


def cli_args(settings: Settings) -> list[str]:
    return ["--database", str(settings.database), "readers", "list"]


def test_readers_list_says_when_no_hub_ever_ran(tmp_path: Path) -> None:
    open_database(tmp_path / "fresh.db").close()
    output = CliRunner().invoke(cli, ["--database", str(tmp_path / "fresh.db"), "readers", "list"]).output
    assert output.startswith("Ingest: no hub has run")


# -- forged sequence numbers do not hide a real tap -------------------------------------


def test_a_real_tap_whose_seq_a_forger_used_first_is_kept_and_shown(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście główne")
    forger = FakeReaderClient(mosquitto.port, SITE, "wejscie")
    for seq in range(3, 13):
        forger.publish("tap", tap_payload(seq, uid="0BADC0DE"))
    wait_until(lambda: len(forger.acks) == 10)
    forger.close()

    real = FakeReaderClient(mosquitto.port, SITE, "wejscie")
    real_tap = tap_payload(10, uid="04A1B2C3", boot=2, ms=777)
    real.publish("tap", real_tap)
    real.publish("tap", real_tap)  # the reader retries: still a conflict, still kept once
    wait_until(lambda: len(real.acks) == 2)
    assert [ack["r"] for ack in real.acks] == ["unknown", "unknown"]  # never a silent dup

    [entry] = quarantine.list_quarantine(db)
    assert (entry["reason"], entry["reader_id"], entry["seq"]) == ("conflict", "wejscie", 10)
    assert entry["count"] == 2
    assert entry["payload"].encode() == real_tap  # the real tap is kept whole
    assert "stored uid 0BADC0DE" in entry["detail"] and "this one uid 04A1B2C3" in entry["detail"]

    today = datetime.now(settings.tz).date()
    log = days.inconsistencies(db, settings, today, today)
    items = [item for item in log if item.kind == "conflicting_tap"]
    assert [(str(item.taps[0]), item.card_uid) for item in items] == [("wejscie#10", "04A1B2C3")]
    assert days.inconsistencies(db, settings, date(2020, 1, 1), date(2020, 1, 1)) == []
    real.close()
    db.close()


def test_a_redelivery_with_a_new_send_time_is_still_a_duplicate(db: Database) -> None:
    first = json.loads(tap_payload(5))
    again = {**first, "now": first["now"] + 60_000}  # the reader's journal sent it again later
    results = handle(db, [incoming("r1", "tap", json.dumps(first).encode())])
    results += handle(db, [incoming("r1", "tap", json.dumps(again).encode())])
    assert results == ["stored", "duplicate"] and quarantine.list_quarantine(db) == []


def test_a_topic_that_is_not_utf8_is_queued_and_quarantined(settings: Settings, db: Database) -> None:
    """Mosquitto refuses such a topic; a laxer broker may pass it, and paho's `topic` raises."""
    hub = Ingest(settings)  # not started: only its callback is used
    message = mqtt.MQTTMessage(mid=1, topic=f"ewidencjoner/{SITE}/reader/\xff/tap".encode("latin-1"))
    message.payload, message.qos = b"{}", 1
    hub._on_message(None, None, message)
    queued = hub._inbox.get_nowait()
    assert queued.topic == f"ewidencjoner/{SITE}/reader/\\xff/tap"
    assert handle(db, [queued]) == ["quarantined"]
    assert quarantine.list_quarantine(db)[0]["reason"] == "bad_topic"
