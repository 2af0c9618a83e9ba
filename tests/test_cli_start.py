"""The command line imports what a command uses: the web stack only for `serve` and `demo`,
a command's module only when it runs (`hub/cli/lazy.py`), storage not for `--help`.

Cold start is what a teacher's script or a cron job pays on every call (`bench/cli_start.py`
times it); here each case runs in a fresh interpreter, so modules imported by earlier tests
do not hide an eager import. The lines `--help` lists without importing the commands are
checked against the commands' own help.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import hub.cli
from hub.cli.city import CITY_COMMANDS
from hub.cli.lazy import LazyGroup
from hub.cli.main import COMMANDS, cli
from hub.store.db import open_database

WEB_STACK = ("fastapi", "starlette", "uvicorn", "typst", "web.app")
STORAGE = ("sqlite_utils", "hub.store")
UNUSED_BY_DAY = (
    "holidays",
    "hub.cli.fees",
    "hub.cli.reports",
    "hub.accounts",
    "hub.rules.fees",
    "hub.reports",
)

PROBE = """
import json, sys
from click.testing import CliRunner
from web.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:], prog_name="ewidencjoner")
print(json.dumps({"exit_code": result.exit_code, "output": result.output,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                    ("fastapi", "starlette", "uvicorn", "typst", "web",
                                     "hub", "sqlite_utils", "holidays"))}))
"""


def run_in_fresh_interpreter(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == name or m.startswith(name + ".") for name in names)]


def loaded_web_stack(modules: list[str]) -> list[str]:
    return loaded(modules, WEB_STACK)


def test_help_lists_every_command_without_the_web_stack() -> None:
    probe = run_in_fresh_interpreter("--help")
    assert probe["exit_code"] == 0
    for command in ("day", "report", "serve", "demo", "users"):
        assert f"  {command} " in probe["output"]
    assert "Run the hub: MQTT ingest" in probe["output"]
    assert loaded_web_stack(probe["modules"]) == []
    assert loaded(probe["modules"], STORAGE) == []
    commands = {m for m in probe["modules"] if m.startswith("hub.cli.")}
    assert commands == {"hub.cli.main", "hub.cli.lazy"}


def test_a_day_imports_its_command_alone(tmp_path: Path) -> None:
    database = tmp_path / "hub.db"
    open_database(database).close()
    probe = run_in_fresh_interpreter("--database", str(database), "day", "--json", "--date", "2026-06-04")
    assert probe["exit_code"] == 0, probe["output"]
    assert loaded(probe["modules"], UNUSED_BY_DAY) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_line_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load()
    assert command.get_short_help_str(limit=10_000) == COMMANDS[name].help
    assert cli.get_command(click.Context(cli), name) is command


def test_every_command_of_the_cli_modules_is_in_the_table() -> None:
    """A command defined in hub/cli/ and added to no group must have its line in COMMANDS,
    or `ewidencjoner` would not know it."""
    defined: set[click.Command] = set()
    for module in pkgutil.iter_modules(hub.cli.__path__):
        namespace = vars(importlib.import_module(f"hub.cli.{module.name}"))
        defined |= {value for value in namespace.values() if isinstance(value, click.Command)}
    in_groups = {
        sub for group in defined if isinstance(group, click.Group) for sub in group.commands.values()
    }
    listed = {entry.load() for table in (COMMANDS, CITY_COMMANDS) for entry in table.values()}
    assert {command.name for command in defined - in_groups - listed - {cli}} == set()


@pytest.mark.parametrize("name", sorted(CITY_COMMANDS))
def test_each_city_line_is_the_commands_own(name: str) -> None:
    assert CITY_COMMANDS[name].load().get_short_help_str(limit=10_000) == CITY_COMMANDS[name].help


def test_the_city_group_lists_its_commands_as_click_would() -> None:
    lazy = LazyGroup("city", lazy_commands=CITY_COMMANDS)
    eager = click.Group("city", commands={name: entry.load() for name, entry in CITY_COMMANDS.items()})
    assert CliRunner().invoke(lazy, ["--help"]).output == CliRunner().invoke(eager, ["--help"]).output


def test_help_lists_every_command_as_click_would() -> None:
    lazy = LazyGroup("ewidencjoner", lazy_commands=COMMANDS)
    eager = click.Group("ewidencjoner", commands={name: entry.load() for name, entry in COMMANDS.items()})
    listed = CliRunner().invoke(lazy, ["--help"]).output
    assert lazy.commands == {}  # listed from the table alone
    assert listed == CliRunner().invoke(eager, ["--help"]).output
