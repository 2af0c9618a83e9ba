"""Helpers shared by the attendance tests: local times, taps and corrections in one line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from hub.rules.attendance import Correction, DayResult, Tap, TapId

WARSAW = ZoneInfo("Europe/Warsaw")
CHILD = 7
MONDAY = date(2026, 11, 23)
CREATED = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def local(hhmm: str, day: date = MONDAY, fold: int = 0) -> datetime:
    """`"07:42"` or `"07:42:30"` on `day`, Warsaw wall clock, as an aware datetime."""
    parts = [int(p) for p in hhmm.split(":")]
    return datetime.combine(day, time(*parts, fold=fold), tzinfo=WARSAW)


def tap(
    seq: int,
    hhmm: str | None,
    mode: str = "toggle",
    reader: str = "door",
    day: date = MONDAY,
    quality: str | None = None,
    holder: str | None = None,
    child: int | None = CHILD,
    fold: int = 0,
) -> Tap:
    at = None if hhmm is None else local(hhmm, day, fold)
    return Tap(
        reader_id=reader,
        seq=seq,
        child_id=child,
        at=at,
        time_quality=quality or ("unknown" if at is None else "clock"),  # type: ignore[arg-type]
        mode=mode,  # type: ignore[arg-type]
        card_uid="04A2B3C4D5E680",
        card_number="12",
        card_holder=holder,
    )


def corr(
    cid: str,
    kind: str,
    hhmm: str | None = None,
    target: TapId | str | None = None,
    day: date = MONDAY,
    created: datetime = CREATED,
    revoked: datetime | None = None,
) -> Correction:
    return Correction(
        id=cid,
        child_id=CHILD,
        day=day,
        kind=kind,  # type: ignore[arg-type]
        reason="forgot to tap",
        author="p.nowak",
        created_at=created,
        at=None if hhmm is None else local(hhmm, day),
        target=target,
        revoked_at=revoked,
        revoked_by="dyrektor" if revoked else None,
        revoke_reason="entered by mistake" if revoked else None,
    )


def hm(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(WARSAW).strftime("%H:%M")


def spans(result: DayResult) -> list[tuple[str | None, str | None]]:
    """The visits as (arrival, departure) local "HH:MM" pairs."""
    return [
        (hm(v.arrival.at) if v.arrival else None, hm(v.departure.at) if v.departure else None)
        for v in result.visits
    ]
