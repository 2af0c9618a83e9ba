"""Junk costs a bounded amount (issue 9): 1 KiB of a payload, capped rows per reader and
reason, a retention, a paged API and a rate-limited log."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from hub.cli.main import cli
from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.intake import Incoming, Intake, QuarantineNotices
from hub.ingest.mqtt_client import Ingest
from hub.store import quarantine, readers
from hub.store.db import open_database
from hub.store.migrations import MIGRATIONS, migrate
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until
from tests.web_support import signed_in
from web.app import create_app

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
BIG = 16 * 1024 * 1024


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "hub.db")
    readers.add_reader(database, "r1", "Wejście")
    yield database
    database.close()


def junk(reader_id: str, payload: bytes, mid: int = 1, kind: str = "tap") -> Incoming:
    return Incoming(f"ewidencjoner/{SITE}/reader/{reader_id}/{kind}", payload, 1, mid, False, NOW)


def handle(db: Database, batch: list[Incoming], intake: Intake | None = None) -> None:
    intake = intake or Intake(SITE, Settings().tz, lambda db, row: ("unknown", ""))
    with db.atomic():
        intake.handle_batch(db, batch)


def rows(db: Database) -> int:
    return db.execute("SELECT count(*) FROM quarantine").fetchone()[0]


def test_a_16_mb_payload_keeps_1_kib_with_its_size_and_hash(db: Database) -> None:
    payload = b"{" + b"x" * (BIG - 1)
    handle(db, [junk("r1", payload)])
    [entry] = quarantine.list_quarantine(db)
    assert entry["reason"] == "too_large" and len(entry["payload"]) == quarantine.KEPT_PAYLOAD_BYTES
    assert entry["payload_size"] == BIG and entry["payload_sha256"] == hashlib.sha256(payload).hexdigest()


@pytest.mark.no_packet_limit
def test_a_16_mb_payload_through_the_broker_is_not_stored_whole(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("tap", b"{" + b"x" * (BIG - 1))  # the broker may refuse it first: either is fine
    reader.publish("tap", tap_payload(1))
    wait_until(lambda: 1 in reader.acked_seqs(), timeout=30)
    db = open_database(settings.database)
    longest = db.execute("SELECT max(length(payload)) FROM quarantine").fetchone()[0]
    db.close()
    assert longest is None or longest <= quarantine.KEPT_PAYLOAD_BYTES
    reader.close()


def test_10000_distinct_junk_messages_stay_a_bounded_number_of_rows(db: Database) -> None:
    intake = Intake(SITE, Settings().tz, lambda db, row: ("unknown", ""))
    for start in range(0, 10_000, 500):
        handle(db, [junk("r1", f"junk {n}".encode(), n) for n in range(start, start + 500)], intake)
    handle(db, [junk("r2", f"junk {n}".encode(), n) for n in range(100)], intake)  # unregistered
    assert rows(db) == 2 * (quarantine.MAX_DISTINCT + 1)
    assert quarantine.count_by_reason(db) == {"bad_json": 10_000, "unknown_reader": 100}
    [overflow] = [
        entry for entry in quarantine.list_quarantine(db) if entry["overflow"] and entry["reader_id"] == "r1"
    ]
    assert overflow["count"] == 10_000 - quarantine.MAX_DISTINCT and overflow["payload"] == "junk 9999"


def test_invented_reader_ids_meet_a_cap_per_reason(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    intake = Intake(SITE, Settings().tz, lambda db, row: ("unknown", ""))
    with caplog.at_level(logging.WARNING, logger="hub.ingest.intake"):
        for start in range(0, 3000, 500):
            handle(db, [junk(f"fake{n}", tap_payload(1), n) for n in range(start, start + 500)], intake)
    assert rows(db) == quarantine.MAX_DISTINCT_PER_REASON + 1
    assert quarantine.count_by_reason(db) == {"unknown_reader": 3000}
    assert len(caplog.records) <= QuarantineNotices.MAX_KEYS


def test_a_repeated_message_counts_in_its_entry(db: Database) -> None:
    handle(db, [junk("r1", b"same", n) for n in range(5)])
    [entry] = quarantine.list_quarantine(db)
    assert entry["count"] == 5


def test_the_quarantine_log_is_rate_limited(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    clock = [0.0]
    intake = Intake(SITE, Settings().tz, lambda db, row: ("unknown", ""))
    intake.notices = QuarantineNotices(clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="hub.ingest.intake"):
        handle(db, [junk("r1", f"junk {n}".encode(), n) for n in range(1000)], intake)
        handle(db, [junk("r1", b"{}", 1, kind="status")], intake)  # another reason: logged too
        assert len(caplog.records) == 2
        clock[0] += QuarantineNotices.SUMMARY_PERIOD_S
        handle(db, [junk("r1", b"again", 1)], intake)
    assert len(caplog.records) == 3
    assert "quarantined 1000 more messages" in caplog.records[-1].getMessage()


def test_purge_removes_old_entries_but_keeps_open_conflicts(db: Database, tmp_path: Path) -> None:
    old = NOW - timedelta(days=200)
    with db.atomic():
        for reason, payload in [
            ("bad_json", b"old open"),
            ("conflict", b"old conflict"),
            ("bad_json", b"old done"),
        ]:
            quarantine.quarantine(
                db, topic="t", payload=payload, reason=reason, detail="d", received=old, reader_id="r1"
            )
        quarantine.quarantine(db, topic="t", payload=b"new", reason="bad_json", detail="d", received=NOW)
    resolved = quarantine.list_quarantine(db)[2]["id"]
    quarantine.resolve(db, resolved, old)
    result = CliRunner().invoke(
        cli, ["--database", str(tmp_path / "hub.db"), "quarantine", "purge", "--older-than", "30"]
    )
    assert result.exit_code == 0 and "Removed 2 quarantine entries" in result.output, result.output
    left = sorted(entry["payload"] for entry in quarantine.list_quarantine(db, include_resolved=True))
    assert left == ["new", "old conflict"]


def test_api_quarantine_pages_with_a_bounded_maximum(db: Database, tmp_path: Path) -> None:
    with db.atomic():
        for reason in range(250):  # distinct reasons: each keeps its own entry
            quarantine.quarantine(
                db, topic="t", payload=b"x" * 2000, reason=f"r{reason}", detail="d", received=NOW
            )
    settings = Settings(database=tmp_path / "hub.db", site=SITE)
    client = signed_in(create_app(settings, EventBus()), settings.database, "teacher")
    page = client.get("/api/quarantine").json()
    assert len(page["entries"]) == 50 and len(page["counts"]) == 250
    assert all(len(entry["payload"]) <= quarantine.KEPT_PAYLOAD_BYTES for entry in page["entries"])
    assert client.get("/api/quarantine", params={"limit": quarantine.MAX_PAGE + 1}).status_code == 422
    seen, after = [], 0
    while after is not None:
        page = client.get("/api/quarantine", params={"limit": quarantine.MAX_PAGE, "after": after}).json()
        seen += [entry["id"] for entry in page["entries"]]
        after = page["next_after"]
    assert len(seen) == len(set(seen)) == 250


def test_migration_9_keeps_old_entries_readable(tmp_path: Path) -> None:
    from hub.store.db import connect

    db = connect(tmp_path / "old.db")
    migrate(db, MIGRATIONS[:8])
    db["quarantine"].insert(
        {"first_received_at": "2026-01-01T00:00:00.000Z", "last_received_at": "2026-01-01T00:00:00.000Z",
         "count": 3, "topic": "t", "payload": b"\xffold" * 400, "reason": "bad_json", "detail": "d"}
    )  # fmt: skip
    migrate(db)
    [entry] = quarantine.list_quarantine(db)
    assert entry["payload_size"] == 1600 and entry["payload"].startswith("\\xffold")
    assert entry["payload_sha256"] == hashlib.sha256(b"\xffold" * 400).hexdigest() and not entry["overflow"]
    db.close()


def test_resolving_a_conflict_takes_it_off_the_inconsistency_log(db: Database, tmp_path: Path) -> None:
    from hub.services.conflicts import conflict_items

    with db.atomic():
        entry = quarantine.quarantine(
            db, topic="t", payload=tap_payload(10, uid="04A1B2C3"), reason="conflict", detail="d",
            received=NOW, reader_id="r1", seq=10,
        )  # fmt: skip
    day = NOW.date()
    [item] = conflict_items(db, day, day, Settings().tz)
    assert (item.kind, str(item.taps[0]), item.card_uid) == ("conflicting_tap", "r1#10", "04A1B2C3")

    def resolve(entry_id: int):
        return CliRunner().invoke(
            cli, ["--database", str(tmp_path / "hub.db"), "quarantine", "resolve", str(entry_id)]
        )

    assert resolve(entry).exit_code == 0
    assert conflict_items(db, day, day, Settings().tz) == []
    assert db.execute("SELECT action FROM audit_log WHERE entity = 'quarantine'").fetchall() == [
        ("quarantine.resolve",)
    ]
    again = resolve(entry)
    assert again.exit_code == 1 and "was resolved at" in again.output
    assert "no quarantine entry #999" in resolve(999).output
