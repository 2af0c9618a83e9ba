"""Schema steps for retention and RODO: the log of who read a child's personal data."""

from __future__ import annotations

from sqlite_utils import Database


def m025_personal_data_reads(db: Database) -> None:
    """Every opening of a child's personal data by staff (who, what, when): RODO art. 5(1)(f)
    and 32 want access to be accountable, and a guardian may ask who looked. No foreign key to
    `children`, so the log outlives an erased child for its own retention."""
    db.table("personal_data_reads").create(
        {
            "id": int,
            "at": str,  # the instant, stored form (hub/timefmt.py to_db)
            "actor": str,  # the reader's login, as in the audit log
            "child_id": int,
            "view": str,  # what was opened: a code such as `child.page`, `registry.child`, `api.child`
        },
        pk="id",
        not_null={"at", "actor", "child_id", "view"},
    )
    db.table("personal_data_reads").create_index(["child_id", "at"])
    db.table("personal_data_reads").create_index(["at"])
