"""The city's set-up in deploy/city/: the units for a NATS node and for the city service are
valid and confined by systemd's own tools, the node's configuration is one `nats-server`
accepts, and the service's unit runs `city serve` with the engines from its environment."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import CITY_ENVIRONMENT
from tests.city_support import NATS_SERVER
from tests.support import REPO
from tests.test_deploy import INSTALLED_COMMAND, MAX_EXPOSURE, systemd_analyze

CITY = REPO / "deploy" / "city"
UNITS = {
    "ewidencjoner-city.service": "ewidencjoner-city.service",
    "ewidencjoner-city-panel.service": "ewidencjoner-city-panel.service",
    "nats-server@.service": "nats-server@city-n1.service",
}


@pytest.fixture
def units_here(tmp_path: Path) -> list[Path]:
    """The units as systemd would load them here: the template as node `city-n1`, our
    command this checkout's."""
    command = Path(sys.executable).parent / "ewidencjoner"
    found = []
    for name, loaded in UNITS.items():
        copy = tmp_path / loaded
        copy.write_text((CITY / name).read_text(encoding="utf-8").replace(INSTALLED_COMMAND, str(command)))
        found.append(copy)
    return found


def test_systemd_accepts_the_city_units_and_rates_them_well_confined(units_here: list[Path]) -> None:
    for unit in units_here:
        verified = subprocess.run(
            [systemd_analyze(), "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
        security = subprocess.run(
            [systemd_analyze(), "security", "--offline=yes", "--no-pager", str(unit)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
        assert found and float(found.group(1)) <= MAX_EXPOSURE, security.stdout + security.stderr


def test_the_city_service_runs_city_serve_with_its_engines_from_the_environment() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((CITY / "ewidencjoner-city.service").read_text(encoding="utf-8"))
    service = parser["Service"]
    assert service["ExecStart"] == f"{INSTALLED_COMMAND} city serve --name %H"
    assert service["Restart"] == "always"
    text = (CITY / "ewidencjoner-city.service").read_text(encoding="utf-8")
    assert set(re.findall(r"^Environment=(\w+)=", text, re.MULTILINE)) == CITY_ENVIRONMENT


def test_the_panel_runs_city_panel_on_the_loopback_for_the_proxy() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((CITY / "ewidencjoner-city-panel.service").read_text(encoding="utf-8"))
    service = parser["Service"]
    assert service["ExecStart"] == f"{INSTALLED_COMMAND} city panel --host 127.0.0.1 --port 8090"
    assert service["Environment"].startswith("EWIDENCJONER_CITY_POSTGRES=")


def test_nats_server_accepts_the_nodes_configuration() -> None:
    checked = subprocess.run(
        [NATS_SERVER, "-t", "-c", str(CITY / "city-n1.conf")], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
