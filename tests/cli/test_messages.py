"""`ewidencjoner messages`: sending as an account, the inbox and a thread with --json (no
receipt recorded by reading here), closing a past year and only then removing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.accounts.accounts import add_user
from hub.store import messages as store
from hub.store import registry
from hub.store.db import open_database
from web.cli import cli

AUTHOR = "sekretariat@p11.pl"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    db = open_database(path)
    registry.add_group(db, "Motylki", author=AUTHOR)
    registry.add_child(
        db, first_name="Zofia", last_name="Nowak", group=1, active_from="2025-09-01", author=AUTHOR
    )
    add_user(db, email="anna@p11.pl", name="Anna Lis", role="teacher", groups=[1], author=AUTHOR)
    add_user(db, email="ewa@p11.pl", name="Ewa Nowak", role="parent", children=[1], author=AUTHOR)
    db.close()
    return path


def run(database: Path, *args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), "messages", *args], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def test_send_list_and_show_without_a_receipt(database: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"%PDF-1.7 plan")
    sent = json.loads(
        run(database, "send", "--from", "anna@p11.pl", "--to", "group_guardians", "--target", "1",
            "--subject", "Zebranie", "--body", "We wtorek.", "--attach", str(plan), "--json")
    )  # fmt: skip
    assert sent["recipients"] == [2]
    [listed] = json.loads(run(database, "list", "--account", "ewa@p11.pl", "--json"))
    assert listed["subject"] == "Zebranie" and listed["read_at"] is None
    [shown] = json.loads(run(database, "show", str(sent["id"]), "--account", "ewa@p11.pl", "--json"))
    assert shown["attachments"][0]["name"] == "plan.pdf" and shown["receipts"] is None
    [again] = json.loads(run(database, "list", "--account", "ewa@p11.pl", "--json"))
    assert again["read_at"] is None  # the administrator's reading is nobody's receipt
    assert "read 0/1" in run(database, "list", "--account", "anna@p11.pl", "--sent")


def test_a_parent_writing_to_parents_is_refused(database: Path) -> None:
    out = run(database, "send", "--from", "ewa@p11.pl", "--to", "group_guardians", "--target", "1",
              "--subject", "x", "--body", "y", ok=False)  # fmt: skip
    assert "not to other parents" in out


def test_a_year_is_removed_only_after_it_is_closed(database: Path) -> None:
    db = open_database(database)
    store.add_message(
        db, sender_id=1, actor="anna@p11.pl", subject="Stara", body="x", school_year="2024/2025",
        recipients=[store.Recipient(2, "person")],
    )  # fmt: skip
    db.close()
    assert "not closed" in run(database, "remove-closed", "2024/2025", ok=False)
    assert json.loads(run(database, "close-year", "2024/2025", "--json")) == {
        "school_year": "2024/2025",
        "closed": 1,
    }
    assert "has not ended" in run(database, "close-year", "2099/2100", ok=False)
    assert json.loads(run(database, "remove-closed", "2024/2025", "--json"))["removed"] == 1
    assert "removed" in run(database, "years")
