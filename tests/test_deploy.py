"""The service set-up in deploy/: the systemd unit is valid, hardened, and runs our command."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

UNIT = REPO / "deploy" / "ewidencjoner.service"
INSTALLED_COMMAND = "/opt/ewidencjoner/venv/bin/ewidencjoner"
MAX_EXPOSURE = 2.0
"""systemd's own score of what the service could reach (0 best, 10 worst); 2 is "OK"."""


def unit_sections() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def unit_here(tmp_path: Path) -> Path:
    """The unit with its command pointing at this checkout's, so systemd can check it here."""
    command = Path(sys.executable).parent / "ewidencjoner"
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED_COMMAND, str(command)))
    return copy


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is missing: `apt-get install systemd` (make test does)")
    return found


def test_the_unit_runs_the_hub_as_its_own_user_with_private_files() -> None:
    service = unit_sections()["Service"]
    assert service["ExecStart"] == f"{INSTALLED_COMMAND} serve"
    assert service["User"] == "ewidencjoner"
    assert service["UMask"] == "0077"
    assert service["StateDirectoryMode"] == "0700"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["CapabilityBoundingSet"] == ""


def test_the_hub_starts_after_the_broker_it_may_use() -> None:
    unit = unit_sections()["Unit"]
    assert "mosquitto.service" in unit["After"].split()
    assert "mosquitto.service" in unit["Wants"].split()


def test_systemd_accepts_the_unit(unit_here: Path) -> None:
    result = subprocess.run(
        [systemd_analyze(), "verify", str(unit_here)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_systemd_rates_the_unit_as_well_confined(unit_here: Path) -> None:
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=yes", "--no-pager", str(unit_here)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE, result.stdout


def test_the_documented_command_exists() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "ewidencjoner", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
