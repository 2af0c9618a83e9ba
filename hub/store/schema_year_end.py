"""The yearly archives' verifications as the migrations built them (procedure 003 rozdz.
IV.8: the journal archived once a year, after 31 August; the archive itself is an entry in
the register of copies, `m023_backups`).

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m029_archive_verifications(db: Database) -> None:
    """One row per check of a yearly archive (`copy_id`: its entry in the register of copies):
    when, by whom, whether it passed, and the problems found (a JSON list, in the language of
    whoever checked). Only ever added: the newest row is the archive's state."""
    db.table("archive_verifications").create(
        {
            "id": int,
            "copy_id": int,
            "verified_at": str,
            "verified_by": str,
            "verified": int,
            "problems": str,
        },
        pk="id",
        not_null={"copy_id", "verified_at", "verified_by", "verified"},
        foreign_keys=[("copy_id", "backups", "id")],
    )
    db.table("archive_verifications").create_index(["copy_id", "verified_at"])
