"""A child's day in the city's view (`child_days`), computed from the taps and corrections
the city holds by the same attendance rules the site runs (hub/rules/attendance), with
the site's own debounce and hours (`site_rules`), in Europe/Warsaw.

A row holds the first arrival, the last visit's departure (none while it is open), the
minutes of the visits with both ends (as the site bills them), and `present_now`: the last
visit has an arrival and no departure. That is "in the building now" on today's row, and a
missing departure on an earlier day's; the panel reads it for today. A site's change of
its debounce applies to days recomputed after it arrives.

It is recomputed whole whenever a tap or a correction of that child and day arrives, so
the row is the pure function of what has arrived, in whatever order; the caller holds the
child's lock (`lock_child`) so two instances never compute it from half each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hub.rules.attendance import (
    DEFAULT_SETTINGS,
    Correction,
    DayResult,
    Settings,
    Tap,
    TapId,
    compute_day,
    day_bounds,
    local_day,
)

SITE_TIME_ZONE = DEFAULT_SETTINGS.time_zone
"""The sites' time zone: Polish kindergartens, Europe/Warsaw."""
CITY = "city"
"""Who the rules are told made a correction: the city never holds its author or reason."""


def lock_child(conn: Any, site: str, child_id: int) -> None:
    """Hold the child's lock until the transaction ends: their taps, corrections and days
    are written by one instance at a time (another waits, then sees what this one wrote)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [site, child_id])


def day_of(moment: datetime) -> date:
    """The site's local day of an instant (a tap's time, or its receipt if unknown)."""
    return local_day(moment, DEFAULT_SETTINGS.tz)


def site_rules(conn: Any, site: str) -> Settings:
    row = conn.execute(
        "SELECT opening, closing, debounce_s FROM site_rules WHERE site = %s", [site]
    ).fetchone()
    if row is None:
        return DEFAULT_SETTINGS
    return Settings(time_zone=SITE_TIME_ZONE, opening=row[0], closing=row[1], debounce_s=row[2])


def refresh_day(conn: Any, site: str, child_id: int, day: date, now: datetime) -> DayResult:
    """Compute the child's `day` from the stored taps and corrections and store it."""
    rules = site_rules(conn, site)
    start, end = day_bounds(day, rules.tz)
    taps = [
        Tap(reader, seq, child_id, at if quality != "unknown" else None, quality, mode)
        for reader, seq, at, quality, mode in conn.execute(
            """SELECT reader, seq, at, time_quality, mode FROM taps
               WHERE site = %s AND child_id = %s AND coalesce(at, received_at) >= %s
                 AND coalesce(at, received_at) < %s""",
            [site, child_id, start, end],
        )
    ]
    fixes = [
        correction
        for row in conn.execute(
            """SELECT correction_id, type, at, created_at, revoked, target_reader, target_seq,
                      target_correction
               FROM corrections WHERE site = %s AND child_id = %s AND day = %s""",
            [site, child_id, day],
        )
        if (correction := _correction(child_id, day, *row)) is not None
    ]
    result = compute_day(child_id, day, taps, fixes, now=now, settings=rules)
    arrivals = [visit.arrival.at for visit in result.visits if visit.arrival is not None]
    last = result.visits[-1] if result.visits else None
    conn.execute(
        """INSERT INTO child_days (site, child_id, day, arrived_at, left_at, minutes, present_now)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (site, child_id, day) DO UPDATE SET
               arrived_at = excluded.arrived_at, left_at = excluded.left_at,
               minutes = excluded.minutes, present_now = excluded.present_now""",
        [
            site,
            child_id,
            day,
            arrivals[0] if arrivals else None,
            last.departure.at if last is not None and last.departure is not None else None,
            result.minutes,
            last is not None and last.arrival is not None and last.departure is None,
        ],
    )
    return result


def _correction(
    child_id: int,
    day: date,
    correction_id: int,
    kind: str,
    at: datetime | None,
    created_at: datetime | None,
    revoked: bool,
    target_reader: str | None,
    target_seq: int | None,
    target_correction: int | None,
) -> Correction | None:
    """The rules' correction from the city's row; None for one the rules could not take (a
    move or cancel whose target a site did not send): the rules would reject it anyway."""
    target: TapId | str | None = None
    if target_reader is not None and target_seq is not None:
        target = TapId(target_reader, target_seq)
    elif target_correction is not None:
        target = str(target_correction)
    created = created_at or datetime.min.replace(tzinfo=UTC)
    try:
        return Correction(
            id=str(correction_id),
            child_id=child_id,
            day=day,
            kind=kind,  # type: ignore[arg-type]
            reason=CITY,
            author=CITY,
            created_at=created,
            at=at,
            target=target,
            revoked_at=created if revoked else None,
            revoked_by=CITY if revoked else None,
            revoke_reason=CITY if revoked else None,
        )
    except ValueError:
        return None
