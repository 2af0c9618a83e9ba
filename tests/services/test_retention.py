"""The purge (`hub/services/retention.py`): everything before each kind's cut-off goes,
nothing at or after it; the dry run counts exactly what the purge then removes; the purge
records itself in the audit log; open conflicts in the quarantine and the recent past stay."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts import accounts, logins, sessions
from hub.accounts.logins import LoginRefused
from hub.config import Settings
from hub.rules.attendance import local_instant
from hub.services import retention
from hub.store import absences, audit, corrections, day_topics, personal_data_reads, readers, registry
from hub.store.db import open_database
from hub.store.retention import KINDS
from tests.pages_support import store_tap

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
"""The journal keeps school years from 2020/2021 on; 90 days of sessions keep from 6 IX 2026."""
OLD_DAY = date(2020, 8, 31)
"""The last day of 2019/2020: past the B5 term on NOW."""
KEPT_DAY = date(2020, 9, 1)
"""The first day of 2020/2021: kept through 31 XII 2026."""


def warsaw(day: date, hour: int = 8) -> datetime:
    return local_instant(day, time(hour), Settings().tz)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=tmp_path / "retention.db")


@pytest.fixture
def db(settings: Settings) -> Database:
    db = open_database(settings.database)
    group = registry.add_group(db, "Żabki", author="test")["id"]
    child = registry.add_child(
        db, first_name="Łucja", last_name="Żak", group=group, active_from="2019-09-01", author="test"
    )["id"]
    readers.add_reader(db, "wejscie", "Wejście główne")
    for seq, day in enumerate((OLD_DAY, KEPT_DAY, date(2026, 12, 4)), start=1):
        store_tap(db, seq, "04A1B2C3", warsaw(day))
        corrections.add_correction(
            db, child_id=child, day=day, kind="add_departure", at=warsaw(day, 15), reason="wyszła z tatą",
            author="test",
        )  # fmt: skip
        absences.report_absence(
            db, child_id=child, first=day, last=day, reported_by="mama", now=warsaw(day, 6)
        )
        day_topics.add_topic(db, group_id=group, day=day, topic="Jesień w lesie", author="test")
        personal_data_reads.record(
            db, actor="dyrektor@p.pl", child_id=child, view="child.page", now=warsaw(day)
        )
    user, _password = accounts.add_user(db, email="n@p.pl", name="N", role="teacher", author="test")
    for moment in (warsaw(date(2025, 12, 4)), warsaw(date(2025, 12, 5))):
        with pytest.raises(LoginRefused):
            logins.log_in(db, "n@p.pl", "złe hasło", ip="10.0.0.9", today=moment.date(), now=moment)
    for moment in (warsaw(date(2026, 9, 5)), warsaw(date(2026, 9, 6))):
        session = sessions.create(
            db, user_id=user["id"], ip=None, user_agent=None, previous_login_at=None,
            previous_login_ip=None, failures_since=0, now=moment,
        )  # fmt: skip
        sessions.end(db, sessions.token_id(session.token), "logout", now=moment)
    return db


def counts(db: Database) -> dict[str, int]:
    return {kind.name: db.table(kind.table).count for kind in KINDS}


def test_the_dry_run_counts_what_the_purge_removes_and_the_rest_stays(
    settings: Settings, db: Database
) -> None:
    before = counts(db)
    planned = {entry.kind: entry for entry in retention.plan(db, settings, NOW)}
    assert counts(db) == before  # a dry run changes nothing
    assert planned["taps"].kept_from == planned["corrections"].kept_from == "2020-09-01"
    assert planned["sessions"].kept_from == "2026-09-06"
    assert planned["login_attempts"].kept_from == "2025-12-05"
    for kind in ("taps", "corrections", "absences", "day_topics", "sessions", "login_attempts"):
        assert planned[kind].rows == 1, kind  # exactly the day before each cut-off
    assert planned["personal_data_reads"].rows == 2  # 2020 is past two years

    removed = {entry.kind: entry.rows for entry in retention.purge(db, settings, NOW, actor="cli:admin")}
    assert {kind: removed[kind] for kind in planned} == {kind: entry.rows for kind, entry in planned.items()}
    after = counts(db)
    for kind in planned:
        if kind != "audit_log":  # the purge adds its own entry
            assert after[kind] == before[kind] - removed[kind], kind
    assert all(entry.rows == 0 for entry in retention.plan(db, settings, NOW))
    assert [row["day"] for row in db["corrections"].rows_where(order_by="day")] == [
        "2020-09-01",
        "2026-12-04",
    ]
    assert db.execute("SELECT min(at) FROM taps").fetchone()[0].startswith("2020-09-01")


def test_the_purge_is_recorded_with_its_cut_offs_and_counts(settings: Settings, db: Database) -> None:
    retention.purge(db, settings, NOW, actor="cli:admin")
    [entry] = [row for row in audit.entries(db, entity="retention") if row["action"] == "retention.purge"]
    assert entry["actor"] == "cli:admin"
    after = entry["after"] if isinstance(entry["after"], dict) else json.loads(entry["after"])
    assert after["taps"] == {"kept_from": "2020-09-01", "removed": 1}
    assert after["quarantine"]["removed"] == 0


def test_a_longer_term_keeps_more(tmp_path: Path, db: Database, settings: Settings) -> None:
    longer = Settings(database=settings.database, journal_retention_years=10, session_retention_days=365)
    planned = {entry.kind: entry for entry in retention.plan(db, longer, NOW)}
    assert planned["taps"].rows == planned["sessions"].rows == 0
    assert planned["taps"].kept_from == "2015-09-01"
