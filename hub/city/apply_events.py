"""The city service reads each message of the stream as one of the site's events
(hub/city/events.py), checked field by field before anything is stored.

A message that is not such an event (not JSON, an unknown kind, a missing or malformed
field, a site that is not the one its subject names, a key that does not name what it
carries) is refused with `Rejected` and a sentence saying why; the service keeps it aside
(`rejected_events`) and goes on. Nothing here touches PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from hub.refusal import Refusal
from hub.rules.attendance.model import CorrectionKind, ReaderMode, TimeQuality
from hub.store.fee_document import resolution_entries

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
"""A site's or a reader's id, as the site allows them (hub/config.py, hub/wire.py)."""
Id = Annotated[int, Field(ge=0, lt=2**31)]
"""A site's row id (PostgreSQL `integer`)."""
Seq = Annotated[int, Field(ge=0, lt=2**63)]
Money = Annotated[Decimal, Field(ge=-(10**9), le=10**9, allow_inf_nan=False)]
"""An amount in złoty, as the site wrote it (PostgreSQL keeps it to the grosz)."""

MAX_TEXT = 200
"""The longest text field an event carries (a group's name)."""


class Rejected(ValueError):
    """The message is no event the city can store; the sentence says why."""


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


class TapEvent(Strict):
    kind: Literal["tap"]
    site: Name
    key: str
    reader: Name
    seq: Seq
    at: AwareDatetime | None
    received_at: AwareDatetime
    time_quality: TimeQuality
    child: Id | None
    mode: ReaderMode = "toggle"

    @model_validator(mode="after")
    def _timed_has_a_time(self) -> TapEvent:
        if self.at is None and self.time_quality != "unknown":
            raise ValueError(f"a tap of time quality {self.time_quality!r} needs its time (at)")
        return self

    @property
    def expected_key(self) -> str:
        return f"tap:{self.reader}:{self.seq}"


class ChildState(Strict):
    id: Id
    group: Id | None
    birth_year: Annotated[int, Field(ge=1900, le=2200)] | None
    active_from: date | None
    active_to: date | None


class GroupState(Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class TapTarget(Strict):
    reader: Name
    seq: Seq


class CorrectionTarget(Strict):
    correction: Id


class CorrectionState(Strict):
    id: Id
    child: Id
    day: date
    type: CorrectionKind
    at: AwareDatetime | None
    revoked: bool
    created_at: AwareDatetime | None = None
    target: TapTarget | CorrectionTarget | None = None


class SettingsState(Strict):
    opening: time
    closing: time
    debounce_s: Annotated[int, Field(ge=0, le=3600)]

    @model_validator(mode="after")
    def _opens_before_closing(self) -> SettingsState:
        if self.opening.tzinfo is not None or self.closing.tzinfo is not None:
            raise ValueError("opening and closing are wall-clock times, without a time zone")
        if not self.opening < self.closing:
            raise ValueError("the opening must be before the closing")
        return self


class BilledDay(Strict):
    minutes_billed: Annotated[int, Field(ge=0, le=24 * 60 + 60)]


class Billed(Strict):
    stay_fee: Money
    meals_charged: Money
    meals_refunded: Money
    days: list[BilledDay]


class Statement(Strict):
    year: Annotated[int, Field(ge=2000, le=2200)]
    month: Annotated[int, Field(ge=1, le=12)]
    child: Id
    version: Annotated[int, Field(ge=1, lt=2**31)]
    billed: Billed


class Change(Strict):
    site: Name
    key: str
    at: AwareDatetime
    action: Annotated[str, Field(max_length=MAX_TEXT)]

    @property
    def change_id(self) -> int:
        """The site's audit id, from the key `change:<id>`: a later change has a larger one."""
        return int(self.key.removeprefix("change:"))

    @property
    def key_is_valid(self) -> bool:
        number = self.key.removeprefix("change:")
        return self.key.startswith("change:") and number.isascii() and number.isdigit() and len(number) < 19


class ChildEvent(Change):
    kind: Literal["child"]
    child: ChildState | None


class GroupEvent(Change):
    kind: Literal["group"]
    group: GroupState | None


class CorrectionEvent(Change):
    kind: Literal["correction"]
    correction: CorrectionState | None


class SettingsEvent(Change):
    kind: Literal["settings"]
    settings: SettingsState


Amount = Annotated[str, Field(pattern=r"^-?[0-9]{1,10}\.[0-9]{2}$")]
"""An amount in złoty written as a string to the grosz (`"12.50"`): a JSON number would pass
through a binary float."""


class Receivables(Strict):
    """A site's ledgers summed (hub/city/events.py `receivables`)."""

    as_of: date
    due: Amount
    paid: Amount
    arrears: Annotated[str, Field(pattern=r"^[0-9]{1,10}\.[0-9]{2}$")]
    children_in_arrears: Annotated[int, Field(ge=0, lt=2**31)]

    def amount(self, name: str) -> Decimal:
        return Decimal(getattr(self, name))


class ReceivablesEvent(Change):
    kind: Literal["receivables"]
    receivables: Receivables


class MonthEvent(Change):
    kind: Literal["month"]
    month: Annotated[str, Field(max_length=MAX_TEXT)]
    statements: list[Statement]
    receivables: Receivables | None = None
    """The ledgers after the month was posted (a site older than this sends none)."""


class FeesOverride(Strict):
    """A site's own fee entries from one date, in the resolution's form (hub/store/fee_document.py)."""

    valid_from: date
    document: dict[str, Any]

    @model_validator(mode="after")
    def _readable(self) -> FeesOverride:
        try:
            resolution_entries(self.document, self.valid_from)
        except Refusal as why:
            raise ValueError(str(why)) from None
        return self


class FeesEvent(Change):
    kind: Literal["fees"]
    fees: list[FeesOverride]


CityEvent = Annotated[
    TapEvent
    | ChildEvent
    | GroupEvent
    | CorrectionEvent
    | SettingsEvent
    | MonthEvent
    | FeesEvent
    | ReceivablesEvent,
    Field(discriminator="kind"),
]
FEEDS = {
    "tap": "taps",
    **dict.fromkeys(("child", "group", "correction", "settings", "month", "fees", "receivables"), "changes"),
}
"""Which subject of its site each kind of event comes on."""

_EVENT = TypeAdapter[Any](CityEvent)


def read_event(subject: str, data: bytes) -> tuple[Any, dict[str, Any]]:
    """The event a message carries and its JSON object as sent, or `Rejected` saying why."""
    try:
        payload = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Rejected("not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as error:
        raise Rejected(f"not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Rejected("not a JSON object")
    if _holds_nul(payload):
        raise Rejected("a text holds a NUL character, which PostgreSQL cannot store")
    kind = payload.get("kind")
    if kind not in FEEDS:
        raise Rejected(f"unknown kind of event: {str(kind)[:MAX_TEXT]!r}")
    try:
        event = _EVENT.validate_json(data)
    except ValidationError as error:
        raise Rejected(_sentence(error)) from None
    parts = subject.split(".")
    if len(parts) != 3 or parts[0] != "city" or parts[1] != event.site or parts[2] != FEEDS[kind]:
        raise Rejected(f"the subject {subject[:MAX_TEXT]!r} is not city.{event.site}.{FEEDS[kind]}")
    if isinstance(event, TapEvent) and event.key != event.expected_key:
        raise Rejected(f"the key {event.key[:MAX_TEXT]!r} is not {event.expected_key!r}")
    if isinstance(event, Change) and not event.key_is_valid:
        raise Rejected(f"the key {event.key[:MAX_TEXT]!r} is not change:<id>")
    return event, payload


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _sentence(error: ValidationError) -> str:
    """Pydantic's findings as one line: each field's place and what is wrong with it."""
    found = [f"{'.'.join(map(str, item['loc'])) or 'event'}: {item['msg']}" for item in error.errors()[:5]]
    return "; ".join(found)[:1000]
