"""The audit log: changes to children, corrections, cards and settings, each with who, when,
and what was before and after, written in the change's own transaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from hub.refusal import Refusal
from hub.store import audit, cards, corrections, readers, registry, site_settings
from hub.store.db import open_database
from web.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "audit.db")
    registry.add_group(database, "Żabki", author="sekretariat@p11.pl")
    registry.add_group(database, "Motylki", author="sekretariat@p11.pl")
    registry.add_child(
        database, first_name="Łucja", last_name="Żak", group="Żabki", active_from="2026-09-01",
        author="sekretariat@p11.pl",
    )  # fmt: skip
    return database


def test_a_child_edit_keeps_only_what_changed_before_and_after(db: Database) -> None:
    registry.update_child(db, 1, group="Motylki", notes="alergia na orzechy", author="sekretariat@p11.pl")
    [entry, created] = audit.entries(db, entity="child", entity_id=1)
    assert (entry["action"], entry["actor"]) == ("child.update", "sekretariat@p11.pl")
    assert entry["before"] == {"group_id": 1, "group_name": "Żabki", "notes": None}
    assert entry["after"] == {"group_id": 2, "group_name": "Motylki", "notes": "alergia na orzechy"}
    assert created["action"] == "child.create" and created["before"] is None
    assert created["after"]["last_name"] == "Żak"


def test_a_refused_change_leaves_no_entry(db: Database) -> None:
    count = len(audit.entries(db))
    with pytest.raises(Refusal):
        registry.update_child(db, 1, active_to="2020-01-01", author="sekretariat@p11.pl")
    assert len(audit.entries(db)) == count


def test_a_correction_and_its_revocation(db: Database) -> None:
    made = corrections.add_correction(
        db, child_id=1, day=date(2026, 11, 18), kind="mark_absent", reason="choroba", author="anna@p11.pl"
    )
    corrections.revoke_correction(db, made["id"], author="dyrektor@p11.pl", reason="pomyłka")
    revoked, created = audit.entries(db, entity="correction", entity_id=made["id"])
    assert created["after"]["kind"] == "mark_absent" and created["actor"] == "anna@p11.pl"
    assert revoked["actor"] == "dyrektor@p11.pl"
    assert revoked["before"] == {"revoked_at": None, "revoked_by": None, "revoke_reason": None}
    assert revoked["after"]["revoke_reason"] == "pomyłka"


def test_cards_settings_and_the_command_line_are_logged(db: Database, tmp_path: Path) -> None:
    card = cards.assign_card(db, uid="04A2B3C4", child_id=1, author="sekretariat@p11.pl")
    cards.revoke_card(db, card["id"], author="sekretariat@p11.pl", reason="zgubiona")
    site_settings.set_value(db, "closing", "17:30", author="dyrektor@p11.pl")
    [setting] = audit.entries(db, entity="settings")
    assert setting["before"] == {"closing": "17:00"} and setting["after"] == {"closing": "17:30"}
    assert [entry["action"] for entry in audit.entries(db, entity="card")] == ["card.revoke", "card.assign"]
    readers.add_reader(db, "ogrod", "Wyjście do ogrodu")
    readers.set_mode(db, "ogrod", "out", "dyrektor@p11.pl")
    [mode] = audit.entries(db, entity="reader")
    assert (mode["before"], mode["after"]) == ({"mode": "toggle"}, {"mode": "out"})
    result = CliRunner().invoke(
        cli, ["--database", str(tmp_path / "audit.db"), "groups", "add", "Sówki", "--author", "dyrektor"]
    )
    assert result.exit_code == 0, result.output
    assert audit.entries(db, entity="group")[0]["actor"] == "dyrektor"
