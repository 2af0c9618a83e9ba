"""Announcements (ogłoszenia, komunikaty): published for an audience, shown from one day
through another, withdrawn early only with a reason, never deleted.

Who an announcement concerns is `hub.rules.agenda`'s; here are the rows, the checks every
announcement passes, the readers' groups, and `audience_accounts`: the one place that
knows which accounts a published announcement is addressed to (what a notification of it
is sent to).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Label, Refusal
from hub.rules.agenda import AUDIENCES, GROUP, Reader, concerns_announcement, is_shown
from hub.store import audit
from hub.store.db import inserted_id
from hub.store.registry import get_group, required_text
from hub.timefmt import to_db, utc_now

TITLE = Label(N_("Headline"))
BODY = Label(N_("Text"))
REASON = Label(N_("Reason"))
MAX_TITLE = 200
MAX_BODY = 10_000
MAX_SHOWN_DAYS = 366
"""An announcement stays on the home pages at most a year: a longer one is a mistake."""
FIRST_YEAR, LAST_YEAR = 2000, 2099
PARENT, STAFF_ROLES = "parent", ("admin", "director", "secretary", "teacher")
SEES_ALL_ROLES = frozenset({"admin", "director", "secretary", "inspector"})


def publish(
    db: Database,
    *,
    title: str,
    body: str,
    audience: str,
    group_id: int | None,
    shown_from: date,
    shown_to: date,
    author: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Publish an announcement; refused with the reason if any field is wrong."""
    row = {
        "title": required_text(title, TITLE, limit=MAX_TITLE),
        "body": required_text(body, BODY, limit=MAX_BODY),
        **audience_fields(db, audience, group_id),
        **_shown(shown_from, shown_to),
        "author": _author(author),
        "created_at": to_db(now or utc_now()),
    }
    with db.atomic():
        announcement_id = inserted_id(db.table("announcements").insert(row))
        created = get_announcement(db, announcement_id)
        audit.record(
            db, actor=row["author"], action="announcement.publish", entity="announcement",
            entity_id=announcement_id, after=created, now=now,
        )  # fmt: skip
    return created


def withdraw(
    db: Database, announcement_id: int, *, reason: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """Take an announcement off the home pages before its last day; the reason is kept."""
    why = required_text(reason, REASON, limit=500)
    who = _author(author)
    with db.atomic():
        before = get_announcement(db, announcement_id)
        if before["withdrawn_at"]:
            raise Refusal(
                "announcement.withdrawn",
                N_("Announcement %(id)s has already been withdrawn."),
                id=announcement_id,
            )
        changes = {"withdrawn_at": to_db(now or utc_now()), "withdrawn_by": who, "withdraw_reason": why}
        db.table("announcements").update(announcement_id, changes)
        after = get_announcement(db, announcement_id)
        audit.record(
            db, actor=who, action="announcement.withdraw", entity="announcement",
            entity_id=announcement_id, before=before, after=after, now=now,
        )  # fmt: skip
    return after


def get_announcement(db: Database, announcement_id: int) -> dict[str, Any]:
    rows = list(db["announcements"].rows_where("id = ?", [announcement_id]))
    if not rows:
        raise Refusal(
            "announcement.not_found", N_("There is no announcement with id %(id)s."), id=announcement_id
        )
    return rows[0]


def list_announcements(db: Database) -> list[dict[str, Any]]:
    """Every announcement, the latest first (`shown_from`, then publication)."""
    return list(db["announcements"].rows_where(order_by="shown_from DESC, id DESC"))


def is_current(row: dict[str, Any], today: date) -> bool:
    """On the home pages today: within its days and not withdrawn."""
    shown = is_shown(date.fromisoformat(row["shown_from"]), date.fromisoformat(row["shown_to"]), today)
    return shown and not row["withdrawn_at"]


def for_reader(db: Database, reader: Reader) -> list[dict[str, Any]]:
    """The announcements that concern `reader`, the latest first, withdrawn ones included."""
    return [
        row
        for row in list_announcements(db)
        if concerns_announcement(reader, row["audience"], row["group_id"])
    ]


def current_for_reader(db: Database, reader: Reader, today: date) -> list[dict[str, Any]]:
    """What `reader`'s home page shows on `today`."""
    rows = db["announcements"].rows_where(
        "shown_from <= ? AND shown_to >= ? AND withdrawn_at IS NULL",
        [today.isoformat(), today.isoformat()],
        order_by="shown_from DESC, id DESC",
    )
    return [row for row in rows if concerns_announcement(reader, row["audience"], row["group_id"])]


def reader_of(db: Database, role: str, groups: Iterable[int], children: Iterable[int]) -> Reader:
    """An account as the audiences see it: a teacher by their groups, a parent by their
    children's groups, the office and an inspector seeing everything."""
    if role == PARENT:
        return Reader(staff=False, groups=children_groups(db, children))
    return Reader(staff=True, groups=frozenset(groups), sees_all=role in SEES_ALL_ROLES)


def children_groups(db: Database, child_ids: Iterable[int]) -> frozenset[int]:
    ids = list(child_ids)
    if not ids:
        return frozenset()
    marks = ", ".join("?" * len(ids))
    return frozenset(
        row[0] for row in db.execute(f"SELECT group_id FROM children WHERE id IN ({marks})", ids)
    )


def audience_accounts(db: Database, announcement_id: int, *, today: date) -> list[int]:
    """The accounts a published announcement is addressed to (staff and parents it
    concerns; not the office's oversight, an inspector or a kiosk): working accounts only,
    nobody when it is withdrawn. What a notification of the announcement is sent to."""
    row = get_announcement(db, announcement_id)
    if row["withdrawn_at"]:
        return []
    addressed: list[int] = []
    for user in _working_accounts(db, today):
        children = _guardian_children(db, user["guardian_id"]) if user["role"] == PARENT else []
        reader = reader_of(db, user["role"], _user_groups(db, user["id"]), children)
        reader = Reader(staff=reader.staff, groups=reader.groups)  # addressed, not overseen
        if concerns_announcement(reader, row["audience"], row["group_id"]):
            addressed.append(user["id"])
    return addressed


def audience_fields(db: Database, audience: str, group_id: int | None) -> dict[str, Any]:
    """The audience checked: one of `AUDIENCES`, a group (that exists) only for `group`."""
    if audience not in AUDIENCES:
        raise Refusal("audience.unknown", N_("Choose who the announcement is for."), audience=audience)
    if audience == GROUP:
        if group_id is None:
            raise Refusal("audience.no_group", N_("Choose the group."))
        get_group(db, group_id)
        return {"audience": audience, "group_id": group_id}
    return {"audience": audience, "group_id": None}


def check_days(first: date, last: date, *, limit: int) -> None:
    """From `first` through `last`: in order, within 2000–2099, at most `limit` days."""
    for day in (first, last):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise Refusal(
                "dates.out_of_range",
                N_("Give dates from %(first)s to %(last)s."),
                first=f"{FIRST_YEAR}-01-01",
                last=f"{LAST_YEAR}-12-31",
            )
    if last < first:
        raise Refusal("dates.end_before_start", N_("The end is before the start."))
    if (last - first).days + 1 > limit:
        raise Refusal("dates.too_long", N_("At most %(limit)s days."), limit=limit)


def _shown(shown_from: date, shown_to: date) -> dict[str, str]:
    check_days(shown_from, shown_to, limit=MAX_SHOWN_DAYS)
    return {"shown_from": shown_from.isoformat(), "shown_to": shown_to.isoformat()}


def _author(author: str) -> str:
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    return author.strip()


def _working_accounts(db: Database, today: date) -> list[dict[str, Any]]:
    """Staff and parents whose accounts work: not blocked (a lockout after wrong passwords,
    `blocked_by = 'failures'`, ends by itself) and not expired."""
    marks = ", ".join("?" * (len(STAFF_ROLES) + 1))
    return [
        dict(zip(("id", "role", "guardian_id"), row, strict=True))
        for row in db.execute(
            f"SELECT id, role, guardian_id FROM users WHERE role IN ({marks}) "
            "AND (blocked_at IS NULL OR blocked_by = 'failures') "
            "AND (expires_on IS NULL OR expires_on >= ?) ORDER BY id",
            [*STAFF_ROLES, PARENT, today.isoformat()],
        )
    ]


def _user_groups(db: Database, user_id: int) -> list[int]:
    return [row[0] for row in db.execute("SELECT group_id FROM user_groups WHERE user_id = ?", [user_id])]


def _guardian_children(db: Database, guardian_id: int | None) -> list[int]:
    if guardian_id is None:
        return []
    return [
        row[0]
        for row in db.execute("SELECT child_id FROM child_guardians WHERE guardian_id = ?", [guardian_id])
    ]
