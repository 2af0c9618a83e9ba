"""Backups by schedule inside the running hub: every day at `backup_at` (local time) a backup
into `backup_dir`, made by "schedule", and the oldest past `backup_keep` removed.

`ewidencjoner serve` starts it beside ingest when both settings are set. A hub that is not
running at that hour makes no backup for that day; a systemd timer calling
`ewidencjoner backup run` is the alternative (README, "Kopie zapasowe i odtwarzanie"). A
failed backup (the disk not mounted, full) is logged and tried again the next day; the
register shows when the last one was made.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.config import Settings
from hub.refusal import Refusal
from hub.services.backups import ROUTINE_PURPOSE, Made, make_backup, remove_beyond
from hub.store import backups as register
from hub.store.db import connect
from hub.timefmt import utc_now

log = logging.getLogger(__name__)


def next_run(now: datetime, at: str, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) after `now` when the clocks of `zone` show `at` (HH:MM).

    On the night the clocks jump forward past `at`, that is the same hour's instant after
    the jump (02:30 → 03:30); on the night they fall back, the first of the two 02:30s."""
    hour, minute = (int(part) for part in at.split(":"))
    now = now.astimezone(UTC)
    day = now.astimezone(zone).date() - timedelta(days=1)
    while True:
        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        if candidate > now:
            return candidate
        day += timedelta(days=1)


def run_scheduled(settings: Settings) -> Made | None:
    """One scheduled backup and the removal past the kept count; None if it could not be made."""
    assert settings.backup_dir is not None
    db = connect(settings.database)
    try:
        made = make_backup(
            db,
            database=settings.database,
            backup_dir=settings.backup_dir,
            site=settings.site,
            made_by=register.SCHEDULE,
            purpose=ROUTINE_PURPOSE,
            now=utc_now(),
        )
        removed = remove_beyond(
            db, settings.backup_dir, settings.backup_keep, actor=register.SCHEDULE, now=utc_now()
        )
    except Refusal as refusal:
        log.error("the scheduled backup was not made: %s", refusal)
        return None
    except OSError:
        log.exception("the scheduled backup was not made")
        return None
    finally:
        db.close()
    log.info("scheduled backup #%d made in %s (%s); removed %s", made.backup_id, made.path,
             "verified" if made.verified else "NOT VERIFIED", removed or "none")  # fmt: skip
    return made


class BackupSchedule:
    """A thread that sleeps until the next `backup_at` and makes the backup."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        """What the schedule takes as now (UTC); a test sets it to just before the hour."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="backup-schedule", daemon=True)

    @staticmethod
    def wanted(settings: Settings) -> bool:
        return bool(settings.backup_at and settings.backup_dir)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            due = next_run(now, self.settings.backup_at, self.settings.tz)
            if self._stop.wait((due - now).total_seconds()):
                return
            run_scheduled(self.settings)
