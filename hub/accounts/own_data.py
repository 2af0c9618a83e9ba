"""An account's own data, for the person it belongs to (RODO art. 15, the right of access):
the account as stored, its sessions and login attempts, the guardian record it stands for
and whether a kiosk PIN is set. Secrets (password, PIN and session hashes) never leave.

The children's part comes from `hub/services/subject_access.py`; the web joins the two
into the "my data" download.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from hub.accounts import accounts
from hub.store import registry

ACCOUNT_FIELDS = (
    "email", "name", "role", "title", "expires_on", "groups", "children", "password_set_at",
    "must_change", "failed_count", "blocked_at", "created_at", "created_by",
)  # fmt: skip
SESSION_FIELDS = ("created_at", "last_seen_at", "ip", "user_agent", "ended_at", "end_reason")


def account_data(db: Database, user_id: int) -> dict[str, Any]:
    user = accounts.get_user(db, user_id)
    guardian = registry.get_guardian(db, user["guardian_id"]) if user["guardian_id"] else None
    pin = (
        db.execute(
            "SELECT set_at, set_by FROM guardian_pins WHERE guardian_id = ?", [user["guardian_id"]]
        ).fetchone()
        if guardian
        else None
    )
    return {
        "account": {field: user.get(field) for field in ACCOUNT_FIELDS},
        "guardian": guardian,
        "kiosk_pin": {"set_at": pin[0], "set_by": pin[1]} if pin else None,
        "sessions": [
            dict(zip(SESSION_FIELDS, row, strict=True))
            for row in db.execute(
                f"SELECT {', '.join(SESSION_FIELDS)} FROM sessions WHERE user_id = ? ORDER BY created_at",
                [user_id],
            )
        ],
        "login_attempts": list(
            db.query(
                "SELECT at, ip, outcome FROM login_attempts WHERE user_id = ? OR lower(email) = lower(?) "
                "ORDER BY at, id",
                [user_id, user["email"]],
            )
        ),
    }
