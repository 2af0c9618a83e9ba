"""The day's topics of a group ("zapisy dnia"): what the children did, written by the teacher.

The procedures oblige every teacher to record the day's activities; one standing in for an
absent colleague marks the entry as a substitution ("zastępstwo") and names whom they
replaced. An edit supersedes the earlier entry instead of overwriting it, so the journal
shows what was written and when.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store import audit
from hub.store.db import inserted_id
from hub.store.registry import get_group
from hub.timefmt import to_db, utc_now

MAX_TOPIC_LENGTH = 2000


def add_topic(
    db: Database,
    *,
    group_id: int,
    day: date,
    topic: str,
    author: str,
    substitution: bool = False,
    substitute_for: str = "",
    today: date | None = None,
    replaces: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the day's topic of a group; `replaces` the id of the entry this one corrects."""
    get_group(db, group_id)
    text, author, absent = topic.strip(), author.strip(), substitute_for.strip()
    if not text:
        raise Refusal("topic.empty", N_("The topic of the day is empty."))
    if len(text) > MAX_TOPIC_LENGTH:
        raise Refusal(
            "topic.too_long", N_("The topic is longer than %(limit)s characters."), limit=MAX_TOPIC_LENGTH
        )
    if not author:
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    if today is not None and day > today:
        raise Refusal("topic.day_ahead", N_("Topics are written for today or earlier days, not ahead."))
    if absent and not substitution:
        raise Refusal(
            "topic.absent_without_substitution", N_("Name the absent teacher only for a substitution.")
        )
    with db.atomic():
        if replaces is not None:
            earlier = get_topic(db, replaces)
            if earlier["group_id"] != group_id or earlier["day"] != day.isoformat():
                raise Refusal(
                    "topic.other_day", N_("Entry %(id)s is about another group or day."), id=replaces
                )
            if earlier["superseded_by"] is not None:
                raise Refusal("topic.corrected", N_("Entry %(id)s has already been corrected."), id=replaces)
        topic_id = inserted_id(
            db.table("day_topics").insert(
                {
                    "group_id": group_id,
                    "day": day.isoformat(),
                    "topic": text,
                    "author": author,
                    "substitution": int(substitution),
                    "substitute_for": absent or None,
                    "created_at": to_db(now or utc_now()),
                }
            )
        )
        if replaces is not None:
            db.table("day_topics").update(replaces, {"superseded_by": topic_id})
        created = get_topic(db, topic_id)
        audit.record(
            db, actor=author, action="topic.write", entity="day_topic", entity_id=topic_id,
            before=earlier if replaces is not None else None, after=created, now=now,
        )  # fmt: skip
    return created


def get_topic(db: Database, topic_id: int) -> dict[str, Any]:
    rows = list(db["day_topics"].rows_where("id = ?", [topic_id]))
    if not rows:
        raise Refusal("topic.not_found", N_("There is no day topic with id %(id)s."), id=topic_id)
    return _public(rows[0])


def list_topics(
    db: Database, group_id: int, first: date, last: date, *, with_history: bool = False
) -> list[dict[str, Any]]:
    """The group's topics of days `first`..`last`, oldest first; corrected entries only
    `with_history`."""
    where = "group_id = ? AND day >= ? AND day <= ?"
    if not with_history:
        where += " AND superseded_by IS NULL"
    rows = db["day_topics"].rows_where(
        where, [group_id, first.isoformat(), last.isoformat()], order_by="day, id"
    )
    return [_public(row) for row in rows]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "substitution": bool(row["substitution"])}
