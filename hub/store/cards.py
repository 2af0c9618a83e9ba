"""Cards: which child a card's UID stands for, since when, and until when.

A card is assigned to one child at a time, from `valid_from` (an instant) until it is
revoked; revoking keeps the row, so old taps stay attributed. A tap belongs to the child
whose card with that UID was valid at the tap's time (for an unknown-time tap: at its
receipt). Assigning a card seen as unknown makes it valid from the start of that day, so
the child's earlier taps of the day are attributed too.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store import audit, system_messages
from hub.store.db import inserted_id
from hub.store.registry import get_child
from hub.timefmt import from_db, local_day_bounds, to_db, utc_now
from hub.wire import UID_PATTERN

TAP_INSTANT = "coalesce(t.at, t.received_at)"
"""When a tap counts for attribution and for days: its time, or its receipt if unknown."""


def normalise_uid(uid: str) -> str:
    """Accept `04:a2:b3:c4`, `04 A2 B3 C4` or `04a2b3c4`; return the canonical `04A2B3C4`."""
    canonical = "".join(ch for ch in uid.strip().upper() if ch not in ": -")
    if not UID_PATTERN.match(canonical):
        raise Refusal(
            "card.bad_uid",
            N_("A card's UID has 8, 14 or 20 hexadecimal digits, not “%(uid)s”."),
            uid=uid.strip(),
        )
    return canonical


def assign_card(
    db: Database,
    *,
    uid: str,
    child_id: int,
    author: str,
    number: str = "",
    holder: str = "",
    valid_from: datetime | None = None,
) -> dict[str, Any]:
    """Give a card to a child. Refused while the UID is assigned to anyone."""
    canonical = normalise_uid(uid)
    get_child(db, child_id)
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    active = active_card(db, canonical)
    if active:
        raise Refusal(
            "card.assigned",
            N_("Card %(uid)s is already assigned to %(child)s; revoke it first."),
            uid=canonical,
            child=f"{active['first_name']} {active['last_name']}",
            card_id=active["id"],
        )
    now = utc_now()
    try:
        with db.atomic():
            card_id = inserted_id(
                db.table("cards").insert(
                    {
                        "uid": canonical,
                        "number": number.strip() or None,
                        "child_id": child_id,
                        "holder": holder.strip() or None,
                        "valid_from": to_db(valid_from or now),
                        "assigned_at": to_db(now),
                        "assigned_by": author.strip(),
                    }
                )
            )
            card = get_card(db, card_id)
            audit.record(db, actor=author, action="card.assign", entity="card", entity_id=card_id, after=card)
            system_messages.card_assigned(
                db,
                child_id=child_id,
                child_name=f"{card['first_name']} {card['last_name']}",
                number=card["number"],
            )
    except sqlite3.IntegrityError as exc:  # another assignment won the race
        raise Refusal(
            "card.assigned_meanwhile", N_("Card %(uid)s was just assigned to someone else."), uid=canonical
        ) from exc
    return card


def assign_card_from_day(
    db: Database,
    *,
    uid: str,
    child_id: int,
    author: str,
    day: date,
    tz: ZoneInfo,
    number: str = "",
    holder: str = "",
) -> dict[str, Any]:
    """Assign a card valid from the start of local `day`: a card seen as unknown today then
    takes its earlier taps of the day; a card handed out earlier takes them since then."""
    start, _ = local_day_bounds(day, day, tz)
    canonical = normalise_uid(uid)
    revoked_later = db.execute(
        "SELECT 1 FROM cards WHERE uid = ? AND revoked_at > ?", [canonical, start]
    ).fetchone()
    if revoked_later:
        raise Refusal(
            "card.later_owner",
            N_("Card %(uid)s belonged to another child after %(day)s; assign it from a later day or now."),
            uid=canonical,
            day=day.isoformat(),
        )
    return assign_card(
        db,
        uid=canonical,
        child_id=child_id,
        author=author,
        number=number,
        holder=holder,
        valid_from=from_db(start),
    )


def revoke_card(db: Database, card_id: int, *, author: str, reason: str) -> dict[str, Any]:
    card = get_card(db, card_id)
    if card["revoked_at"]:
        raise Refusal(
            "card.revoked",
            N_("Card %(id)s was already revoked on %(when)s."),
            id=card_id,
            when=card["revoked_at"],
        )
    if not reason.strip() or not author.strip():
        raise Refusal("revocation.incomplete", N_("A revocation needs a reason and who makes it."))
    with db.atomic():
        db.table("cards").update(
            card_id,
            {"revoked_at": to_db(utc_now()), "revoked_by": author.strip(), "revoke_reason": reason.strip()},
        )
        after = get_card(db, card_id)
        audit.record(
            db, actor=author, action="card.revoke", entity="card", entity_id=card_id, before=card, after=after
        )
    return after


def get_card(db: Database, card_id: int) -> dict[str, Any]:
    rows = list(db.query(CARD_QUERY + " WHERE k.id = ?", [card_id]))
    if not rows:
        raise Refusal("card.not_found", N_("There is no card with id %(id)s."), id=card_id)
    return rows[0]


def active_card(db: Database, uid: str) -> dict[str, Any] | None:
    rows = list(db.query(CARD_QUERY + " WHERE k.uid = ? AND k.revoked_at IS NULL", [uid]))
    return rows[0] if rows else None


def list_cards(
    db: Database, child_id: int | None = None, include_revoked: bool = False
) -> list[dict[str, Any]]:
    where, params = [], []
    if child_id is not None:
        where.append("k.child_id = ?")
        params.append(child_id)
    if not include_revoked:
        where.append("k.revoked_at IS NULL")
    sql = (
        CARD_QUERY
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY c.last_name COLLATE polish, c.first_name COLLATE polish, k.id"
    )
    return list(db.query(sql, params))


def child_for_tap(db: Database, uid: str, instant: str) -> dict[str, Any] | None:
    """The card (with its child) valid for `uid` at the stored instant `instant`."""
    rows = list(
        db.query(
            CARD_QUERY
            + " WHERE k.uid = ? AND k.valid_from <= ? AND (k.revoked_at IS NULL OR k.revoked_at > ?)",
            [uid, instant, instant],
        )
    )
    return rows[0] if rows else None


def unknown_cards(db: Database, since: str) -> list[dict[str, Any]]:
    """Recently seen cards that are still nobody's: one line per UID, newest first, with the
    taps no card row explains, the readers' ids (`readers`) and names (`reader_names`).

    A card given to a child since (its earlier taps, made before, stay unexplained) is no
    longer unknown: it has a holder now, and it is listed with the cards in use."""
    return list(
        db.query(
            f"""SELECT t.uid, count(*) AS taps, min({TAP_INSTANT}) AS first_seen,
                       max({TAP_INSTANT}) AS last_seen, group_concat(DISTINCT t.reader_id) AS readers,
                       group_concat(DISTINCT coalesce(r.name, t.reader_id)) AS reader_names
                FROM taps t LEFT JOIN readers r ON r.id = t.reader_id
                WHERE {TAP_INSTANT} >= :since AND NOT EXISTS (
                    SELECT 1 FROM cards k WHERE k.uid = t.uid AND k.valid_from <= {TAP_INSTANT}
                      AND (k.revoked_at IS NULL OR k.revoked_at > {TAP_INSTANT}))
                  AND NOT EXISTS (SELECT 1 FROM cards k WHERE k.uid = t.uid AND k.revoked_at IS NULL)
                GROUP BY t.uid ORDER BY last_seen DESC, t.uid""",
            {"since": since},
        )
    )


def seen_uids(db: Database, start: str, limit: int = 3) -> list[str]:
    """Card UIDs assigned or tapped so far that begin with the hex `start` (the whole UID
    included), at most `limit`: a range over the `uid` indexes (hex digits sort before "G")."""
    bounds = {"start": start, "end": start + "G", "limit": limit}
    return [
        row["uid"]
        for row in db.query(
            """SELECT uid FROM cards WHERE uid >= :start AND uid < :end
               UNION SELECT uid FROM taps WHERE uid >= :start AND uid < :end
               ORDER BY uid LIMIT :limit""",
            bounds,
        )
    ]


CARD_QUERY = (
    """SELECT k.*, c.first_name, c.last_name, c.group_id FROM cards k JOIN children c ON c.id = k.child_id"""
)


def attributed_taps(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Taps in [start, end) with the child each belongs to (None for an unknown card)."""
    return list(
        db.query(
            f"""SELECT t.*, k.child_id, k.holder, c.first_name, c.last_name
                FROM taps t
                LEFT JOIN cards k ON k.uid = t.uid AND k.valid_from <= {TAP_INSTANT}
                     AND (k.revoked_at IS NULL OR k.revoked_at > {TAP_INSTANT})
                LEFT JOIN children c ON c.id = k.child_id
                WHERE {TAP_INSTANT} >= :start AND {TAP_INSTANT} < :end
                ORDER BY {TAP_INSTANT} DESC, t.reader_id, t.seq DESC""",
            {"start": start, "end": end},
        )
    )
