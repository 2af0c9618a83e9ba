"""Preparing a real reader: its `config.json` and the compiled firmware, copied with mpremote.

The bundle is what `make firmware` builds (`.mpy` modules and `main.py`, compiled by
`mpy-cross`, without the simulator). `config.json` carries the reader's id, the site, the
Wi-Fi and broker addresses and its MQTT login (user name = reader id, as both brokers'
ACL expects; the password made by `broker_credentials.issue`); it holds secrets, so the
folder it is written to is readable by its owner only. With TLS the site CA (`ca.der`, from
`ewidencjoner certs init`) goes beside it and the firmware verifies the broker against it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hub.provision.firmware import build_firmware
from hub.refusal import N_, Refusal

CA_FILE = "ca.der"


@dataclass(frozen=True)
class ReaderConfig:
    reader_id: str
    site: str
    wifi_ssid: str
    wifi_pass: str
    broker_host: str
    broker_port: int
    mqtt_pass: str
    ca_der: Path | None = None
    """The site CA in DER: the reader connects over TLS and verifies the broker with it."""
    ota_key: str = ""
    """The key the hub signs this reader's firmware updates with (hex); empty: no updates."""

    def as_json(self) -> dict[str, object]:
        return {
            "reader_id": self.reader_id,
            "site": self.site,
            "wifi_ssid": self.wifi_ssid,
            "wifi_pass": self.wifi_pass,
            "broker_host": self.broker_host,
            "broker_port": self.broker_port,
            "mqtt_user": self.reader_id,
            "mqtt_pass": self.mqtt_pass,
            "tls": self.ca_der is not None,
            "ca_file": CA_FILE if self.ca_der is not None else "",
            "ota_key": self.ota_key,
        }


def write_bundle(config: ReaderConfig, output: Path) -> list[Path]:
    """Build the firmware into `output` and write `config.json` beside it; return the files to copy."""
    if not config.wifi_ssid:
        raise Refusal("reader.no_wifi", N_("The reader needs the Wi-Fi network's name (--wifi-ssid)."))
    if not config.broker_host or any(ch.isspace() for ch in config.broker_host):
        raise Refusal(
            "reader.no_broker",
            N_("The reader needs the broker's address (--broker-host); an IP address is best."),
        )
    output.mkdir(parents=True, exist_ok=True)
    output.chmod(0o700)
    bundle = build_firmware(output / "firmware", sim=False)
    config_file = output / "config.json"
    config_file.write_text(json.dumps(config.as_json(), indent=1) + "\n", encoding="utf-8")
    config_file.chmod(0o600)
    files = sorted(path for path in bundle.iterdir() if path.is_file() and path.suffix in (".mpy", ".py"))
    if config.ca_der is not None:
        shutil.copyfile(config.ca_der, output / CA_FILE)
        files.append(output / CA_FILE)
    return [*files, config_file]


SAFE_MODE_ON = "open('safe', 'w').close()"
CABLE_COPY_RUNS = (
    "import os\n"
    "for name in ('fw.json', 'boots.json', 'safe', 'setup', 'setup_new'):\n"
    "    try:\n"
    "        os.remove(name)\n"
    "    except OSError:\n"
    "        pass\n"
)
"""After the copy: the cable copy runs (not an update slot), no boot-loop count, no safe mode,
no set-up page pending, and the settings count as the cable's (not the set-up page's untried
ones, which would reopen the page by themselves: firmware/README.md "Set-up without a cable")."""


def copy_commands(files: list[Path], device: str, mpremote: str = "mpremote") -> list[list[str]]:
    """The mpremote runs of a cable copy. First the reader is put in safe mode (a flag file,
    then a reset): its watchdog, which nothing stops once armed, is then never started, so
    the copy cannot be cut short by a reset (firmware/README.md, "Safe mode")."""
    return [
        [mpremote, "connect", device, "exec", SAFE_MODE_ON, "+", "reset"],
        [
            mpremote,
            "connect",
            device,
            "cp",
            *map(str, files),
            ":",
            "+",
            "exec",
            CABLE_COPY_RUNS,
            "+",
            "reset",
        ],
    ]


def copy_to_device(files: list[Path], device: str) -> None:
    """Copy the files to the reader's flash over USB with mpremote, in safe mode, then reset it."""
    mpremote = shutil.which("mpremote")
    if mpremote is None:
        raise Refusal(
            "reader.no_mpremote",
            N_("mpremote is not installed: pip install mpremote (see hardware/flashing.md)."),
        )
    try:
        for command in copy_commands(files, device, mpremote):
            subprocess.run(command, check=True)
    except subprocess.CalledProcessError as exc:
        raise Refusal(
            "reader.copy_failed",
            N_("mpremote could not copy to %(device)s (exit %(status)s); is it plugged in?"),
            device=device,
            status=exc.returncode,
        ) from exc
