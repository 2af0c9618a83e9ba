"""Notifications: what to tell whom, queued in the transaction that made the news.

`notify(db, account_ids, kind, path)` is the one entry point for every kind of news (a new
message, an announcement, a reply due, a child's arrival or departure): it queues, for each
of the accounts that opted in to `kind`, an e-mail and a push to each of its browsers, in
the caller's transaction. Nothing is sent here: the sender (`notification_sender.py`)
drains the outbox in its own thread, so a mail server or a push service that is down never
slows a tap or a page, and what was queued waits there until it can be sent.

`AttendanceNotices` is how a child's arrival or departure gets there: ingest calls it for
each stored tap a reader showed as `in` or `out`, the kiosk for each record. A second tap
in the same direction (a tap debounced or redundant) tells nobody anything new, so only a
change of direction within the child's day is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.i18n import DEFAULT_LANGUAGE, gettext, language
from hub.refusal import N_
from hub.store import cards, notifications, readers, registry
from hub.store.notifications import KINDS
from hub.store.taps import TapRow
from hub.timefmt import from_db, local_clock, local_day_bounds, utc_now

STALE_AFTER = timedelta(hours=1)
"""An arrival or departure older than this when it reaches the hub is not notified."""
DIRECTION_KIND = {"in": "arrival", "out": "departure"}
ATTENDANCE_TEXT = {
    "arrival": N_("%(child)s: arrived %(time)s (%(how)s)"),
    "departure": N_("%(child)s: left %(time)s (%(how)s)"),
}
TITLES = {
    "message": N_("New message"),
    "announcement": N_("New announcement"),
    "reply_due": N_("A reply is due"),
    "arrival": N_("Arrival"),
    "departure": N_("Departure"),
}
"""A notification's title by kind (the push's heading, the mail's subject)."""


def notify(
    db: Database,
    account_ids: Iterable[int],
    kind: str,
    path: str,
    *,
    summary: str = "",
    child_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `kind` (one of `KINDS`) for each account of `account_ids` that opted in to it;
    `path` is the page it is about (`/messages/12`), `summary` a line a push shows (and a
    mail, only when the site puts child data in mail). Runs in the caller's transaction;
    returns how many notifications were queued."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"a notification's path is a page of the journal, got {path!r}")
    return notifications.queue(
        db, account_ids, kind, path, now or utc_now(), child_id=child_id, summary=summary
    )


@dataclass(frozen=True)
class Attribution:
    """Who made an arrival or departure: a card (its holder, the reader) or a kiosk record."""

    via: str
    """`card`, `kiosk` (a guardian's PIN) or `door` (a teacher's tap on the door grid)."""
    holder: str = ""
    """The card's holder (`mama`), the guardian at the kiosk, the teacher at the door."""
    reader: str = ""

    def text(self) -> str:
        if self.via == "door":
            return gettext("recorded at the door by %(person)s") % {"person": self.holder}
        if self.via == "kiosk":
            return gettext("kiosk, %(guardian)s") % {"guardian": self.holder}
        if self.holder:
            return gettext("card: %(holder)s, reader %(reader)s") % {
                "holder": self.holder,
                "reader": self.reader,
            }
        return gettext("card, reader %(reader)s") % {"reader": self.reader}


def attendance_summary(child_name: str, kind: str, moment: datetime, tz: ZoneInfo, how: Attribution) -> str:
    """`Ania Kowalska: arrived 07:45 (card, reader Entrance)`, in the site's language."""
    with language(DEFAULT_LANGUAGE):
        return gettext(ATTENDANCE_TEXT[kind]) % {
            "child": child_name,
            "time": local_clock(moment, tz),
            "how": how.text(),
        }


class AttendanceNotices:
    """Queues the arrivals and departures guardians opted in to; one in ingest, one in the web
    app (the kiosk, the door grid), each remembering each child's last direction today."""

    def __init__(self, tz: ZoneInfo, clock: Callable[[], datetime] = utc_now) -> None:
        self.tz = tz
        self.clock = clock
        self._last: dict[int, tuple[date, str]] = {}
        self.pending = 0
        """Notifications queued since the writer last took this count (`take_pending`)."""

    def tap_stored(self, db: Database, tap: TapRow, shown: str) -> None:
        """A reader showed `shown` (`in`, `out`, `unknown`) for a tap just stored."""
        kind = DIRECTION_KIND.get(shown)
        if kind is None or not notifications.anyone_wants(db, (kind,)):
            return
        instant = tap.at or tap.received_at
        card = cards.child_for_tap(db, tap.uid, instant)
        if card is None:
            return
        reader = readers.get_reader(db, tap.reader_id)
        how = Attribution("card", holder=card.get("holder") or "", reader=reader.get("name") or tap.reader_id)
        self.record(db, card["child_id"], kind, from_db(instant), how)

    def record(self, db: Database, child_id: int, kind: str, moment: datetime, how: Attribution) -> int:
        """Queue `kind` for the child's guardians unless the child's day already said so."""
        now = self.clock()
        if now - moment > STALE_AFTER:
            return 0  # a reader that was offline sends its day late: that is no news to push
        day = moment.astimezone(self.tz).date()
        if self._last.get(child_id) == (day, kind) and self._queued_last(db, child_id, day) == kind:
            return 0  # (the outbox is asked too: a rolled-back transaction queued nothing)
        self._last[child_id] = (day, kind)
        child = registry.get_child(db, child_id)
        name = f"{child['first_name']} {child['last_name']}"
        summary = attendance_summary(name, kind, moment, self.tz, how)
        accounts = notifications.guardian_accounts(db, child_id)
        queued = notify(
            db, accounts, kind, f"/parent/children/{child_id}", summary=summary, child_id=child_id, now=now
        )
        self.pending += queued
        return queued

    def take_pending(self) -> int:
        """How many were queued since the last call: after its commit, the writer wakes the
        sender when there are any (a rolled-back batch may count some that are gone)."""
        pending, self.pending = self.pending, 0
        return pending

    def _queued_last(self, db: Database, child_id: int, day: date) -> str | None:
        start, _ = local_day_bounds(day, day, self.tz)
        return notifications.last_attendance_kind(db, child_id, start)
