"""The register of copies of the journal as the migrations built it (procedure 003, rozdz.
XII.2: every extra copy is recorded, when it was made and for whom).

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m023_backups(db: Database) -> None:
    """One row per copy of the journal: a backup the hub made (`kind` 'backup', by an account,
    the command line or 'schedule') or an extra copy handed to someone (`kind` 'copy', which
    may name the backup it was taken from). When, by whom, for whom and why, where it lies,
    its size and SHA-256, whether it was verified, and when a backup past the kept count was
    removed and by whom. Rows are never deleted: a removed backup stays in the register."""
    db.table("backups").create(
        {
            "id": int,
            "kind": str,
            "created_at": str,
            "made_by": str,
            "purpose": str,
            "location": str,
            "size_bytes": int,
            "sha256": str,
            "source_backup_id": int,
            "verified": int,
            "verified_at": str,
            "removed_at": str,
            "removed_by": str,
        },
        pk="id",
        not_null={"kind", "created_at", "made_by", "purpose", "location"},
        foreign_keys=[("source_backup_id", "backups", "id")],
    )
    db.table("backups").create_index(["kind", "created_at"])
