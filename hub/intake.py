"""Turning a batch of readers' messages into stored rows, inside one transaction.

This is ingest without MQTT: `handle_batch` is given the messages in arrival order and the
open database, and returns, for each message, what ingest must send once the transaction
is committed (the `ack` to the reader and an event for live pages). Taps are checked one by
one but written with a single statement, because per-message statements would make the
hub, not the broker, the bottleneck (bench/README.md).

A message that breaks the wire contract, or comes from a reader nobody registered, is kept
in the quarantine with the reason. Nothing a reader sends can make the batch fail: only the
database itself can, and then nothing was written and ingest retries the whole batch.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub import quarantine, readers, taps
from hub.timefmt import local_clock
from hub.wire import (
    BadMessage,
    TapMessage,
    ack_payload,
    parse_status,
    parse_tap,
    parse_topic,
    reader_topic,
)

log = logging.getLogger(__name__)

Classifier = Callable[[Database, taps.TapRow], tuple[str, str]]
"""Given a new, stored tap, what the reader should show: (`in`|`out`|`unknown`, a short name)."""


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

    def __init__(self, site: str, tz: ZoneInfo, classify: Classifier) -> None:
        self.site = site
        self.tz = tz
        self.classify = classify

    def handle_batch(self, db: Database, batch: list[Incoming]) -> list[Outcome]:
        """Store the batch; the caller holds the transaction and commits it."""
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
                    self._store_status(db, topic.reader_id, outcome)
                else:
                    raise BadMessage("bad_topic", f"readers may not publish on {topic.kind!r}")
            except BadMessage as bad:
                self._quarantine(db, outcome, bad.reason, bad.detail)
        self._store_taps(db, pending)
        return outcomes

    def _store_taps(self, db: Database, pending: list[_Tap]) -> None:
        if not pending:
            return
        new = taps.insert_new(db, [item.row for item in pending])
        last_seen: dict[str, datetime] = {}
        for item, is_new in zip(pending, new, strict=True):
            row = item.row
            ack_topic = reader_topic(self.site, row.reader_id, "ack")
            if not is_new:
                item.outcome.result = "duplicate"
                item.outcome.ack = (ack_topic, ack_payload(row.seq, "dup"))
                continue
            item.outcome.result = "stored"
            last_seen[row.reader_id] = item.outcome.message.received
            result, name = self._classify(db, row)
            clock = local_clock(item.at, self.tz) if item.at else ""
            item.outcome.ack = (ack_topic, ack_payload(row.seq, result, name, clock))
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

    def _classify(self, db: Database, row: taps.TapRow) -> tuple[str, str]:
        """The tap is stored whatever happens here; a failure only costs the reader its name."""
        try:
            return self.classify(db, row)
        except Exception:
            log.exception("could not classify tap %s/%d", row.reader_id, row.seq)
            return "unknown", ""

    def _store_status(self, db: Database, reader_id: str, outcome: Outcome) -> None:
        message = outcome.message
        status = parse_status(message.payload)
        if readers.record_status(db, reader_id, status, message.received, retained=message.retain):
            outcome.result = "status"
            outcome.event = {"type": "reader", **readers.get_reader(db, reader_id)}

    def _quarantine(self, db: Database, outcome: Outcome, reason: str, detail: str) -> None:
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
        )
        outcome.result, outcome.reason = "quarantined", reason
        log.warning("quarantined a message on %s: %s: %s", message.topic, reason, detail)
        outcome.event = {"type": "quarantine", "id": entry, "reason": reason}
