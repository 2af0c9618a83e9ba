"""The tables of logging in as the migrations built them: accounts, sessions, login
attempts and the audit log; readers' MQTT logins; trusted devices.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database


def m008_accounts_and_audit(db: Database) -> None:
    """Accounts, their passwords and sessions, every login attempt, refused actions, and the
    audit log of changes to personal data and attendance (who, when, what, before and after).

    A parent's account points at their `guardians` row, so the children it may see are the
    registry's own links; a teacher's groups are listed in `user_groups`. Sessions are kept
    here (only a hash of the cookie's token) so logging out and the idle timeout end them."""
    db.table("users").create(
        {
            "id": int,
            "email": str,
            "name": str,
            "role": str,
            "title": str,
            "guardian_id": int,
            "expires_on": str,
            "scope": str,
            "password_hash": str,
            "password_set_at": str,
            "must_change": int,
            "failed_count": int,
            "blocked_at": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        not_null={
            "email",
            "name",
            "role",
            "password_hash",
            "password_set_at",
            "must_change",
            "failed_count",
            "created_at",
            "created_by",
        },
        defaults={"must_change": 1, "failed_count": 0},
        foreign_keys=[("guardian_id", "guardians", "id")],
    )
    db.execute("CREATE UNIQUE INDEX users_email ON users(lower(email))")
    db.table("user_groups").create(
        {"user_id": int, "group_id": int},
        pk=("user_id", "group_id"),
        foreign_keys=[("user_id", "users", "id"), ("group_id", "groups", "id")],
    )
    db.table("password_history").create(
        {"id": int, "user_id": int, "password_hash": str, "set_at": str},
        pk="id",
        not_null={"user_id", "password_hash", "set_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("password_history").create_index(["user_id", "set_at"])
    db.table("login_attempts").create(
        {"id": int, "at": str, "email": str, "user_id": int, "ip": str, "success": int, "outcome": str},
        pk="id",
        not_null={"at", "email", "success", "outcome"},
    )
    db.table("login_attempts").create_index(["ip", "at"])
    db.table("login_attempts").create_index(["user_id", "at"])
    db.table("sessions").create(
        {
            "id": str,
            "user_id": int,
            "csrf_token": str,
            "created_at": str,
            "last_seen_at": str,
            "ip": str,
            "user_agent": str,
            "ended_at": str,
            "end_reason": str,
            "previous_login_at": str,
            "previous_login_ip": str,
            "failures_since": int,
        },
        pk="id",
        not_null={"user_id", "csrf_token", "created_at", "last_seen_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("sessions").create_index(["user_id"])
    db.table("denied_actions").create(
        {
            "id": int,
            "at": str,
            "user_id": int,
            "login": str,
            "right": str,
            "method": str,
            "path": str,
            "object": str,
            "ip": str,
            "reason": str,
        },
        pk="id",
        not_null={"at", "right", "reason"},
    )
    db.table("denied_actions").create_index(["at"])
    db.table("audit_log").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "entity": str,
            "entity_id": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "entity"},
    )
    db.table("audit_log").create_index(["entity", "entity_id"])
    db.table("audit_log").create_index(["at"])


def m010_broker_credentials(db: Database) -> None:
    """MQTT logins of the readers (hub/store/broker_credentials.py): one `$7$` hash per reader."""
    db.execute(
        "CREATE TABLE broker_credentials ("
        " user TEXT PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,"
        " password_hash TEXT NOT NULL,"
        " issued_at TEXT NOT NULL)"
    )


def m011_trusted_devices(db: Database) -> None:
    """Browsers that logged in to an account before (device cookies, see `hub/accounts/devices.py`):
    only a hash of each cookie's nonce, and the wrong passwords typed on that browser, so
    failures there lock out that browser alone. `users.blocked_by` tells a block by wrong
    passwords from unknown browsers (`failures`: trusted browsers still log in) from the
    administrator's block (everything refused). The key that signs device cookies is made
    here, once, and never leaves the database."""
    db.table("trusted_devices").create(
        {
            "id": str,
            "user_id": int,
            "created_at": str,
            "last_used_at": str,
            "failures": int,
            "locked_until": str,
        },
        pk="id",
        not_null={"user_id", "created_at", "last_used_at", "failures"},
        defaults={"failures": 0},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("trusted_devices").create_index(["user_id"])
    db.table("users").add_column("blocked_by", str)
    db.table("signing_keys").create({"name": str, "key": str}, pk="name", not_null={"key"})
    db.table("signing_keys").insert({"name": "device_cookie", "key": secrets.token_hex(32)})
