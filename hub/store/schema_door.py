"""The tables of the door as the migrations built them: guardians' kiosk PINs, the kiosk's
attempts and the arrivals and departures recorded at the kiosk.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m014_kiosk(db: Database) -> None:
    """A guardian's kiosk PIN (only its argon2 hash), with the wrong PINs in a row and the
    lock they lead to; the short-lived pass a kiosk holds between the PIN and the choice of
    child (only its hash); every attempt at a kiosk (for its rate limit); and the arrivals
    and departures recorded at a kiosk, each reviewed once by a teacher."""
    db.table("guardian_pins").create(
        {
            "guardian_id": int,
            "pin_hash": str,
            "set_at": str,
            "set_by": str,
            "failed_count": int,
            "locked_until": str,
            "pass_hash": str,
            "pass_expires_at": str,
            "pass_kiosk": int,
        },
        pk="guardian_id",
        not_null={"pin_hash", "set_at", "set_by", "failed_count"},
        defaults={"failed_count": 0},
        foreign_keys=[("guardian_id", "guardians", "id")],
    )
    db.table("kiosk_attempts").create(
        {"id": int, "at": str, "kiosk_id": int, "guardian_id": int, "outcome": str},
        pk="id",
        not_null={"at", "kiosk_id", "outcome"},
        foreign_keys=[("kiosk_id", "users", "id")],
    )
    db.table("kiosk_attempts").create_index(["kiosk_id", "at"])
    db.table("kiosk_records").create(
        {
            "id": int,
            "at": str,
            "kiosk_id": int,
            "guardian_id": int,
            "child_id": int,
            "direction": str,
            "reviewed_at": str,
            "reviewed_by": str,
        },
        pk="id",
        not_null={"at", "kiosk_id", "guardian_id", "child_id", "direction"},
        foreign_keys=[("kiosk_id", "users", "id"), ("guardian_id", "guardians", "id"),
                      ("child_id", "children", "id")],
    )  # fmt: skip
    db.table("kiosk_records").create_index(["at"])
    db.table("kiosk_records").create_index(["child_id", "at"])
