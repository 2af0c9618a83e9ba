"""The register of observations (rejestr obserwacji): each child's dated observations and
diagnoses by the group's teachers, and the director's changes to them.

The procedure (000 §2) lets the director modify the register; a change never loses what
was written: the replaced text goes to `observation_history` with who wrote it and who
replaced it, and the audit log records the change. An entry addressed to the parents
(`for_parents`) is the only kind a parent sees.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store import audit
from hub.store.db import inserted_id
from hub.store.registry import get_child
from hub.timefmt import to_db, utc_now

Kind = Literal["observation", "diagnosis"]
KINDS: tuple[Kind, ...] = ("observation", "diagnosis")
MAX_OBSERVATION_LENGTH = 5_000
MAX_AREA_LENGTH = 100
FIRST_DAY = date(2000, 1, 1)


def add(
    db: Database,
    *,
    child_id: int,
    day: date,
    kind: str,
    text: str,
    author: str,
    area: str = "",
    for_parents: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write an observation (or a diagnosis) of a child on `day`."""
    get_child(db, child_id)
    row = _checked(day=day, kind=kind, text=text, area=area, for_parents=for_parents, today=today)
    author = _author(author)
    now = now or utc_now()
    with db.atomic():
        observation_id = inserted_id(
            db.table("observations").insert(
                {**row, "child_id": child_id, "author": author, "written_at": to_db(now)}
            )
        )
        created = get(db, observation_id)
        audit.record(
            db, actor=author, action="observation.add", entity="observation", entity_id=observation_id,
            after=created, now=now,
        )  # fmt: skip
    return created


def modify(
    db: Database,
    observation_id: int,
    *,
    day: date,
    kind: str,
    text: str,
    actor: str,
    area: str = "",
    for_parents: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The director's change: the entry as it stood goes to the history, with its author."""
    row = _checked(day=day, kind=kind, text=text, area=area, for_parents=for_parents, today=today)
    actor = _author(actor)
    now = now or utc_now()
    with db.atomic():
        before = get(db, observation_id)
        if all(
            before[key] == value for key, value in {**row, "for_parents": bool(row["for_parents"])}.items()
        ):
            return before
        db.table("observation_history").insert(
            {
                "observation_id": observation_id,
                **{key: before[key] for key in ("day", "kind", "area", "text")},
                "for_parents": int(before["for_parents"]),
                "written_by": before["changed_by"] or before["author"],
                "written_at": before["changed_at"] or before["written_at"],
                "replaced_by": actor,
                "replaced_at": to_db(now),
            }
        )
        db.table("observations").update(
            observation_id, {**row, "changed_by": actor, "changed_at": to_db(now)}
        )
        after = get(db, observation_id)
        audit.record(
            db, actor=actor, action="observation.modify", entity="observation", entity_id=observation_id,
            before=before, after=after, now=now,
        )  # fmt: skip
    return after


def get(db: Database, observation_id: int) -> dict[str, Any]:
    rows = list(db["observations"].rows_where("id = ?", [observation_id]))
    if not rows:
        raise Refusal(
            "observation.not_found", N_("There is no observation with id %(id)s."), id=observation_id
        )
    return _public(rows[0])


def list_for_child(
    db: Database,
    child_id: int,
    *,
    first: date | None = None,
    last: date | None = None,
    for_parents_only: bool = False,
) -> list[dict[str, Any]]:
    """The child's observations, newest day first; only those addressed to the parents with
    `for_parents_only`."""
    where: list[str] = ["child_id = ?"]
    params: list[object] = [child_id]
    if first is not None:
        where.append("day >= ?")
        params.append(first.isoformat())
    if last is not None:
        where.append("day <= ?")
        params.append(last.isoformat())
    if for_parents_only:
        where.append("for_parents = 1")
    rows = db["observations"].rows_where(" AND ".join(where), params, order_by="day DESC, id DESC")
    return [_public(row) for row in rows]


def history(db: Database, observation_id: int) -> list[dict[str, Any]]:
    """The texts the entry had before each change, oldest first."""
    rows = db["observation_history"].rows_where("observation_id = ?", [observation_id], order_by="id")
    return [{**row, "for_parents": bool(row["for_parents"])} for row in rows]


def _checked(
    *, day: date, kind: str, text: str, area: str, for_parents: bool, today: date | None
) -> dict[str, Any]:
    if kind not in KINDS:
        raise Refusal("observation.kind", N_("An entry is an observation or a diagnosis."))
    clean, area = text.strip(), area.strip()
    if not clean:
        raise Refusal("observation.empty", N_("The observation is empty."))
    if len(clean) > MAX_OBSERVATION_LENGTH:
        raise Refusal(
            "observation.too_long",
            N_("The observation is longer than %(limit)s characters."),
            limit=MAX_OBSERVATION_LENGTH,
        )
    if len(area) > MAX_AREA_LENGTH:
        raise Refusal(
            "observation.area_too_long",
            N_("The area is longer than %(limit)s characters."),
            limit=MAX_AREA_LENGTH,
        )
    if day < FIRST_DAY or (today is not None and day > today):
        raise Refusal("observation.day", N_("An observation is written for today or an earlier day."))
    return {
        "day": day.isoformat(),
        "kind": kind,
        "area": area,
        "text": clean,
        "for_parents": int(for_parents),
    }


def _author(author: str) -> str:
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    return author.strip()


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "for_parents": bool(row["for_parents"])}
