"""The command line imports the web stack only for `serve` and `demo`.

Cold start is what a teacher's script or a cron job pays on every call (`bench/cli_start.py`
times it); here each case runs in a fresh interpreter, so modules imported by earlier tests
do not hide an eager import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub.store.db import open_database

WEB_STACK = ("fastapi", "starlette", "uvicorn", "weasyprint", "web.app")

PROBE = """
import json, sys
from click.testing import CliRunner
from web.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:], prog_name="ewidencjoner")
print(json.dumps({"exit_code": result.exit_code, "output": result.output,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                    ("fastapi", "starlette", "uvicorn", "weasyprint", "web"))}))
"""


def run_in_fresh_interpreter(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def loaded_web_stack(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == name or m.startswith(name + ".") for name in WEB_STACK)]


def test_help_lists_every_command_without_the_web_stack() -> None:
    probe = run_in_fresh_interpreter("--help")
    assert probe["exit_code"] == 0
    for command in ("day", "report", "serve", "demo", "users"):
        assert f"  {command} " in probe["output"]
    assert "Run the hub: MQTT ingest" in probe["output"]
    assert loaded_web_stack(probe["modules"]) == []


@pytest.mark.parametrize("args", [["day", "--json"], ["report", "--help"], ["serve", "--help"]])
def test_data_commands_do_not_import_the_web_stack(tmp_path: Path, args: list[str]) -> None:
    database = tmp_path / "hub.db"
    open_database(database).close()
    probe = run_in_fresh_interpreter("--database", str(database), *args)
    assert probe["exit_code"] == 0, probe["output"]
    assert loaded_web_stack(probe["modules"]) == []
