"""The journal's tables as the migrations built them: readers, taps, quarantine, the
register, cards, corrections, absences, closed months, day topics.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

import hashlib

from sqlite_utils import Database


def m001_readers_and_taps(db: Database) -> None:
    db.table("readers").create(
        {"id": str, "name": str, "mode": str, "created_at": str},
        pk="id",
        not_null={"name", "mode", "created_at"},
        defaults={"mode": "toggle"},
    )
    db.table("taps").create(
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
    db.table("taps").create_index(["at"])
    db.table("taps").create_index(["uid", "at"])


def m002_quarantine_and_reader_health(db: Database) -> None:
    db.table("quarantine").create(
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
    db.table("quarantine").create_index(["resolved_at", "reason"])
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
        db.table("readers").add_column(column, kind)
    db.table("reader_events").create(
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
    db.table("reader_events").create_index(["reader_id", "at"])


def m003_registry_and_corrections(db: Database) -> None:
    db.table("groups").create(
        {"id": int, "name": str, "teachers": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db.table("groups").create_index(["name"], unique=True)
    db.table("children").create(
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
    db.table("guardians").create(
        {"id": int, "name": str, "phone": str, "email": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db.table("child_guardians").create(
        {"child_id": int, "guardian_id": int, "relation": str},
        pk=("child_id", "guardian_id"),
        foreign_keys=[("child_id", "children", "id"), ("guardian_id", "guardians", "id")],
    )
    db.table("cards").create(
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
    db.table("cards").create_index(["child_id"])
    db.table("corrections").create(
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
    db.table("corrections").create_index(["day", "child_id"])
    db.table("closed_days").create({"day": str, "reason": str}, pk="day", not_null={"reason"})
    db.table("settings").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.execute("CREATE INDEX taps_by_uid_and_day ON taps(uid, coalesce(at, received_at))")


def m004_reader_mode_history(db: Database) -> None:
    """A tap means what its reader's mode was at the time, so mode changes are dated."""
    db.table("reader_modes").create(
        {"reader_id": str, "valid_from": str, "mode": str, "changed_by": str},
        pk=("reader_id", "valid_from"),
        not_null={"mode"},
        foreign_keys=[("reader_id", "readers", "id")],
    )
    db.execute(
        "INSERT INTO reader_modes (reader_id, valid_from, mode, changed_by) "
        "SELECT id, '1970-01-01T00:00:00.000Z', mode, 'migration' FROM readers"
    )


def m005_absences(db: Database) -> None:
    """Absences reported ahead (by a guardian or the secretary): they cancel meals."""
    db.table("absences").create(
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
    db.table("absences").create_index(["day", "child_id"])


def m006_closed_months(db: Database) -> None:
    """A closed month is locked: what each child was billed is kept, version by version (a
    later correction billed as an adjustment makes the billed month a new version)."""
    db.table("closed_months").create(
        {"year": int, "month": int, "closed_at": str, "closed_by": str},
        pk=("year", "month"),
        not_null={"closed_at", "closed_by"},
    )
    db.table("billed_months").create(
        {"year": int, "month": int, "child_id": int, "version": int, "recorded_at": str, "billed": str},
        pk=("year", "month", "child_id", "version"),
        not_null={"recorded_at", "billed"},
        foreign_keys=[("child_id", "children", "id")],
    )


def m007_day_topics(db: Database) -> None:
    """The day's topics of a group ("zapisy dnia"), written by the teacher who ran the
    activities; `substitution` marks a teacher standing in for an absent one ("zastępstwo").
    An edit keeps the earlier text: a row is superseded, never overwritten."""
    db.table("day_topics").create(
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
    db.table("day_topics").create_index(["group_id", "day"])


def m009_bounded_quarantine(db: Database) -> None:
    """Quarantine entries keep at most 1 KiB of a payload, so its full size and hash are
    kept beside it; `seq` names the stored tap a conflict collides with; `overflow` marks
    the one entry per reader and reason that counts what is no longer kept one by one.
    Older entries keep their whole payload and get its size and hash."""
    table = db.table("quarantine")
    for column, kind in [("payload_size", int), ("payload_sha256", str), ("seq", int)]:
        table.add_column(column, kind)
    table.add_column("overflow", int, not_null_default=0)
    db.conn.create_function("ewidencjoner_sha256", 1, lambda data: hashlib.sha256(bytes(data)).hexdigest())
    db.execute(
        "UPDATE quarantine SET payload_size = length(payload), payload_sha256 = ewidencjoner_sha256(payload)"
    )
    table.create_index(["payload_sha256"])
    table.create_index(["reader_id", "reason", "resolved_at"])


def m012_cards_by_uid(db: Database) -> None:
    """Which card a tap's UID stands for is asked per tap and per unknown card; the only
    index on `uid` was the partial one over active cards, which such a question cannot use,
    so it scanned every card (30 ms a tap with a city's 60,000)."""
    db.table("cards").create_index(["uid", "valid_from"], index_name="cards_by_uid")
