"""The backup schedule: the next run by the kindergarten's clock (DST nights included), a
scheduled backup made by "schedule" with the kept count, and a failure that stops nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.config import ConfigError, Settings
from hub.services.backup_schedule import BackupSchedule, next_run, run_scheduled
from hub.store import audit
from hub.store import backups as register
from tests.backup_support import data_dir_with_attachments
from tests.support import wait_until

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("now", "at", "due"),
    [
        ("2026-12-05T01:00:00+00:00", "03:00", "2026-12-05T02:00:00+00:00"),  # later today (CET)
        ("2026-12-05T02:00:00+00:00", "03:00", "2026-12-06T02:00:00+00:00"),  # just ran: tomorrow
        ("2026-06-05T23:30:00+00:00", "01:00", "2026-06-06T23:00:00+00:00"),  # 01:30 there
        ("2026-03-28T12:00:00+00:00", "02:30", "2026-03-29T01:30:00+00:00"),  # 02:30 never shows: 03:30
        ("2026-10-24T12:00:00+00:00", "02:30", "2026-10-25T00:30:00+00:00"),  # shows twice: the first
        ("2026-12-31T23:59:00+00:00", "00:30", "2027-01-01T23:30:00+00:00"),  # already 00:59 in Warsaw
    ],
)
def test_next_run_by_the_kindergartens_clock(now: str, at: str, due: str) -> None:
    assert next_run(datetime.fromisoformat(now), at, WARSAW) == datetime.fromisoformat(due).astimezone(UTC)


@pytest.mark.parametrize("at", ["3:00", "24:00", "12:60", "noon", "03:00:00"])
def test_a_bad_time_of_day_or_kept_count_is_refused(at: str) -> None:
    with pytest.raises(ConfigError):
        Settings(backup_at=at)
    with pytest.raises(ConfigError):
        Settings(backup_keep=0)


def test_a_scheduled_backup_keeps_the_count_and_says_schedule(tmp_path: Path) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    disk = tmp_path / "disk"
    disk.mkdir()
    settings = Settings(database=database, backup_dir=disk, backup_at="03:00", backup_keep=1, site="p11")
    assert BackupSchedule.wanted(settings) and not BackupSchedule.wanted(Settings(backup_at="03:00"))
    first, second = run_scheduled(settings), run_scheduled(settings)
    assert first and second and not first.path.exists() and second.path.exists()
    rows = register.entries(db)
    assert [(row["made_by"], row["removed_by"]) for row in rows] == [
        ("schedule", None),
        ("schedule", "schedule"),
    ]
    assert {e["actor"] for e in audit.entries(db, entity="backup")} == {"schedule"}


def test_a_failed_scheduled_backup_is_logged_not_raised(tmp_path: Path, caplog) -> None:
    db, database = data_dir_with_attachments(tmp_path)
    settings = Settings(database=database, backup_dir=tmp_path / "unmounted", backup_at="03:00")
    assert run_scheduled(settings) is None
    assert "does not exist" in caplog.text and register.entries(db) == []


def test_the_schedule_thread_makes_the_backup_at_its_hour(tmp_path: Path) -> None:
    """The thread's clock set to a moment before 02:30 in Warsaw: it sleeps until then, backs up."""
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "disk").mkdir()
    settings = Settings(database=database, backup_dir=tmp_path / "disk", backup_at="02:30", backup_keep=2)
    just_before = datetime(2026, 12, 5, 1, 29, 59, 700_000, tzinfo=UTC)  # 02:29:59.7 CET
    schedule = BackupSchedule(settings, clock=lambda: just_before)
    schedule.start()
    try:
        wait_until(lambda: len(register.entries(db)) >= 3, timeout=30)  # the fixed clock: again and again
    finally:
        schedule.stop()
    rows = register.entries(db)
    assert {row["made_by"] for row in rows} == {"schedule"} and rows[-1]["removed_by"] == "schedule"
    assert len(list((tmp_path / "disk").iterdir())) <= 2


def test_the_schedule_thread_stops_at_once(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "hub.db", backup_dir=tmp_path, backup_at="03:00")
    schedule = BackupSchedule(settings)
    schedule.start()
    schedule.stop()
    assert not schedule._thread.is_alive()
