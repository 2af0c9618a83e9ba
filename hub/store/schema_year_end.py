"""The yearly archives as the migrations built them (procedure 003 rozdz. IV.8: the journal
archived once a year, after 31 August).

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m029_year_end_archives(db: Database) -> None:
    """One row per archive of a school year the hub wrote (`school_year`: its first calendar
    year): when, by whom, where it lies, how many files, their size, the manifest's SHA-256;
    and its latest verification (when, by whom, whether it passed, the problems found as a
    JSON list). Rows are never deleted: an archive written again is a new row."""
    db.table("year_end_archives").create(
        {
            "id": int,
            "school_year": int,
            "written_at": str,
            "written_by": str,
            "location": str,
            "files": int,
            "size_bytes": int,
            "sha256": str,
            "verified": int,
            "verified_at": str,
            "verified_by": str,
            "problems": str,
        },
        pk="id",
        not_null={"school_year", "written_at", "written_by", "location", "files", "size_bytes"},
    )
    db.table("year_end_archives").create_index(["school_year", "written_at"])
