"""The school-readiness information: written from the child's observations, made final,
printed and given to the parents (by the end of April).

A draft may be changed (each change a new version); once final it is what the parents get,
and it is not changed again. Only a six-year-old of the school year gets one
(`hub.rules.school_readiness`). A first draft can start from the observations of the
school year: each one a line with its day and area, for the teacher to rewrite.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.school_readiness import is_six_year_old
from hub.rules.school_year import school_year_end, school_year_label, school_year_start
from hub.store import audit, observations, registry
from hub.store import school_readiness as store
from hub.timefmt import utc_now


def eligible(child: dict[str, Any], school_year: int) -> bool:
    """Is the child a six-year-old of the school year (its birth date known)?"""
    born = child.get("birth_date")
    return isinstance(born, str) and is_six_year_old(date.fromisoformat(born), school_year)


def observations_digest(db: Database, child_id: int, school_year: int) -> str:
    """The school year's observations of the child, oldest first, as lines to start from."""
    entries = observations.list_for_child(
        db, child_id, first=school_year_start(school_year), last=school_year_end(school_year)
    )
    return "\n".join(
        f"{entry['day']}{' — ' + entry['area'] if entry['area'] else ''}: {entry['text']}"
        for entry in reversed(entries)
    )


def write(
    db: Database, *, child_id: int, school_year: int, text: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """Write the child's information for the school year (a new draft, or a new version)."""
    child = registry.get_child(db, child_id)
    if not eligible(child, school_year):
        raise Refusal(
            "readiness.not_six",
            N_("The readiness information is for six-year-olds; this child is not one in %(year)s."),
            year=school_year_label(school_year),
        )
    clean = store.checked_text(text)
    author = _author(author)
    now = now or utc_now()
    with db.atomic():
        before = store.find(db, child_id, school_year)
        if before is None:
            readiness_id = store.insert(
                db, child_id=child_id, school_year=school_year, author=author, now=now
            )
        elif before["state"] == "final":
            raise Refusal("readiness.final", N_("The readiness information is final and is not changed."))
        else:
            readiness_id = before["id"]
            if before["text"] == clean:
                return before
        store.insert_version(db, readiness_id, text=clean, author=author, now=now)
        after = store.get(db, readiness_id)
        _audit(db, "readiness.write", readiness_id, before, after, author, now)
    return after


def finalize(db: Database, readiness_id: int, *, actor: str, now: datetime | None = None) -> dict[str, Any]:
    """The draft becomes the information the parents get."""
    actor = _author(actor)
    now = now or utc_now()
    with db.atomic():
        before = store.get(db, readiness_id)
        if before["state"] == "final":
            raise Refusal("readiness.final", N_("The readiness information is final and is not changed."))
        store.finalize(db, readiness_id, actor=actor, now=now)
        after = store.get(db, readiness_id)
        _audit(db, "readiness.finalize", readiness_id, before, after, actor, now)
    return after


def mark_given(
    db: Database, readiness_id: int, *, given_on: date, actor: str, today: date, now: datetime | None = None
) -> dict[str, Any]:
    """Record the day the parents got the final information."""
    actor = _author(actor)
    now = now or utc_now()
    with db.atomic():
        before = store.get(db, readiness_id)
        if before["state"] != "final":
            raise Refusal(
                "readiness.not_final", N_("Only final readiness information is given to the parents.")
            )
        if given_on > today or given_on.isoformat() < before["finalized_at"][:10]:
            raise Refusal(
                "readiness.given_day",
                N_("The day it was given is between the day it became final and today."),
            )
        store.mark_given(db, readiness_id, given_on=given_on, actor=actor)
        after = store.get(db, readiness_id)
        _audit(db, "readiness.given", readiness_id, before, after, actor, now)
    return after


def mark_printed(db: Database, readiness_id: int, *, actor: str, now: datetime | None = None) -> None:
    """Record that the information was printed (its PDF or print view made) and by whom."""
    actor = _author(actor)
    now = now or utc_now()
    with db.atomic():
        before = store.get(db, readiness_id)
        store.mark_printed(db, readiness_id, actor=actor, now=now)
        _audit(db, "readiness.print", readiness_id, before, store.get(db, readiness_id), actor, now)


def _audit(
    db: Database,
    action: str,
    readiness_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    actor: str,
    now: datetime,
) -> None:
    audit.record(
        db, actor=actor, action=action, entity="school_readiness", entity_id=readiness_id,
        before=before, after=after, now=now,
    )  # fmt: skip


def _author(author: str) -> str:
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    return author.strip()
