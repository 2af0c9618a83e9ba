"""The sender: drains the notification outbox in threads of its own.

Two loops, one per channel, so a mail server that hangs until its timeout never holds up a
push. Every `POLL_S` (or at once when woken) each takes what is due: the pushes are sent in
parallel (one slow push service must not hold up the others), the mail over one SMTP
connection; then each outcome is recorded, a batch in one commit. A failure is retried
later, each wait twice the last (from `FIRST_RETRY_S` up to `MAX_RETRY_S`), and given up
after `MAX_ATTEMPTS` with its last error kept; a subscription its push service calls gone
(404, 410) is deleted. Nothing here runs in ingest's or a page's thread, so a server that
is down only makes the outbox wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.i18n import DEFAULT_LANGUAGE, gettext, language
from hub.refusal import Refusal
from hub.services import mail, web_push
from hub.services.notifications import TITLES
from hub.store import notifications
from hub.store.db import open_database
from hub.timefmt import utc_now

log = logging.getLogger(__name__)

POLL_S = 0.25
BATCH = 200
PUSH_WORKERS = 16
"""Pushes under way at once: most of a push's time is waiting for the push service."""
FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
MAX_ATTEMPTS = 12
"""About eleven hours of retries with the waits above."""
KEEP_SENT = timedelta(days=30)
PURGE_EVERY = timedelta(hours=24)
STOP_WAIT_S = 20
"""At shutdown, how long to let a batch under way finish (a push's timeout is 10 s)."""


class NotificationSender:
    def __init__(
        self, settings: Settings, clock: Callable[[], datetime] = utc_now, poll_s: float = POLL_S
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.poll_s = poll_s
        self._stopping = threading.Event()
        self._wake = {channel: threading.Event() for channel in ("push", "email")}
        self._threads: list[threading.Thread] = []
        self._pool = ThreadPoolExecutor(max_workers=PUSH_WORKERS, thread_name_prefix="push")
        self._session = web_push.new_session()
        self._vapid = web_push.VapidHeaders(web_push.vapid_key(settings), web_push.vapid_subject(settings))
        self._purged_at: datetime | None = None

    def start(self) -> None:
        channels = ("push", "email") if self.settings.smtp_host else ("push",)  # mail waits for a server
        for channel in channels:
            thread = threading.Thread(
                target=self._loop, args=(channel,), name=f"notify-{channel}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Look at the outbox now (something was just queued)."""
        for event in self._wake.values():
            event.set()

    def stop(self) -> None:
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=STOP_WAIT_S)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self, channel: str) -> None:
        db = open_database(self.settings.database)
        wake = self._wake[channel]
        try:
            while not self._stopping.is_set():
                try:
                    handled = self.run_once(db, (channel,))
                except Exception:
                    log.exception("the %s outbox could not be drained; trying again", channel)
                    handled = 0
                if handled < BATCH:
                    wake.wait(self.poll_s)
                    wake.clear()
        finally:
            db.close()

    def run_once(self, db: Database, channels: tuple[str, ...] = ("push", "email")) -> int:
        """Send what is due now by `channels`; return how many outbox rows were handled."""
        now = self.clock()
        self._purge(db, now)
        handled = 0
        if "push" in channels:
            pushes = notifications.due(db, now, BATCH, "push")
            outcomes = list(self._pool.map(self._push, pushes))
            self._record_all(db, pushes, outcomes)
            handled += len(pushes)
        if "email" in channels and self.settings.smtp_host:
            mails = notifications.due(db, now, BATCH, "email")
            if mails:
                composed, errors = [], {}
                for row in mails:
                    try:
                        composed.append((row["id"], mail.compose(self.settings, row)))
                    except ValueError as exc:  # an address no mail can carry: that row's fault
                        errors[row["id"]] = f"{type(exc).__name__}: {exc}"[:300]
                errors |= mail.send_all(self.settings, composed) if composed else {}
                self._record_all(db, mails, [errors.get(row["id"]) for row in mails])
            handled += len(mails)
        return handled

    def _record_all(self, db: Database, rows: list[dict[str, Any]], outcomes: list[str | None]) -> None:
        with db.atomic():  # one commit for the batch: a commit per row cost more than the pushes
            for row, outcome in zip(rows, outcomes, strict=True):
                self._record(db, row, outcome)

    def _push(self, row: dict[str, Any]) -> str | None:
        """Send one push: None when it went, `gone`, `refused: …`, or the error to retry on."""
        if row["endpoint"] is None:
            return "gone"
        subscription = web_push.Subscription(row["endpoint"], row["p256dh"], row["auth"])
        try:
            web_push.send(self._session, subscription, payload(row), self._vapid, self.settings)
        except web_push.PushGone:
            return "gone"
        except Refusal as refusal:
            return f"refused: {refusal.code}"
        except web_push.PushFailed as exc:
            return str(exc) or "push failed"
        except Exception as exc:  # one row's own fault (keys a library cannot use): not the loop's
            log.exception("push %s failed", row["id"])
            return f"{type(exc).__name__}: {exc}"[:300]
        return None

    def _record(self, db: Database, row: dict[str, Any], error: str | None) -> None:
        now = self.clock()
        if error is None:
            notifications.mark_sent(db, row["id"], now)
        elif error in ("gone", "refused: push.endpoint") and row["subscription_id"] is not None:
            notifications.mark_failed(
                db, row["id"], "subscription gone" if error == "gone" else error, now, None
            )
            notifications.drop_subscription(db, row["subscription_id"], now)
        else:
            attempts = row["attempts"] + 1
            retry = None if attempts >= MAX_ATTEMPTS else now + retry_wait(attempts)
            notifications.mark_failed(db, row["id"], error, now, retry)
            log.warning("notification %s (%s) not sent: %s", row["id"], row["channel"], error)

    def _purge(self, db: Database, now: datetime) -> None:
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            notifications.purge(db, now - KEEP_SENT)
            self._purged_at = now


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** (attempts - 1), MAX_RETRY_S))


def payload(row: dict[str, Any]) -> dict[str, str]:
    """What the service worker shows: a title, a line, and the page to open on a click."""
    with language(DEFAULT_LANGUAGE):
        title = gettext(TITLES[row["kind"]])
        body = row["summary"] or gettext(mail.WAITING).rstrip(":")
    return {"title": title, "body": body, "url": row["path"], "kind": row["kind"]}
