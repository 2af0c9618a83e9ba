"""The school-readiness information of six-year-olds ("informacja o gotowości dziecka do
podjęcia nauki w szkole podstawowej"): one per child and school year, its text's versions,
when it became final, was given to the parents and was last printed.

Who it is for and by when is the rules' (`hub.rules.school_readiness`); writing it from the
observations is the service's (`hub.services.school_readiness`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store.db import inserted_id
from hub.timefmt import to_db

MAX_READINESS_LENGTH = 20_000
COLUMNS = ("id", "child_id", "school_year", "state", "created_at", "created_by", "finalized_at",
           "finalized_by", "given_on", "given_recorded_by", "printed_at", "printed_by")  # fmt: skip


def checked_text(text: str) -> str:
    clean = text.strip()
    if not clean:
        raise Refusal("readiness.empty", N_("The readiness information is empty."))
    if len(clean) > MAX_READINESS_LENGTH:
        raise Refusal(
            "readiness.too_long",
            N_("The readiness information is longer than %(limit)s characters."),
            limit=MAX_READINESS_LENGTH,
        )
    return clean


def insert(db: Database, *, child_id: int, school_year: int, author: str, now: datetime) -> int:
    return inserted_id(
        db.table("school_readiness").insert(
            {"child_id": child_id, "school_year": school_year, "state": "draft", "created_at": to_db(now),
             "created_by": author}
        )
    )  # fmt: skip


def insert_version(db: Database, readiness_id: int, *, text: str, author: str, now: datetime) -> None:
    number = 1 + (
        db.execute("SELECT MAX(number) FROM school_readiness_versions WHERE readiness_id = ?", [readiness_id])
        .fetchone()[0] or 0
    )  # fmt: skip
    db.table("school_readiness_versions").insert(
        {
            "readiness_id": readiness_id,
            "number": number,
            "text": text,
            "author": author,
            "written_at": to_db(now),
        }
    )


def finalize(db: Database, readiness_id: int, *, actor: str, now: datetime) -> None:
    db.table("school_readiness").update(
        readiness_id, {"state": "final", "finalized_at": to_db(now), "finalized_by": actor}
    )


def mark_given(db: Database, readiness_id: int, *, given_on: date, actor: str) -> None:
    db.table("school_readiness").update(
        readiness_id, {"given_on": given_on.isoformat(), "given_recorded_by": actor}
    )


def mark_printed(db: Database, readiness_id: int, *, actor: str, now: datetime) -> None:
    db.table("school_readiness").update(readiness_id, {"printed_at": to_db(now), "printed_by": actor})


def find(db: Database, child_id: int, school_year: int) -> dict[str, Any] | None:
    rows = list(
        db["school_readiness"].rows_where("child_id = ? AND school_year = ?", [child_id, school_year])
    )
    return get(db, rows[0]["id"]) if rows else None


def get(db: Database, readiness_id: int) -> dict[str, Any]:
    """The information with its latest text (`text`, `version`, `author`, `written_at`)."""
    row = db.execute(
        f"""SELECT {", ".join("r." + column for column in COLUMNS)}, v.number, v.text, v.author, v.written_at
            FROM school_readiness r JOIN school_readiness_versions v ON v.readiness_id = r.id
            WHERE r.id = ? ORDER BY v.number DESC LIMIT 1""",
        [readiness_id],
    ).fetchone()
    if row is None:
        raise Refusal(
            "readiness.not_found", N_("There is no readiness information with id %(id)s."), id=readiness_id
        )
    return dict(zip((*COLUMNS, "version", "text", "author", "written_at"), row, strict=True))


def list_for_child(db: Database, child_id: int) -> list[dict[str, Any]]:
    ids = [row[0] for row in db.execute(
        "SELECT id FROM school_readiness WHERE child_id = ? ORDER BY school_year DESC", [child_id]
    )]  # fmt: skip
    return [get(db, readiness_id) for readiness_id in ids]


def versions(db: Database, readiness_id: int) -> list[dict[str, Any]]:
    """Every version of the text, newest first."""
    return list(
        db["school_readiness_versions"].rows_where("readiness_id = ?", [readiness_id], order_by="number DESC")
    )
