"""The schema: named migrations, applied in order at every start by sqlite-utils' `Migrations`.

Each migration runs in its own transaction together with its record in
`_sqlite_migrations` (sqlite-utils' table: the set's name, the step's name, when), so a
database made by an older version upgrades itself and a failed step leaves nothing half
done. A database that has had a step this code does not know was written by a newer
ewidencjoner and is refused rather than misread. The steps live beside the tables they
build (`schema_journal.py`, `schema_accounts.py`); a schema change is a new function
appended to `MIGRATIONS`, and a migration, once released, never changes. A step's recorded
name is its function's name.

Databases from before sqlite-utils' runner recorded their steps in `schema_migrations`
(version, name, applied_at): at their first open those records move to `_sqlite_migrations`,
in one transaction, and the old table goes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database, Migrations

from hub.store.schema_accounts import m008_accounts_and_audit, m010_broker_credentials, m011_trusted_devices
from hub.store.schema_agenda import m021_announcements_and_calendar
from hub.store.schema_backups import m023_backups
from hub.store.schema_city import m026_city_link
from hub.store.schema_door import m014_kiosk
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
from hub.store.schema_messages import m018_messages
from hub.store.schema_money import m013_ledgers_and_bank_transfers
from hub.store.schema_notifications import m020_notifications
from hub.store.schema_plans import m022_plans_and_observations
from hub.store.schema_reader_setup import m017_logins_before_registration
from hub.store.schema_replies import m019_staff_absences
from hub.store.schema_retention import m025_personal_data_reads
from hub.store.schema_updates import m016_firmware_updates
from hub.store.schema_year_end import m029_archive_verifications

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
    m013_ledgers_and_bank_transfers,
    m014_kiosk,
    m016_firmware_updates,
    m017_logins_before_registration,
    m018_messages,
    m019_staff_absences,
    m020_notifications,
    m021_announcements_and_calendar,
    m022_plans_and_observations,
    m023_backups,
    m025_personal_data_reads,
    m026_city_link,
    m029_archive_verifications,
]


MIGRATION_SET = "ewidencjoner"
"""The name of our migrations in `_sqlite_migrations` (a set of sqlite-utils' `Migrations`)."""
LEGACY_TABLE = "schema_migrations"
"""Where databases recorded their migrations before sqlite-utils' runner."""


def step_name(migration: Migration) -> str:
    return migration.__name__.lstrip("_")


def migration_set(migrations: list[Migration]) -> Migrations:
    steps = Migrations(MIGRATION_SET)
    for migration in migrations:
        steps(name=step_name(migration))(migration)
    return steps


def applied_steps(db: Database) -> list[str]:
    """The names of the migrations this database has had, in the order applied."""
    legacy: list[str] = []
    if LEGACY_TABLE in db.table_names():
        legacy = [row[0] for row in db.execute(f"SELECT name FROM {LEGACY_TABLE} ORDER BY version")]
    return legacy + [step.name for step in Migrations(MIGRATION_SET).applied(db)]


def schema_version(db: Database) -> int:
    """How many migrations this database has had."""
    return len(applied_steps(db))


def migrate(db: Database, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet; return how many it has had.

    Raises `SchemaTooNew`, changing nothing, if the database has had a migration that
    `migrations` does not hold."""
    known = {step_name(migration) for migration in migrations}
    unknown = [name for name in applied_steps(db) if name not in known]
    if unknown:
        raise SchemaTooNew(
            f"the database has schema steps this ewidencjoner does not know ({', '.join(unknown)}): "
            "upgrade ewidencjoner"
        )
    steps = migration_set(migrations)
    _adopt_legacy_records(db, steps)
    steps.apply(db)
    return schema_version(db)


def _adopt_legacy_records(db: Database, steps: Migrations) -> None:
    """Move `schema_migrations`' records into `_sqlite_migrations`, in one transaction."""
    if LEGACY_TABLE not in db.table_names():
        return
    with db.atomic():
        if LEGACY_TABLE not in db.table_names():
            return  # another process opening the database moved them meanwhile
        steps.ensure_migrations_table(db)
        db.execute(
            f"INSERT INTO {Migrations.migrations_table} (migration_set, name, applied_at) "
            f"SELECT ?, name, applied_at FROM {LEGACY_TABLE} ORDER BY version",
            [MIGRATION_SET],
        )
        db.execute(f"DROP TABLE {LEGACY_TABLE}")
