"""Schema migrations: an older database upgrades itself, a newer one is refused."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from hub.store.db import connect, open_database
from hub.store.migrations import MIGRATION_SET, MIGRATIONS, SchemaTooNew, migrate, schema_version, step_name

LEGACY_DUMP = Path(__file__).resolve().parents[1] / "data" / "schema_v12_schema_migrations.sql"


def test_a_database_from_an_older_version_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = connect(path)
    assert migrate(old, MIGRATIONS[:1]) == 1
    old["readers"].insert(
        {"id": "r1", "name": "Wejście", "mode": "toggle", "created_at": "2026-01-01T00:00:00.000Z"}
    )
    old.close()
    upgraded = open_database(path)
    assert schema_version(upgraded) == len(MIGRATIONS)
    assert upgraded["readers"].get("r1")["name"] == "Wejście"
    assert "quarantine" in upgraded.table_names()
    assert open_database(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    future = {"migration_set": MIGRATION_SET, "name": "m999_future", "applied_at": "x"}
    db["_sqlite_migrations"].insert(future)
    db.close()
    with pytest.raises(SchemaTooNew, match=r"\(m999_future\): upgrade ewidencjoner"):
        open_database(tmp_path / "new.db")


def test_an_older_code_refuses_a_database_of_more_steps(tmp_path: Path) -> None:
    db = connect(tmp_path / "new.db")
    migrate(db)
    with pytest.raises(SchemaTooNew, match=step_name(MIGRATIONS[-1])):
        migrate(db, MIGRATIONS[:-1])


def legacy_database(path: Path) -> None:
    """The database of the dump: made by the runner before sqlite-utils' `Migrations`."""
    with contextlib.closing(sqlite3.connect(path)) as db:  # foreign keys off, as in a dump's order
        db.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))


def test_a_database_recorded_in_schema_migrations_upgrades_cleanly(tmp_path: Path) -> None:
    legacy_database(tmp_path / "v12.db")
    upgraded = open_database(tmp_path / "v12.db")
    assert "schema_migrations" not in upgraded.table_names()
    recorded = upgraded.execute(
        "SELECT name, applied_at FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id", [MIGRATION_SET]
    ).fetchall()
    assert [name for name, _ in recorded] == [step_name(m) for m in MIGRATIONS]
    assert recorded[0] == ("m001_readers_and_taps", "2026-12-05T13:09:19.022Z")  # kept from the old record
    assert upgraded["readers"].get("r1")["name"] == "Wejście"
    assert upgraded.execute("SELECT first_name FROM children").fetchall() == [("Ala",)]
    open_database(tmp_path / "v12.db")  # and opens again, with nothing left to do
    assert schema_version(upgraded) == len(MIGRATIONS)


def test_a_legacy_database_of_unknown_steps_is_refused_unchanged(tmp_path: Path) -> None:
    legacy_database(tmp_path / "v13.db")
    db = connect(tmp_path / "v13.db")
    db["schema_migrations"].insert({"version": 13, "name": "m013_future", "applied_at": "x"})
    with pytest.raises(SchemaTooNew, match="m013_future"):
        migrate(db)
    assert "_sqlite_migrations" not in db.table_names()
    assert db.execute("SELECT count(*) FROM schema_migrations").fetchone() == (13,)


def test_a_failing_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    def broken(db) -> None:
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("disk on fire")

    db = connect(tmp_path / "x.db")
    with pytest.raises(RuntimeError):
        migrate(db, [*MIGRATIONS, broken])
    assert schema_version(db) == len(MIGRATIONS)
    assert "half" not in db.table_names()


def test_readers_from_before_mode_history_keep_their_mode_for_old_taps(tmp_path: Path) -> None:
    db = connect(tmp_path / "v3.db")
    migrate(db, MIGRATIONS[:3])
    db["readers"].insert(
        {"id": "r1", "name": "Wejście", "mode": "in", "created_at": "2026-01-01T00:00:00.000Z"}
    )
    migrate(db)
    assert db.execute("SELECT mode, valid_from FROM reader_modes").fetchall() == [
        ("in", "1970-01-01T00:00:00.000Z")
    ]
