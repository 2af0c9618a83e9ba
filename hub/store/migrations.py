"""The schema: numbered migrations, applied in order at every start.

Each migration runs in its own transaction and is recorded in `schema_migrations`, so a
database made by an older version upgrades itself and a newer one is refused rather than
misread. A schema change is a new function appended to `MIGRATIONS`; a migration, once
released, never changes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now

Migration = Callable[[Database], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer ewidencjoner than this one."""


def _m001_readers_and_taps(db: Database) -> None:
    db["readers"].create(
        {"id": str, "name": str, "mode": str, "created_at": str},
        pk="id",
        not_null={"name", "mode", "created_at"},
        defaults={"mode": "toggle"},
    )
    db["taps"].create(
        {
            "reader_id": str,
            "seq": int,
            "uid": str,
            "boot": int,
            "ms": int,
            "now": int,
            "device_t": int,
            "received_at": str,
            "at": str,
            "time_quality": str,
        },
        pk=("reader_id", "seq"),
        not_null={"reader_id", "seq", "uid", "boot", "ms", "received_at", "time_quality"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db["taps"].create_index(["at"])
    db["taps"].create_index(["uid", "at"])


def _m002_quarantine_and_reader_health(db: Database) -> None:
    db["quarantine"].create(
        {
            "id": int,
            "first_received_at": str,
            "last_received_at": str,
            "count": int,
            "topic": str,
            "reader_id": str,
            "payload": bytes,
            "reason": str,
            "detail": str,
            "resolved_at": str,
        },
        pk="id",
        not_null={"first_received_at", "last_received_at", "count", "topic", "payload", "reason"},
    )
    db["quarantine"].create_index(["resolved_at", "reason"])
    for column, kind in [
        ("online", int),
        ("fw", str),
        ("boot", int),
        ("queue", int),
        ("rssi", int),
        ("heap", int),
        ("up", int),
        ("resets", int),
        ("last_seen", str),
        ("last_status", str),
    ]:
        db["readers"].add_column(column, kind)
    db["reader_events"].create(
        {
            "id": int,
            "reader_id": str,
            "at": str,
            "online": int,
            "fw": str,
            "boot": int,
            "queue": int,
            "rssi": int,
            "heap": int,
            "up": int,
            "resets": int,
        },
        pk="id",
        not_null={"reader_id", "at", "online"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db["reader_events"].create_index(["reader_id", "at"])


def _m003_registry_and_corrections(db: Database) -> None:
    db["groups"].create(
        {"id": int, "name": str, "teachers": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db["groups"].create_index(["name"], unique=True)
    db["children"].create(
        {
            "id": int,
            "first_name": str,
            "last_name": str,
            "group_id": int,
            "birth_date": str,
            "active_from": str,
            "active_to": str,
            "fee_exempt": int,
            "notes": str,
            "created_at": str,
        },
        pk="id",
        not_null={"first_name", "last_name", "group_id", "active_from", "created_at"},
        foreign_keys=[("group_id", "groups", "id")],
    )
    db["guardians"].create(
        {"id": int, "name": str, "phone": str, "email": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db["child_guardians"].create(
        {"child_id": int, "guardian_id": int, "relation": str},
        pk=("child_id", "guardian_id"),
        foreign_keys=[("child_id", "children", "id"), ("guardian_id", "guardians", "id")],
    )
    db["cards"].create(
        {
            "id": int,
            "uid": str,
            "number": str,
            "child_id": int,
            "holder": str,
            "valid_from": str,
            "assigned_at": str,
            "assigned_by": str,
            "revoked_at": str,
            "revoked_by": str,
            "revoke_reason": str,
        },
        pk="id",
        not_null={"uid", "child_id", "valid_from", "assigned_at", "assigned_by"},
        foreign_keys=[("child_id", "children", "id")],
    )
    db.execute("CREATE UNIQUE INDEX cards_one_active_uid ON cards(uid) WHERE revoked_at IS NULL")
    db["cards"].create_index(["child_id"])
    db["corrections"].create(
        {
            "id": int,
            "child_id": int,
            "day": str,
            "kind": str,
            "at": str,
            "target_reader": str,
            "target_seq": int,
            "target_correction": int,
            "reason": str,
            "author": str,
            "created_at": str,
            "revoked_at": str,
            "revoked_by": str,
            "revoke_reason": str,
        },
        pk="id",
        not_null={"child_id", "day", "kind", "reason", "author", "created_at"},
        foreign_keys=[("child_id", "children", "id")],
    )
    db["corrections"].create_index(["day", "child_id"])
    db["closed_days"].create({"day": str, "reason": str}, pk="day", not_null={"reason"})
    db["settings"].create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.execute("CREATE INDEX taps_by_uid_and_day ON taps(uid, coalesce(at, received_at))")


def _m004_reader_mode_history(db: Database) -> None:
    """A tap means what its reader's mode was at the time, so mode changes are dated."""
    db["reader_modes"].create(
        {"reader_id": str, "valid_from": str, "mode": str, "changed_by": str},
        pk=("reader_id", "valid_from"),
        not_null={"mode"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db.execute(
        "INSERT INTO reader_modes (reader_id, valid_from, mode, changed_by) "
        "SELECT id, '1970-01-01T00:00:00.000Z', mode, 'migration' FROM readers"
    )


def _m005_absences(db: Database) -> None:
    """Absences reported ahead (by a guardian or the secretary): they cancel meals."""
    db["absences"].create(
        {
            "id": int,
            "child_id": int,
            "day": str,
            "reported_at": str,
            "reported_by": str,
            "reason": str,
            "withdrawn_at": str,
        },
        pk="id",
        not_null={"child_id", "day", "reported_at", "reported_by"},
        foreign_keys=[("child_id", "children", "id")],
    )
    db["absences"].create_index(["day", "child_id"])


def _m006_closed_months(db: Database) -> None:
    """A closed month is locked: what each child was billed is kept, version by version (a
    later correction billed as an adjustment makes the billed month a new version)."""
    db["closed_months"].create(
        {"year": int, "month": int, "closed_at": str, "closed_by": str},
        pk=("year", "month"),
        not_null={"closed_at", "closed_by"},
    )
    db["billed_months"].create(
        {"year": int, "month": int, "child_id": int, "version": int, "recorded_at": str, "billed": str},
        pk=("year", "month", "child_id", "version"),
        not_null={"recorded_at", "billed"},
        foreign_keys=[("child_id", "children", "id")],
    )


def _m007_day_topics(db: Database) -> None:
    """The day's topics of a group ("zapisy dnia"), written by the teacher who ran the
    activities; `substitution` marks a teacher standing in for an absent one ("zastępstwo").
    An edit keeps the earlier text: a row is superseded, never overwritten."""
    db["day_topics"].create(
        {
            "id": int,
            "group_id": int,
            "day": str,
            "topic": str,
            "author": str,
            "substitution": int,
            "substitute_for": str,
            "created_at": str,
            "superseded_by": int,
        },
        pk="id",
        not_null={"group_id", "day", "topic", "author", "substitution", "created_at"},
        defaults={"substitution": 0},
        foreign_keys=[("group_id", "groups", "id")],
    )
    db["day_topics"].create_index(["group_id", "day"])


def _m008_accounts_and_audit(db: Database) -> None:
    """Accounts, their passwords and sessions, every login attempt, refused actions, and the
    audit log of changes to personal data and attendance (who, when, what, before and after).

    A parent's account points at their `guardians` row, so the children it may see are the
    registry's own links; a teacher's groups are listed in `user_groups`. Sessions are kept
    here (only a hash of the cookie's token) so logging out and the idle timeout end them."""
    db["users"].create(
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
    db["user_groups"].create(
        {"user_id": int, "group_id": int},
        pk=("user_id", "group_id"),
        foreign_keys=[("user_id", "users", "id"), ("group_id", "groups", "id")],
    )
    db["password_history"].create(
        {"id": int, "user_id": int, "password_hash": str, "set_at": str},
        pk="id",
        not_null={"user_id", "password_hash", "set_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["password_history"].create_index(["user_id", "set_at"])
    db["login_attempts"].create(
        {"id": int, "at": str, "email": str, "user_id": int, "ip": str, "success": int, "outcome": str},
        pk="id",
        not_null={"at", "email", "success", "outcome"},
    )
    db["login_attempts"].create_index(["ip", "at"])
    db["login_attempts"].create_index(["user_id", "at"])
    db["sessions"].create(
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
    db["sessions"].create_index(["user_id"])
    db["denied_actions"].create(
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
    db["denied_actions"].create_index(["at"])
    db["audit_log"].create(
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
    db["audit_log"].create_index(["entity", "entity_id"])
    db["audit_log"].create_index(["at"])


def _m009_bounded_quarantine(db: Database) -> None:
    """Quarantine entries keep at most 1 KiB of a payload, so its full size and hash are
    kept beside it; `seq` names the stored tap a conflict collides with; `overflow` marks
    the one entry per reader and reason that counts what is no longer kept one by one.
    Older entries keep their whole payload and get its size and hash."""
    table = db["quarantine"]
    for column, kind in [("payload_size", int), ("payload_sha256", str), ("seq", int)]:
        table.add_column(column, kind)
    table.add_column("overflow", int, not_null_default=0)
    db.conn.create_function("ewidencjoner_sha256", 1, lambda data: hashlib.sha256(bytes(data)).hexdigest())
    db.execute(
        "UPDATE quarantine SET payload_size = length(payload), payload_sha256 = ewidencjoner_sha256(payload)"
    )
    table.create_index(["payload_sha256"])
    table.create_index(["reader_id", "reason", "resolved_at"])


def _m010_broker_credentials(db: Database) -> None:
    """MQTT logins of the readers (hub/store/broker_credentials.py): one `$7$` hash per reader."""
    db.execute(
        "CREATE TABLE broker_credentials ("
        " user TEXT PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,"
        " password_hash TEXT NOT NULL,"
        " issued_at TEXT NOT NULL)"
    )


def _m011_trusted_devices(db: Database) -> None:
    """Browsers that logged in to an account before (device cookies, see `hub/accounts/devices.py`):
    only a hash of each cookie's nonce, and the wrong passwords typed on that browser, so
    failures there lock out that browser alone. `users.blocked_by` tells a block by wrong
    passwords from unknown browsers (`failures`: trusted browsers still log in) from the
    administrator's block (everything refused). The key that signs device cookies is made
    here, once, and never leaves the database."""
    db["trusted_devices"].create(
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
    db["trusted_devices"].create_index(["user_id"])
    db["users"].add_column("blocked_by", str)
    db["signing_keys"].create({"name": str, "key": str}, pk="name", not_null={"key"})
    db["signing_keys"].insert({"name": "device_cookie", "key": secrets.token_hex(32)})


def _m012_cards_by_uid(db: Database) -> None:
    """Which card a tap's UID stands for is asked per tap and per unknown card; the only
    index on `uid` was the partial one over active cards, which such a question cannot use,
    so it scanned every card (30 ms a tap with a city's 60,000)."""
    db["cards"].create_index(["uid", "valid_from"], index_name="cards_by_uid")


MIGRATIONS: list[Migration] = [
    _m001_readers_and_taps,
    _m002_quarantine_and_reader_health,
    _m003_registry_and_corrections,
    _m004_reader_mode_history,
    _m005_absences,
    _m006_closed_months,
    _m007_day_topics,
    _m008_accounts_and_audit,
    _m009_bounded_quarantine,
    _m010_broker_credentials,
    _m011_trusted_devices,
    _m012_cards_by_uid,
]


def schema_version(db: Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: Database, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet; return the new version."""
    if "schema_migrations" not in db.table_names():
        db["schema_migrations"].create({"version": int, "name": str, "applied_at": str}, pk="version")
    current = schema_version(db)
    if current > len(migrations):
        raise SchemaTooNew(
            f"the database is at schema version {current}, this ewidencjoner knows "
            f"only up to {len(migrations)}: upgrade ewidencjoner"
        )
    for version, migration in enumerate(migrations, start=1):
        if version <= current:
            continue
        with db.atomic():
            migration(db)
            db["schema_migrations"].insert(
                {"version": version, "name": migration.__name__.lstrip("_"), "applied_at": to_db(utc_now())}
            )
    return schema_version(db)
