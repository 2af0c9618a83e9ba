"""The inconsistency log ("dziennik niezgodności"): what someone has to resolve.

Each item names where it is resolved: the child's day (`child_id` + `day`), or for an
unknown card the card (`card_uid` + `day`: assign it to a child and that day's taps are
attributed). Items are derived, never stored: once resolved (a correction, a card
assignment) they no longer come out of the computation, and nothing is ever deleted.

Not items, only day flags: taps outside opening hours and redundant taps (they explain a
day, they need no action).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from hub.rules.attendance.model import DEFAULT_SETTINGS, ChildId, Settings, Tap, TapId, require_aware
from hub.rules.attendance.result import DayResult, Visit

InconsistencyKind = Literal[
    "missing_departure",
    "missing_arrival",
    "unconfirmed_tap",
    "closed_day_tap",
    "inactive_child_tap",
    "rejected_correction",
    "correction_after_close",
    "unknown_card",
    "conflicting_tap",
    "kiosk_record",
]
KIND_ORDER: tuple[str, ...] = InconsistencyKind.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Inconsistency:
    """One item of the log. `detail` is a short English sentence for logs; a UI should
    label items by `kind` and use the structured fields (taps, correction, card)."""

    kind: InconsistencyKind
    child_id: ChildId | None
    day: date
    detail: str
    taps: tuple[TapId, ...] = ()
    correction_id: str | None = None
    card_uid: str | None = None

    @property
    def sort_key(self) -> tuple[date, int, int, str, tuple[TapId, ...], str]:
        child = -1 if self.child_id is None else self.child_id
        return (
            self.day,
            child,
            KIND_ORDER.index(self.kind),
            self.card_uid or "",
            self.taps,
            self.correction_id or "",
        )


def _clock(at: datetime | None, tz: ZoneInfo) -> str:
    return "?" if at is None else at.astimezone(tz).strftime("%H:%M")


def _visit_taps(visit: Visit) -> tuple[TapId, ...]:
    return tuple(e.tap for e in (visit.arrival, visit.departure) if e is not None and e.tap)


def day_inconsistencies(
    result: DayResult,
    *,
    active_from: date | None = None,
    active_to: date | None = None,
    month_closed_at: datetime | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[Inconsistency]:
    """The log items one computed day gives rise to.

    `active_from`/`active_to` (inclusive, None = open-ended) are the child's registration;
    any tap on a day outside it is an item. `month_closed_at`, when the day's month has been
    closed, makes every correction created or revoked after that instant an item.
    """
    tz = settings.tz
    child, day = result.child_id, result.day
    items: list[Inconsistency] = []

    def add(kind: InconsistencyKind, detail: str, **kw: object) -> None:
        items.append(Inconsistency(kind, child, day, detail, **kw))  # type: ignore[arg-type]

    for v in result.flags.missing_departure:
        assert v.arrival is not None
        add("missing_departure", f"arrived {_clock(v.arrival.at, tz)}, no departure", taps=_visit_taps(v))
    for v in result.flags.missing_arrival:
        assert v.departure is not None
        add("missing_arrival", f"departed {_clock(v.departure.at, tz)}, no arrival", taps=_visit_taps(v))
    for tap in result.flags.unconfirmed_taps:
        add("unconfirmed_tap", f"tap {tap.id} has an unknown time; confirm or dismiss it", taps=(tap.id,))
    if result.flags.closed_day_taps:
        add("closed_day_tap", f"taps on a day off ({result.day_off})", taps=result.flags.closed_day_taps)
    outside = (active_from is not None and day < active_from) or (active_to is not None and day > active_to)
    if outside and result.tap_outcomes:
        add(
            "inactive_child_tap",
            f"taps while the child is not registered (active {active_from or '…'} to {active_to or '…'})",
            taps=tuple(o.tap for o in result.tap_outcomes),
        )
    for o in result.flags.rejected_corrections:
        add(
            "rejected_correction",
            f"correction {o.correction_id} not applied: {o.detail}",
            correction_id=o.correction_id,
        )
    if month_closed_at is not None:
        closed = require_aware(month_closed_at, "month_closed_at")
        for c in result.corrections:
            if c.created_at > closed:
                add(
                    "correction_after_close",
                    f"correction {c.id} made after the month was closed",
                    correction_id=c.id,
                )
            elif c.revoked_at is not None and c.revoked_at > closed:
                add(
                    "correction_after_close",
                    f"correction {c.id} revoked after the month was closed",
                    correction_id=c.id,
                )
    return sorted(items, key=lambda i: i.sort_key)


def unknown_card_items(
    day: date, taps: Iterable[Tap], settings: Settings = DEFAULT_SETTINGS
) -> list[Inconsistency]:
    """One item per unassigned card seen on `day`, listing its taps (in time order).

    `taps` are that day's taps whose card is assigned to nobody (`child_id` None).
    """
    tz = settings.tz
    by_card: dict[str, dict[TapId, Tap]] = {}
    for tap in taps:
        if tap.child_id is not None:
            raise ValueError(f"tap {tap.id} is attributed to child {tap.child_id}")
        by_card.setdefault(tap.card_uid or "?", {})[tap.id] = tap
    items = []
    for uid, found in by_card.items():
        ordered = sorted(found.values(), key=lambda t: (t.at is None, t.at or 0, t.id))
        first = ordered[0].at if ordered[0].timed else None
        items.append(
            Inconsistency(
                "unknown_card",
                None,
                day,
                f"card {uid} tapped {len(ordered)}× (first at {_clock(first, tz)}), assigned to nobody",
                taps=tuple(t.id for t in ordered),
                card_uid=None if uid == "?" else uid,
            )
        )
    return sorted(items, key=lambda i: i.sort_key)
