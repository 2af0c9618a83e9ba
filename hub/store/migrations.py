"""The schema: numbered migrations, applied in order at every start.

Each migration runs in its own transaction and is recorded in `schema_migrations`, so a
database made by an older version upgrades itself and a newer one is refused rather than
misread. The steps live beside the tables they build (`schema_journal.py`,
`schema_accounts.py`); a schema change is a new function appended to `MIGRATIONS`, and a
migration, once released, never changes. A step's recorded name is its function's name.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from hub.store.schema_accounts import m008_accounts_and_audit, m010_broker_credentials, m011_trusted_devices
from hub.store.schema_journal import (
    m001_readers_and_taps,
    m002_quarantine_and_reader_health,
    m003_registry_and_corrections,
    m004_reader_mode_history,
    m005_absences,
    m006_closed_months,
    m007_day_topics,
    m009_bounded_quarantine,
    m012_cards_by_uid,
)
from hub.store.schema_reader_setup import m017_logins_before_registration
from hub.timefmt import to_db, utc_now

Migration = Callable[[Database], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer ewidencjoner than this one."""


MIGRATIONS: list[Migration] = [
    m001_readers_and_taps,
    m002_quarantine_and_reader_health,
    m003_registry_and_corrections,
    m004_reader_mode_history,
    m005_absences,
    m006_closed_months,
    m007_day_topics,
    m008_accounts_and_audit,
    m009_bounded_quarantine,
    m010_broker_credentials,
    m011_trusted_devices,
    m012_cards_by_uid,
    m017_logins_before_registration,
]


def schema_version(db: Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: Database, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet; return the new version."""
    if "schema_migrations" not in db.table_names():
        db.table("schema_migrations").create({"version": int, "name": str, "applied_at": str}, pk="version")
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
            db.table("schema_migrations").insert(
                {"version": version, "name": migration.__name__.lstrip("_"), "applied_at": to_db(utc_now())}
            )
    return schema_version(db)
