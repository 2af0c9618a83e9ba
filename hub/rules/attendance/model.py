"""The rules' inputs: taps, corrections and settings, as frozen, validated dataclasses.

Everything here is plain data. Constructing an object checks it (a correction without a
reason, a naive datetime, an unknown mode…) and raises `ValueError` with a sentence a
person can act on; the rules themselves never see an invalid input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ChildId = int
"""A child's id in the registry (the hub's storage assigns them)."""

TimeQuality = Literal["clock", "derived", "unknown"]
"""clock: the reader's own clock; derived: the hub's receipt time minus the reader's ticks
since the tap (same boot); unknown: no usable time, a teacher must confirm the tap."""

ReaderMode = Literal["toggle", "in", "out"]
"""What a tap on the reader means: `in` always an arrival, `out` always a departure,
`toggle` the opposite of where the child is at that moment (see the package docstring)."""

CorrectionKind = Literal["add_arrival", "add_departure", "move", "cancel", "mark_absent", "mark_present"]

TIME_QUALITIES: tuple[str, ...] = get_args(TimeQuality)
READER_MODES: tuple[str, ...] = get_args(ReaderMode)
CORRECTION_KINDS: tuple[str, ...] = get_args(CorrectionKind)

DEFAULT_TIME_ZONE = "Europe/Warsaw"


def require_aware(value: datetime, what: str) -> datetime:
    """`value` as a UTC datetime; a naive datetime is refused (its moment is ambiguous)."""
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a time-zone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _blank(text: str | None) -> bool:
    return text is None or not str(text).strip()


@dataclass(frozen=True, order=True)
class TapId:
    """A tap's identity: the reader's id and its never-repeating sequence number."""

    reader_id: str
    seq: int

    def __str__(self) -> str:
        return f"{self.reader_id}#{self.seq}"


@dataclass(frozen=True)
class Tap:
    """One tap as the rules see it; the caller has already resolved the card to a child.

    `at` is the tap's moment (normalised to UTC); it must be set unless `time_quality` is
    "unknown", and when the quality is "unknown" it is ignored by the rules (the hub may
    keep the receipt time there for display; the day a tap belongs to is the caller's
    choice, by receipt time). `mode` is the reader's mode when the tap was made.
    `card_number` (printed on the card) and `card_holder` ("mama", "babcia"…) say who
    brought or collected the child, when known. `child_id` is None only for a card that
    is assigned to nobody (see `unknown_card_items`).
    """

    reader_id: str
    seq: int
    child_id: ChildId | None
    at: datetime | None
    time_quality: TimeQuality
    mode: ReaderMode
    card_uid: str | None = None
    card_number: str | None = None
    card_holder: str | None = None

    def __post_init__(self) -> None:
        if _blank(self.reader_id):
            raise ValueError("a tap needs a reader_id")
        if not isinstance(self.seq, int) or isinstance(self.seq, bool):
            raise ValueError(f"a tap's seq must be an int, got {self.seq!r}")
        if self.time_quality not in TIME_QUALITIES:
            raise ValueError(f"time_quality must be one of {TIME_QUALITIES}, got {self.time_quality!r}")
        if self.mode not in READER_MODES:
            raise ValueError(f"mode must be one of {READER_MODES}, got {self.mode!r}")
        if self.at is not None:
            object.__setattr__(self, "at", require_aware(self.at, f"tap {self.id} at"))
        elif self.time_quality != "unknown":
            raise ValueError(
                f"tap {self.id} has time quality {self.time_quality!r} but no time; "
                "a tap without a time must have time_quality 'unknown'"
            )

    @property
    def id(self) -> TapId:
        return TapId(self.reader_id, self.seq)

    @property
    def timed(self) -> bool:
        """True when the tap's time can be used without a teacher's confirmation."""
        return self.time_quality != "unknown"


Target = TapId | str
"""What a move or cancel points at: a tap's identity, or another correction's id."""


@dataclass(frozen=True)
class Correction:
    """A teacher's correction of one child's day. Corrections never alter taps.

    kinds and their fields:
      add_arrival / add_departure  `at` required. `target` optional: a TapId of an
                                   unknown-time tap, which this correction confirms as an
                                   arrival/departure at `at` (the tap's card holder is kept).
      move                         `at` (the new time) and `target` required: the event to
                                   move, by its tap's identity or the id of the correction
                                   that added it (or of an earlier move of it).
      cancel                       `target` required, no `at`: the event is not counted;
                                   on an unconfirmed unknown-time tap it dismisses the tap.
      mark_absent / mark_present   neither `target` nor `at`: the whole day.

    `reason` is mandatory for every correction and for its revocation. A revoked correction
    (`revoked_at` set) has no effect but stays in the record.
    """

    id: str
    child_id: ChildId
    day: date
    kind: CorrectionKind
    reason: str
    author: str
    created_at: datetime
    at: datetime | None = None
    target: Target | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    def __post_init__(self) -> None:
        if _blank(self.id):
            raise ValueError("a correction needs an id")
        if self.kind not in CORRECTION_KINDS:
            raise ValueError(f"correction kind must be one of {CORRECTION_KINDS}, got {self.kind!r}")
        if _blank(self.reason):
            raise ValueError(f"correction {self.id}: a reason is required (it cannot be blank)")
        if _blank(self.author):
            raise ValueError(f"correction {self.id}: the author is required")
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise ValueError(f"correction {self.id}: day must be a date")
        object.__setattr__(
            self, "created_at", require_aware(self.created_at, f"correction {self.id} created_at")
        )
        self._check_shape()
        self._check_revocation()

    def _check_shape(self) -> None:
        kind, name = self.kind, f"correction {self.id} ({self.kind})"
        needs_at = kind in ("add_arrival", "add_departure", "move")
        if needs_at and self.at is None:
            raise ValueError(f"{name}: the time `at` is required")
        if not needs_at and self.at is not None:
            raise ValueError(f"{name}: takes no time `at`")
        if self.at is not None:
            object.__setattr__(self, "at", require_aware(self.at, f"{name} at"))
        if kind in ("move", "cancel"):
            if self.target is None:
                raise ValueError(f"{name}: a target (tap or correction id) is required")
            if not isinstance(self.target, TapId | str) or self.target == "":
                raise ValueError(f"{name}: target must be a TapId or a correction id")
            if self.target == self.id:
                raise ValueError(f"{name}: a correction cannot target itself")
        elif kind in ("add_arrival", "add_departure"):
            if self.target is not None and not isinstance(self.target, TapId):
                raise ValueError(f"{name}: the target, if any, must be an unknown-time tap's TapId")
        elif self.target is not None:
            raise ValueError(f"{name}: takes no target")

    def _check_revocation(self) -> None:
        parts = (self.revoked_at, self.revoked_by, self.revoke_reason)
        if all(p is None for p in parts):
            return
        if self.revoked_at is None or _blank(self.revoked_by) or _blank(self.revoke_reason):
            raise ValueError(
                f"correction {self.id}: a revocation needs revoked_at, revoked_by and a "
                "non-blank revoke_reason"
            )
        object.__setattr__(
            self, "revoked_at", require_aware(self.revoked_at, f"correction {self.id} revoked_at")
        )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Later corrections win: ordered by creation time, then id (a total order)."""
        return (self.created_at, self.id)


@dataclass(frozen=True)
class Settings:
    """The kindergarten's settings the rules depend on.

    `debounce_s`: taps of one child closer than this to the first tap of their burst count
    once. `opening`/`closing`: local wall-clock opening hours ([opening, closing)); a child
    still in at `closing` has a missing departure. `closed_days`: the kindergarten's own
    days off, on top of weekends and Polish public holidays.
    """

    time_zone: str = DEFAULT_TIME_ZONE
    debounce_s: int = 60
    opening: time = time(6, 30)
    closing: time = time(17, 0)
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        if not isinstance(self.debounce_s, int) or self.debounce_s < 0:
            raise ValueError(f"debounce_s must be a non-negative int, got {self.debounce_s!r}")
        if self.opening.tzinfo is not None or self.closing.tzinfo is not None:
            raise ValueError("opening and closing are local wall-clock times without tzinfo")
        if not self.opening < self.closing:
            raise ValueError(f"opening {self.opening} must be before closing {self.closing}")
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


DEFAULT_SETTINGS = Settings()
"""Europe/Warsaw, 60 s debounce, open 06:30–17:00, no closed days of its own."""
