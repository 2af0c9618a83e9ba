"""Debounce: a burst of taps of one child counts once.

The window is anchored at the first tap of a burst, not slid along it: with a 60 s window,
taps at 0 s, 30 s, 59 s and 61 s count twice (0 s and 61 s), never once for a card held near
the reader for minutes. A tap exactly `window` after the burst's first tap starts a new
burst. Bursts span readers and modes: it is the same child. Only timed taps are debounced,
by their own times (corrections do not move a tap into or out of a burst).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from hub.rules.attendance.model import Tap, TapId


def tap_order(tap: Tap) -> tuple[object, ...]:
    """The total order of timed taps: time, then reader id, then sequence number."""
    assert tap.at is not None
    return (tap.at, tap.reader_id, tap.seq)


@dataclass(frozen=True)
class Debounced:
    """The taps that count, and for each swallowed tap the counted tap it was folded into."""

    counted: tuple[Tap, ...]
    folded: dict[TapId, TapId]


def debounce(taps: Sequence[Tap], window_s: int) -> Debounced:
    """Fold bursts of timed `taps` (any order, no duplicates) into their first tap."""
    ordered = sorted((t for t in taps if t.timed), key=tap_order)
    window = timedelta(seconds=window_s)
    counted: list[Tap] = []
    folded: dict[TapId, TapId] = {}
    for tap in ordered:
        assert tap.at is not None
        anchor = counted[-1] if counted else None
        if anchor is not None and anchor.at is not None and tap.at - anchor.at < window:
            folded[tap.id] = anchor.id
        else:
            counted.append(tap)
    return Debounced(tuple(counted), folded)
