"""`ewidencjoner archive write|verify|inspect` on a school year that is over (2024/2025)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from tests.archive_support import SCHOOL_YEAR_OVER, june_year
from web.cli import cli


def invoke(database: Path | None, *args: str, code: int = 0) -> str:
    prefix = ["--database", str(database)] if database else []
    result = CliRunner().invoke(cli, [*prefix, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_write_verify_inspect(tmp_path: Path) -> None:
    settings, _ = june_year(
        tmp_path, "Żabki", [("Łucja", "Ćwik", [(date(2025, 6, 2), 30, 420)]), ("Jan", "Óśka", [])]
    )
    target = tmp_path / "archiwum 2024-2025"
    write = ["archive", "write", str(SCHOOL_YEAR_OVER), "--to", str(target), "--json", "--author", "admin"]
    written = json.loads(invoke(settings.database, *write))
    assert written["path"] == str(target) and written["school_year"] == SCHOOL_YEAR_OVER
    assert "whole and valid" in invoke(None, "archive", "verify", str(target))
    assert json.loads(invoke(None, "archive", "verify", str(target), "--json"))["valid"] is True
    summary = invoke(None, "archive", "inspect", str(target))
    assert "School year 2024/2025" in summary and "group Żabki (#1): 2 children" in summary
    days = invoke(None, "archive", "inspect", str(target), "--child", "1", "--day", "2025-06-02")
    assert days.splitlines() == [
        "Łucja Ćwik (#1, Żabki), enrolled 2025-06-01–2025-06-30",
        "  2025-06-02  present                  07:30–14:30",
    ]
    register = invoke(None, "archive", "inspect", str(target), "--group", "Żabki", "--day", "2025-06-02")
    assert register.splitlines()[1:] == [
        "2025-06-02 (Mon)",
        "  Ćwik Łucja                       present                  07:30–14:30",
        "  Óśka Jan                         absent",
    ]
    again = invoke(settings.database, "archive", "write", str(SCHOOL_YEAR_OVER), "--to", str(target), code=1)
    assert "already exists" in again


def test_inspect_and_verify_of_no_archive_are_clear_errors(tmp_path: Path) -> None:
    assert "is no yearly archive" in invoke(None, "archive", "verify", str(tmp_path), code=1)
    assert "is no yearly archive" in invoke(None, "archive", "inspect", str(tmp_path / "nic"), code=1)
    assert "not both" in invoke(
        None, "archive", "inspect", str(tmp_path), "--child", "1", "--group", "A", code=2
    )
