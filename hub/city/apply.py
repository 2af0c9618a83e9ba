"""One message of the stream into the city's PostgreSQL view, exactly once.

In one transaction: the event is inserted into `events` by (site, key), and only if it
was not there yet is it applied to the view (the site's `sites` row, a tap, a child, a
group, a correction, the site's rules, its own fee entries (`hub.city.fee_resolution`), a
closed month's statements, the site's receivables summed, and the child's day recomputed).
The caller acknowledges the message only after this commits, so a message delivered again
(a lost ack, a restarted instance, two instances) changes nothing.

A later state of a child, group, correction, the site's rules or its receivables replaces
an earlier one only if its change id (the site's audit id) is larger, so changes applied
out of order by several instances end in the same state. A message that is no event is
kept in `rejected_events` with why (once by its stream sequence), and the service goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hub.city.apply_days import day_of, lock_child, refresh_day
from hub.city.apply_events import (
    ChildEvent,
    CorrectionEvent,
    FeesEvent,
    GroupEvent,
    MonthEvent,
    Receivables,
    ReceivablesEvent,
    Rejected,
    SettingsEvent,
    TapEvent,
    read_event,
)
from hub.city.fee_resolution import apply_fees_event
from hub.timefmt import utc_now

log = logging.getLogger(__name__)

KEPT_BYTES = 4096
"""How much of a rejected message is kept (with its full size): enough to see what it was."""


def apply_event(conn: psycopg.Connection[Any], subject: str, stream_seq: int, data: bytes) -> bool:
    """Store one message of the stream; True if it was a new event (False: seen before, or
    rejected). `conn` is in autocommit mode: this opens and commits its own transaction.
    PostgreSQL being unreachable raises `psycopg.OperationalError` (nothing is stored: the
    caller tries again, and does not acknowledge)."""
    try:
        event, payload = read_event(subject, data)
        with conn.transaction():
            return _apply(conn, event, payload, subject, stream_seq)
    except Rejected as why:
        reason = str(why)
    except (psycopg.DataError, psycopg.IntegrityError) as error:
        reason = f"PostgreSQL refused it: {error}".splitlines()[0]
    reject(conn, subject, stream_seq, data, reason)
    return False


def reject(conn: psycopg.Connection[Any], subject: str, stream_seq: int, data: bytes, reason: str) -> None:
    log.warning("city: message %s on %r rejected: %s", stream_seq, subject[:200], reason)
    with conn.transaction():
        conn.execute(
            """INSERT INTO rejected_events (stream_seq, subject, reason, size, data)
               VALUES (%s, %s, %s, %s, %s) ON CONFLICT (stream_seq) DO NOTHING""",
            [stream_seq, _printable(subject), _printable(reason), len(data), data[:KEPT_BYTES]],
        )


def _printable(text: str) -> str:
    return text.replace("\x00", "\\0")[:2000]


def _apply(
    conn: psycopg.Connection[Any], event: Any, payload: dict[str, Any], subject: str, seq: int
) -> bool:
    child = _child_of(event)
    if child is not None:
        lock_child(conn, event.site, child)
    new = conn.execute(
        """INSERT INTO events (site, key, subject, stream_seq, payload) VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (site, key) DO NOTHING RETURNING 1""",
        [event.site, event.key, subject, seq, Jsonb(payload)],
    ).fetchone()
    if new is None:
        return False
    if isinstance(event, MonthEvent):
        _month(conn, event, payload["statements"])
        if event.receivables is not None:
            _store_receivables(conn, event.site, event.receivables, event.change_id)
    else:
        APPLY[type(event)](conn, event)
    conn.execute(
        """INSERT INTO sites (site, last_event_at) VALUES (%s, %s)
           ON CONFLICT (site) DO UPDATE
           SET last_event_at = greatest(sites.last_event_at, excluded.last_event_at)""",
        [event.site, event.received_at if isinstance(event, TapEvent) else event.at],
    )
    return True


def _child_of(event: Any) -> int | None:
    """The child whose day the event changes (their lock is taken before anything else)."""
    if isinstance(event, TapEvent):
        return event.child
    if isinstance(event, CorrectionEvent) and event.correction is not None:
        return event.correction.child
    return None


def _tap(conn: psycopg.Connection[Any], tap: TapEvent) -> None:
    conn.execute(
        """INSERT INTO taps (site, reader, seq, at, received_at, time_quality, child_id, mode)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        [tap.site, tap.reader, tap.seq, tap.at, tap.received_at, tap.time_quality, tap.child, tap.mode],
    )
    if tap.child is not None:
        _refresh(conn, tap.site, tap.child, tap.at or tap.received_at)


def _refresh(conn: psycopg.Connection[Any], site: str, child: int, moment: datetime) -> None:
    refresh_day(conn, site, child, day_of(moment), utc_now())


def _child(conn: psycopg.Connection[Any], event: ChildEvent) -> None:
    if event.child is None:  # gone from the site before the change was sent: a later one says more
        return
    state = event.child
    conn.execute(
        """INSERT INTO children (site, child_id, group_id, birth_year, active_from, active_to, change_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (site, child_id) DO UPDATE SET
               group_id = excluded.group_id, birth_year = excluded.birth_year,
               active_from = excluded.active_from, active_to = excluded.active_to,
               change_id = excluded.change_id
           WHERE children.change_id < excluded.change_id""",
        [
            event.site,
            state.id,
            state.group,
            state.birth_year,
            state.active_from,
            state.active_to,
            event.change_id,
        ],
    )


def _group(conn: psycopg.Connection[Any], event: GroupEvent) -> None:
    if event.group is None:
        return
    conn.execute(
        """INSERT INTO groups (site, group_id, name, change_id) VALUES (%s, %s, %s, %s)
           ON CONFLICT (site, group_id) DO UPDATE SET name = excluded.name, change_id = excluded.change_id
           WHERE groups.change_id < excluded.change_id""",
        [event.site, event.group.id, event.group.name, event.change_id],
    )


def _correction(conn: psycopg.Connection[Any], event: CorrectionEvent) -> None:
    state = event.correction
    if state is None:
        return
    target = state.target
    reader = getattr(target, "reader", None)
    target_seq = getattr(target, "seq", None)
    target_correction = getattr(target, "correction", None)
    conn.execute(
        """INSERT INTO corrections (site, correction_id, child_id, day, type, at, revoked, change_id,
                                    created_at, target_reader, target_seq, target_correction)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (site, correction_id) DO UPDATE SET
               child_id = excluded.child_id, day = excluded.day, type = excluded.type, at = excluded.at,
               revoked = excluded.revoked, change_id = excluded.change_id,
               created_at = excluded.created_at, target_reader = excluded.target_reader,
               target_seq = excluded.target_seq, target_correction = excluded.target_correction
           WHERE corrections.change_id < excluded.change_id""",
        [
            event.site, state.id, state.child, state.day, state.type, state.at, state.revoked,
            event.change_id, state.created_at or event.at, reader, target_seq, target_correction,
        ],
    )  # fmt: skip
    refresh_day(conn, event.site, state.child, state.day, utc_now())


def _settings(conn: psycopg.Connection[Any], event: SettingsEvent) -> None:
    """The site's rules from now on (days already computed keep theirs until refreshed)."""
    rules = event.settings
    conn.execute(
        """INSERT INTO site_rules (site, opening, closing, debounce_s, change_id) VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (site) DO UPDATE SET opening = excluded.opening, closing = excluded.closing,
               debounce_s = excluded.debounce_s, change_id = excluded.change_id
           WHERE site_rules.change_id < excluded.change_id""",
        [event.site, rules.opening, rules.closing, rules.debounce_s, event.change_id],
    )


def _month(conn: psycopg.Connection[Any], event: MonthEvent, sent: list[dict[str, Any]]) -> None:
    """Each statement the closing recorded, a version of its own (a re-billed month adds one),
    its figures summed from the billed days, and the billed JSON kept as `sent`."""
    with conn.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO statements (site, year, month, child_id, version, stay_fee, meals_charged,
                                       meals_refunded, minutes_billed, days_billed, billed)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            [
                [
                    event.site, row.year, row.month, row.child, row.version, row.billed.stay_fee,
                    row.billed.meals_charged, row.billed.meals_refunded,
                    sum(day.minutes_billed for day in row.billed.days),
                    sum(1 for day in row.billed.days if day.minutes_billed > 0),
                    Jsonb(raw["billed"]),
                ]
                for row, raw in zip(event.statements, sent, strict=True)
            ],
        )  # fmt: skip


def _receivables(conn: psycopg.Connection[Any], event: ReceivablesEvent) -> None:
    _store_receivables(conn, event.site, event.receivables, event.change_id)


def _store_receivables(conn: psycopg.Connection[Any], site: str, state: Receivables, change_id: int) -> None:
    """The site's ledgers summed, replaced only by a later change."""
    conn.execute(
        """INSERT INTO site_receivables (site, as_of, due, paid, arrears, children_in_arrears, change_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (site) DO UPDATE SET as_of = excluded.as_of, due = excluded.due,
               paid = excluded.paid, arrears = excluded.arrears,
               children_in_arrears = excluded.children_in_arrears, change_id = excluded.change_id
           WHERE site_receivables.change_id < excluded.change_id""",
        [
            site, state.as_of, state.amount("due"), state.amount("paid"), state.amount("arrears"),
            state.children_in_arrears, change_id,
        ],
    )  # fmt: skip


APPLY: dict[type, Callable[[psycopg.Connection[Any], Any], None]] = {
    TapEvent: _tap,
    ChildEvent: _child,
    GroupEvent: _group,
    CorrectionEvent: _correction,
    SettingsEvent: _settings,
    FeesEvent: apply_fees_event,
    ReceivablesEvent: _receivables,
}
