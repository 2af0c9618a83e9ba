"""Schema migrations: an older database upgrades itself, a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.store.db import connect, open_database
from hub.store.migrations import MIGRATIONS, SchemaTooNew, migrate, schema_version


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
    db["schema_migrations"].insert({"version": len(MIGRATIONS) + 1, "name": "future", "applied_at": "x"})
    db.close()
    with pytest.raises(SchemaTooNew, match="upgrade ewidencjoner"):
        open_database(tmp_path / "new.db")


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
