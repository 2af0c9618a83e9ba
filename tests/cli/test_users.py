"""`ewidencjoner users …`: accounts, one-time passwords, statistics and the security settings."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from hub.accounts import accounts, logins
from hub.store import registry
from hub.store.db import open_database
from web.cli import cli


def run(database: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_add_list_unblock_and_stats(tmp_path: Path) -> None:
    database = tmp_path / "users.db"
    db = open_database(database)
    registry.add_group(db, "Żabki", author="test")
    registry.add_child(db, first_name="Łucja", last_name="Żak", group="Żabki", author="test")
    output = run(database, "users", "add", "Anna@P11.pl", "--name", "Anna Nowak", "--role", "teacher",
                 "--group", "Żabki", "--title", "wychowawca", "--author", "dyrektor")  # fmt: skip
    one_time = re.search(r"One-time password: (\S+)", output).group(1)
    assert logins.log_in(db, "anna@p11.pl", one_time, ip="10.0.0.1", today=date.today())
    run(
        database, "users", "add", "mama@example.pl", "--name", "Marta Żak", "--role", "parent", "--child", "1"
    )
    run(database, "users", "add", "k@kuratorium.pl", "--name", "K", "--role", "inspector",
        "--expires", "2030-06-30", "--grant", "reports.attendance")  # fmt: skip
    listed = run(database, "users", "list")
    assert "anna@p11.pl" in listed and "groups [1]" in listed and "until 2030-06-30" in listed
    db.execute("UPDATE users SET blocked_at = '2026-11-18T08:00:00.000Z' WHERE email = 'anna@p11.pl'")
    db.conn.commit()
    assert "BLOCKED" in run(database, "users", "list")
    fresh = re.search(
        r"One-time password for anna@p11.pl: (\S+)", run(database, "users", "unblock", "ANNA@p11.pl")
    )
    assert accounts.find_user(db, "anna@p11.pl")["blocked_at"] is None
    assert logins.log_in(db, "anna@p11.pl", fresh.group(1), ip="10.0.0.1", today=date.today())
    stats = run(database, "users", "stats", "--days", "7")
    assert re.search(r"teacher\s+1 accounts\s+2 logins", stats) and "anna@p11.pl" in stats


def test_refusals_and_the_policy(tmp_path: Path) -> None:
    database = tmp_path / "users.db"
    open_database(database).close()
    result = CliRunner().invoke(
        cli, ["--database", str(database), "users", "add", "k@x.pl", "--name", "K", "--role", "inspector"]
    )
    assert result.exit_code == 1 and "last day it works" in result.output
    assert "idle_minutes = 10" in run(database, "users", "policy", "idle_minutes=10")
    refused = CliRunner().invoke(
        cli, ["--database", str(database), "users", "policy", "password_min_length=4"]
    )
    assert refused.exit_code == 1 and "from 8 to 128" in refused.output
    assert "parent" in run(database, "users", "rights")
