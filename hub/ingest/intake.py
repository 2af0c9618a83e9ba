"""Turning a batch of readers' messages into stored rows, inside one transaction.

This is ingest without MQTT: `handle_batch` is given the messages in arrival order and the
open database, and returns, for each message, what ingest must send once the transaction
is committed (the `ack` to the reader and an event for live pages). Taps are checked one by
one but written with a single statement, because per-message statements would make the
hub, not the broker, the bottleneck (bench/README.md).

A message that breaks the wire contract, or comes from a reader nobody registered, is kept
in the quarantine with the reason. So is a message that passed the checks but still cannot
be stored (reason `unstorable`): a status is stored inside its own savepoint, and when the
one statement for the taps fails, the taps are stored again one by one, so only the poison
message is set aside and the rest of the batch commits. Nothing a reader sends can make the
batch fail: only the database itself can (`is_database_failure`), and then nothing was
written and ingest retries the whole batch (tests/test_ingest_poison.py tries to break this).
A registered reader's tap set aside so is answered `unknown` when its seq can be read, so the
reader stops resending it (`_answer_refused_tap`).

A tap whose `(reader_id, seq)` is already stored is a redelivery when what the reader
recorded matches (`taps.same_tap`), answered `dup`. When it does not, someone else used the
seq first (a forger, or a reader whose journal was wiped): the tap is quarantined as
`conflict`, whole, naming the stored row, and shown in the inconsistency log; the reader is
answered `unknown`, which lets it drop the tap from its journal (nothing is lost: the
quarantine holds it) and shows it did not count until a person resolves it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.store import quarantine, readers, taps
from hub.timefmt import local_clock
from hub.wire import (
    BadMessage,
    TapMessage,
    ack_payload,
    parse_status,
    parse_tap,
    parse_topic,
    reader_topic,
    seq_of,
)

log = logging.getLogger(__name__)

Classifier = Callable[[Database, taps.TapRow], tuple[str, str]]
"""Given a new, stored tap, what the reader should show: (`in`|`out`|`unknown`, a short name)."""
TapHook = Callable[[Database, taps.TapRow, str], None]
"""Told each new tap and what its reader shows, in the batch's transaction (notifications)."""


class Incoming(NamedTuple):
    """One MQTT message as paho's network thread hands it over (a tuple: cheap to make)."""

    topic: str
    payload: bytes
    qos: int
    mid: int
    retain: bool
    received: datetime


@dataclass
class Outcome:
    """What to send once the batch holding this message is committed."""

    message: Incoming
    result: str = "unchanged"
    """stored, duplicate, status, unchanged (a retained status seen before) or quarantined."""
    reason: str = ""
    """Why it was quarantined."""
    ack: tuple[str, bytes] | None = None
    event: dict[str, object] | None = None

    def reset(self) -> None:
        """Forget what a rolled-back attempt to store the message decided."""
        self.result, self.reason, self.ack, self.event = "unchanged", "", None, None


@dataclass
class IntakeStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    statuses: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)

    def count(self, outcomes: list[Outcome]) -> None:
        """Add a committed batch: counters only ever describe what is in the database."""
        for outcome in outcomes:
            self.received += 1
            if outcome.result == "stored":
                self.stored += 1
            elif outcome.result == "duplicate":
                self.duplicates += 1
            elif outcome.result == "status":
                self.statuses += 1
            elif outcome.result == "quarantined":
                self.quarantined[outcome.reason] += 1


@dataclass(frozen=True)
class _Tap:
    outcome: Outcome
    tap: TapMessage
    at: datetime | None
    row: taps.TapRow


class Intake:
    """Handles batches for one site."""

    def __init__(self, site: str, tz: ZoneInfo, classify: Classifier, on_tap: TapHook | None = None) -> None:
        self.site = site
        self.tz = tz
        self.classify = classify
        self.on_tap = on_tap
        self.notices = QuarantineNotices()

    def handle_batch(self, db: Database, batch: list[Incoming]) -> list[Outcome]:
        """Store the batch; the caller holds the transaction and commits it.

        Raises only when the database itself fails (`is_database_failure`): then nothing
        may be committed and the caller retries the whole batch.
        """
        registered = readers.registered_ids(db)
        outcomes: list[Outcome] = []
        pending: list[_Tap] = []
        for message in batch:
            outcome = Outcome(message)
            outcomes.append(outcome)
            try:
                topic = parse_topic(message.topic)
                if topic.reader_id not in registered:
                    raise BadMessage(
                        "unknown_reader",
                        f"reader {topic.reader_id!r} is not registered: "
                        f"ewidencjoner readers add {topic.reader_id} --name ...",
                    )
                if topic.kind == "tap":
                    tap = parse_tap(message.payload)
                    when = taps.derive_time(tap, message.received)
                    row = taps.tap_row(topic.reader_id, tap, message.received, when)
                    pending.append(_Tap(outcome, tap, when.at, row))
                elif topic.kind == "status":
                    with db.atomic():  # a savepoint: a status that fails leaves no half
                        self._store_status(db, topic.reader_id, outcome)
                else:
                    raise BadMessage("bad_topic", f"readers may not publish on {topic.kind!r}")
            except BadMessage as bad:
                self._quarantine(db, outcome, bad.reason, bad.detail)
                if bad.reason != "unknown_reader":
                    self._answer_refused_tap(outcome)
            except Exception as exc:
                if is_database_failure(exc):
                    raise
                outcome.reset()
                self._quarantine_unstorable(db, outcome, exc)
        self._store_all_taps(db, pending)
        return outcomes

    def _store_all_taps(self, db: Database, pending: list[_Tap]) -> None:
        """All taps in one statement; if one of them cannot be stored, each on its own,
        so that only the poison one ends in the quarantine."""
        if not pending:
            return
        try:
            with db.atomic():
                self._store_taps(db, pending)
            return
        except Exception as exc:
            if is_database_failure(exc):
                raise
            log.warning("a batch of %d taps failed (%r); storing them one by one", len(pending), exc)
        for item in pending:
            item.outcome.reset()
            try:
                with db.atomic():
                    self._store_taps(db, [item])
            except Exception as exc:
                if is_database_failure(exc):
                    raise
                item.outcome.reset()
                self._quarantine_unstorable(db, item.outcome, exc)

    def _store_taps(self, db: Database, pending: list[_Tap]) -> None:
        if not pending:
            return
        holders = taps.insert_or_find(db, [item.row for item in pending])
        last_seen: dict[str, datetime] = {}
        for item, holder in zip(pending, holders, strict=True):
            row = item.row
            ack_topic = reader_topic(self.site, row.reader_id, "ack")
            if holder is not None and taps.same_tap(holder, row):
                item.outcome.result = "duplicate"
                item.outcome.ack = (ack_topic, ack_payload(row.seq, "dup"))
                continue
            if holder is not None:
                self._quarantine_conflict(db, item, holder)
                continue
            item.outcome.result = "stored"
            last_seen[row.reader_id] = item.outcome.message.received
            result, name = self._classify(db, row)
            clock = local_clock(item.at, self.tz) if item.at else ""
            item.outcome.ack = (ack_topic, ack_payload(row.seq, result, name, clock))
            if self.on_tap is not None:
                self._tell_hook(db, row, result)
            item.outcome.event = {
                "type": "tap",
                "reader_id": row.reader_id,
                "seq": row.seq,
                "uid": row.uid,
                "at": row.at,
                "time_quality": row.time_quality,
                "result": result,
                "name": name,
                "local_time": clock,
            }
        for reader_id, received in last_seen.items():
            readers.touch(db, reader_id, received)

    def _tell_hook(self, db: Database, row: taps.TapRow, result: str) -> None:
        """A failing hook (a notification that cannot be queued) costs only itself: the tap
        is stored and acknowledged all the same."""
        assert self.on_tap is not None
        try:
            with db.atomic():
                self.on_tap(db, row, result)
        except Exception as exc:
            if is_database_failure(exc):
                raise
            log.exception("the tap hook failed for %s#%s", row.reader_id, row.seq)

    def _quarantine_conflict(self, db: Database, item: _Tap, holder: taps.TapRow) -> None:
        """Another tap already holds this `(reader, seq)`: keep this one for a person to
        judge, and answer `unknown` so the reader may drop it from its journal (it is kept
        here, whole) while showing that the tap did not count."""
        row = item.row
        detail = (
            f"{row.reader_id}#{row.seq} is already stored with other content: "
            f"stored uid {holder.uid} boot {holder.boot} ms {holder.ms} t {holder.device_t} "
            f"(received {holder.received_at}); this one uid {row.uid} boot {row.boot} ms {row.ms} "
            f"t {row.device_t}"
        )
        self._quarantine(db, item.outcome, "conflict", detail, seq=row.seq)
        ack_topic = reader_topic(self.site, row.reader_id, "ack")
        item.outcome.ack = (ack_topic, ack_payload(row.seq, "unknown"))

    def _classify(self, db: Database, row: taps.TapRow) -> tuple[str, str]:
        """The tap is stored whatever happens here; a failure only costs the reader its name."""
        try:
            return self.classify(db, row)
        except Exception as exc:
            if is_database_failure(exc):
                raise
            log.exception("could not classify tap %s/%d", row.reader_id, row.seq)
            return "unknown", ""

    def _store_status(self, db: Database, reader_id: str, outcome: Outcome) -> None:
        message = outcome.message
        status = parse_status(message.payload)
        if readers.record_status(db, reader_id, status, message.received, retained=message.retain):
            outcome.result = "status"
            outcome.event = {"type": "reader", **readers.get_reader(db, reader_id)}

    def _answer_refused_tap(self, outcome: Outcome) -> None:
        """A registered reader's tap that broke the contract is answered `unknown` when its
        seq can be read, so the reader stops resending it: the firmware keeps a tap until it
        is answered, and four unanswered ones would fill its window and stop its real taps.
        The quarantine keeps the tap. A reader nobody registered gets no answer: its taps
        are stored when it is registered and resends them."""
        try:
            topic = parse_topic(outcome.message.topic)
        except BadMessage:
            return
        seq = seq_of(outcome.message.payload) if topic.kind == "tap" else None
        if seq is not None:
            outcome.ack = (reader_topic(self.site, topic.reader_id, "ack"), ack_payload(seq, "unknown"))

    def _quarantine_unstorable(self, db: Database, outcome: Outcome, exc: Exception) -> None:
        log.debug("could not store a message on %s", outcome.message.topic, exc_info=exc)
        self._quarantine(db, outcome, "unstorable", f"{type(exc).__name__}: {exc}"[:500])
        self._answer_refused_tap(outcome)

    def _quarantine(
        self, db: Database, outcome: Outcome, reason: str, detail: str, seq: int | None = None
    ) -> None:
        message = outcome.message
        try:
            reader_id: str | None = parse_topic(message.topic).reader_id
        except BadMessage:
            reader_id = None
        entry = quarantine.quarantine(
            db,
            topic=message.topic,
            payload=message.payload,
            reason=reason,
            detail=detail,
            received=message.received,
            reader_id=reader_id,
            seq=seq,
        )
        outcome.result, outcome.reason = "quarantined", reason
        self.notices.note(reader_id, reason, message.topic, detail)
        outcome.event = {"type": "quarantine", "id": entry, "reason": reason}


def is_database_failure(exc: BaseException) -> bool:
    """Did the database itself fail (disk full, I/O error, locked, read-only, corrupt)?

    Then the batch is retried as a whole. Anything else raised while storing one message
    (an integrity error, a number SQLite cannot hold, a bug) is that message's fault: it is
    quarantined on its own and the rest of the batch goes on.
    """
    failed = isinstance(exc, sqlite3.OperationalError | sqlite3.InternalError)
    return failed or type(exc) is sqlite3.DatabaseError


class QuarantineNotices:
    """The hub's log of quarantined messages, rate-limited: a hostile reader sending junk
    in a loop made 27 MB of warnings. The first message per reader and reason is logged
    whole; after that, at most once per `SUMMARY_PERIOD_S`, one line counts the rest."""

    SUMMARY_PERIOD_S = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.seen: set[tuple[str | None, str]] = set()
        self.unlogged: Counter[tuple[str | None, str]] = Counter()
        self.last_summary = clock()

    MAX_KEYS = 1000
    """Readers and reasons remembered: invented reader ids must not grow this without end."""

    def note(self, reader_id: str | None, reason: str, topic: str, detail: str) -> None:
        key = (reader_id, reason)
        if key not in self.seen and len(self.seen) < self.MAX_KEYS:
            self.seen.add(key)
            log.warning("quarantined a message on %.200s: %s: %.300s", topic, reason, detail)
        else:
            self.unlogged[key] += 1
        self.flush()

    def flush(self, *, force: bool = False) -> None:
        now = self.clock()
        if not self.unlogged or not (force or now - self.last_summary >= self.SUMMARY_PERIOD_S):
            return
        counts = ", ".join(
            f"{reader or '?'}/{reason} ×{count}" for (reader, reason), count in self.unlogged.most_common(20)
        )
        log.warning("quarantined %d more messages since the last summary: %s", self.unlogged.total(), counts)
        self.unlogged.clear()
        self.last_summary = now
