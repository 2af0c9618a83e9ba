"""What the JSON API answers, field by field: the response models its routes declare, so
`/openapi.json` documents every field a client receives.

Instants are UTC text as the database keeps them (`2026-11-02T06:58:03.120Z`), days are
`YYYY-MM-DD`. A route returns the hub's dicts; FastAPI checks them against these models and
leaves out anything a model does not name, so a field the hub adds appears in the API only
once it is documented here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field

Instant = str
"""A UTC instant as stored: `2026-11-02T06:58:03.120Z`."""
DayText = str
"""A local day: `2026-11-02`."""


class Group(BaseModel):
    id: int
    name: str
    teachers: str | None
    created_at: Instant


class GroupListed(Group):
    children: int = Field(description="Children in the group whose last day is not set")


class Child(BaseModel):
    id: int
    first_name: str
    last_name: str
    group_id: int
    group_name: str
    birth_date: DayText | None
    active_from: DayText = Field(description="The first day in the kindergarten")
    active_to: DayText | None = Field(description="The last day, once known")
    fee_exempt: bool | None = Field(description="Unset: the fee rules decide; true/false: set by hand")
    notes: str | None
    created_at: Instant


class Card(BaseModel):
    id: int
    uid: str = Field(description="Canonical hex, e.g. 04A2B3C4")
    number: str | None = Field(description="The number printed on the card")
    child_id: int
    holder: str | None = Field(description="Who carries it, e.g. mama")
    valid_from: Instant
    assigned_at: Instant
    assigned_by: str
    revoked_at: Instant | None
    revoked_by: str | None
    revoke_reason: str | None
    first_name: str
    last_name: str
    group_id: int


class UnknownCard(BaseModel):
    uid: str
    taps: int
    first_seen: Instant
    last_seen: Instant
    readers: str | None = Field(description="The readers that saw it, comma-separated")


class ChildGuardian(BaseModel):
    """A guardian as a child's page lists them."""

    id: int
    name: str
    phone: str | None
    email: str | None
    created_at: Instant
    relation: str | None


class ChildDetail(Child):
    guardians: list[ChildGuardian]
    cards: list[Card] = Field(description="Every card the child has had, revoked ones too")


class GuardianOf(BaseModel):
    child_id: int
    relation: str | None


class Guardian(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None
    created_at: Instant
    children: list[GuardianOf]


class Correction(BaseModel):
    id: int
    child_id: int
    day: DayText
    kind: str
    at: Instant | None
    target_reader: str | None
    target_seq: int | None
    target_correction: int | None
    reason: str
    author: str
    created_at: Instant
    revoked_at: Instant | None
    revoked_by: str | None
    revoke_reason: str | None


class Tap(BaseModel):
    reader_id: str
    seq: int
    uid: str
    boot: int
    ms: int
    now: int | None
    device_t: int | None
    received_at: Instant
    at: Instant | None = Field(description="The tap's time; null when the reader did not know it")
    time_quality: str


class Reader(BaseModel):
    id: str
    name: str
    mode: str
    created_at: Instant
    online: bool | None = Field(description="From its latest status; null if it never sent one")
    fw: str | None
    boot: int | None
    queue: int | None
    rssi: int | None
    heap: int | None
    up: int | None
    resets: int | None
    last_seen: Instant | None


class QuarantineEntry(BaseModel):
    id: int
    first_received_at: Instant
    last_received_at: Instant
    count: int = Field(description="How many identical messages this entry stands for")
    topic: str
    reader_id: str | None
    payload: str = Field(description="As text; bytes that are not UTF-8 escaped")
    reason: str
    detail: str | None
    resolved_at: Instant | None
    payload_size: int | None
    payload_sha256: str | None
    seq: int | None
    overflow: bool


class QuarantinePage(BaseModel):
    counts: dict[str, int] = Field(description="Unresolved messages by reason")
    entries: list[QuarantineEntry]
    next_after: int | None = Field(description="`after` for the next page; null on the last page")


class PresentChild(BaseModel):
    child_id: int
    name: str
    since: datetime | None
    certain: bool
    why: str
    brought_by: str | None


class GroupPresence(BaseModel):
    group_id: int
    group: str
    children: list[PresentChild] = Field(description="Who is in now")
    attending: int = Field(description="Children of the group attending today")
    left: int = Field(description="Came and have already gone")
    count: int = Field(description="In now")


class Event(BaseModel):
    at: Instant
    clock: str = Field(description="Local wall-clock time, HH:MM")
    source: str
    tap: str | None = Field(description="READER#SEQ")
    card_number: str | None
    card_holder: str | None
    correction: str | None = Field(description="The correction that added or moved it")


class Visit(BaseModel):
    arrival: Event | None
    departure: Event | None


class DayFlags(BaseModel):
    missing_departure: int
    missing_arrival: int
    unconfirmed_taps: list[str]
    closed_day_taps: list[str]
    outside_hours_taps: list[str]
    redundant_taps: list[str]
    rejected_corrections: list[str]


class TapOutcome(BaseModel):
    tap: str
    outcome: str


class CorrectionOutcome(BaseModel):
    id: str
    state: str
    detail: str | None


class ChildDay(BaseModel):
    child_id: int
    name: str
    group: str
    day: DayText
    status: str
    day_off: str | None
    minutes: int
    visits: list[Visit]
    flags: DayFlags
    taps: list[TapOutcome]
    corrections: list[CorrectionOutcome]


class Inconsistency(BaseModel):
    kind: str
    child_id: int | None
    day: DayText
    detail: str
    taps: list[str]
    correction_id: str | None
    card_uid: str | None


class Health(BaseModel):
    """Ingest's counters; empty when the web runs without ingest."""

    connected: bool | None = None
    stalled: bool | None = Field(None, description="A message waits uncommitted")
    oldest_waiting_s: float | None = None
    failing: bool | None = None
    last_error: str | None = None
    last_commit_at: Instant | None = None
    received: int | None = None
    stored: int | None = None
    duplicates: int | None = None
    statuses: int | None = None
    quarantined: dict[str, int] | None = Field(None, description="Messages refused, by reason")
    queued: int | None = None


Row = TypeVar("Row", bound=BaseModel)


def each(model: type[Row], rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """The hub's rows as `model`s (a route's list answer)."""
    return [model.model_validate(row) for row in rows]
