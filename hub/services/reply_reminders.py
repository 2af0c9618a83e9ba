"""Reminders of replies due (procedure 000 §3.5): once a working day, from the opening hour,
each teacher with a parent's message due that day or overdue is told so (notification kind
`reply_due`, to those who chose it, linking to "Do odpowiedzi").

A teacher told today is not told again today, whatever restarts the hub; on a day off
nobody is reminded (the term does not run). `ewidencjoner serve` runs `ReplyReminders`.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time

from sqlite_utils import Database

from hub.config import Settings
from hub.i18n import DEFAULT_LANGUAGE, language, ngettext
from hub.rules.attendance import local_instant
from hub.rules.reply_term import WorkingDays
from hub.services import reply_terms
from hub.services.notifications import notify
from hub.store import notifications, site_settings
from hub.store.db import connect
from hub.timefmt import utc_now

log = logging.getLogger(__name__)

CHECK_EVERY_S = 600.0
"""How often the running hub looks whether today's reminders are due."""


def remind(db: Database, settings: Settings, now: datetime) -> int:
    """Queue today's reminders not queued yet; returns how many notifications were queued."""
    today = now.astimezone(settings.tz).date()
    closed = frozenset(date.fromisoformat(row["day"]) for row in site_settings.closed_days(db))
    opening = time.fromisoformat(site_settings.get_all(db)["opening"])
    if today not in WorkingDays(closed) or now < local_instant(today, opening, settings.tz):
        return 0
    waiting = Counter(
        reply.account_id
        for reply in reply_terms.owed(db, settings, today)
        if reply.state in ("due_today", "overdue")
    )
    told = notifications.told_since(db, "reply_due", local_instant(today, time(0), settings.tz))
    queued = 0
    with db.atomic():
        for account_id, count in sorted(waiting.items()):
            if account_id in told:
                continue
            with language(DEFAULT_LANGUAGE):
                summary = ngettext(
                    "%(num)d reply is due today or overdue", "%(num)d replies are due today or overdue", count
                ) % {"num": count}
            queued += notify(db, [account_id], "reply_due", "/replies", summary=summary, now=now)
    return queued


class ReplyReminders:
    """A thread that runs `remind` every `CHECK_EVERY_S` until stopped."""

    def __init__(
        self,
        settings: Settings,
        wake_sender: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utc_now,
        every_s: float = CHECK_EVERY_S,
    ) -> None:
        self.settings, self.wake_sender, self.clock, self.every_s = settings, wake_sender, clock, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="reply-reminders", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        db = connect(self.settings.database)
        try:
            while True:
                try:
                    if remind(db, self.settings, self.clock()):
                        self.wake_sender()
                except Exception:
                    log.exception("reply reminders: could not queue; trying again later")
                if self._stop.wait(self.every_s):
                    return
        finally:
            db.close()
