"""The desk reader: the `mfrc522` package (pinned in the `desk` extra) on the register-level
MFRC522 simulator behind fake `spidev` and `RPi.GPIO` modules (the Pi's SPI bus and reset
pin cannot exist here), so the package's real SPI framing and transceive run against the
simulated chip and cards."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.ingest import desk_reader
from hub.ingest.desk_reader import CardReader, recent_reads, record_read

SIM = Path(__file__).resolve().parent.parent / "firmware" / "sim"


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(SIM))
    import mfrc522sim

    return mfrc522sim


@pytest.fixture
def chip(sim: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The package's MFRC522 object, talking to a simulated chip through the fakes."""
    simulated = sim.Chip()

    class SpiDev:
        max_speed_hz = 0

        def open(self, bus: int, device: int) -> None:
            assert (bus, device) == (0, 0)

        def xfer2(self, data: list[int]) -> list[int]:
            simulated.set_cs(0)
            answer = [simulated.xfer(byte) for byte in data]
            simulated.set_cs(1)
            return answer

        def close(self) -> None:
            pass

    gpio = types.ModuleType("RPi.GPIO")
    gpio.BOARD, gpio.BCM, gpio.OUT = 10, 11, 0  # type: ignore[attr-defined]
    mode: list[int | None] = [None]
    gpio.getmode = lambda: mode[0]  # type: ignore[attr-defined]
    gpio.setmode = lambda m: mode.__setitem__(0, m)  # type: ignore[attr-defined]
    gpio.setup = lambda pin, direction: None  # type: ignore[attr-defined]
    gpio.output = lambda pin, value: simulated.set_rst(value) if pin == 22 else None  # type: ignore[attr-defined]
    gpio.cleanup = lambda: None  # type: ignore[attr-defined]
    rpi = types.ModuleType("RPi")
    rpi.GPIO = gpio  # type: ignore[attr-defined]
    spidev = types.ModuleType("spidev")
    spidev.SpiDev = SpiDev  # type: ignore[attr-defined]
    for name, module in (("RPi", rpi), ("RPi.GPIO", gpio), ("spidev", spidev)):
        monkeypatch.setitem(sys.modules, name, module)
    for name in [name for name in sys.modules if name == "mfrc522" or name.startswith("mfrc522.")]:
        monkeypatch.delitem(sys.modules, name)
    package = desk_reader.open_chip(0, 0, 22)
    package.sim = simulated
    yield package


def card(sim: Any, uid: str) -> Any:
    return sim.Card(bytes.fromhex(uid))


@pytest.mark.parametrize("uid", ["DEADBEEF", "8812AB34", "04A3C6CAE26180", "0102030405060708090A"])
def test_every_uid_length_is_read_in_full_through_the_package(chip: Any, sim: Any, uid: str) -> None:
    # the package's own anticollision would give 8804A3C6 for the 7-byte card
    reader = CardReader(chip)
    assert reader.read_uid() is None
    chip.sim.cards.append(card(sim, uid))
    assert reader.read_uid() == uid
    assert reader.read_uid() == uid  # resting on the reader: read on every poll


def test_a_corrupt_frame_is_no_uid(chip: Any, sim: Any) -> None:
    reader = CardReader(chip)
    damaged = card(sim, "04A3C6CAE26180")
    chip.sim.cards.append(damaged)
    damaged.bad_bcc = 1
    assert reader.read_uid() is None
    damaged.bad_crc = 1
    assert reader.read_uid() is None
    assert reader.read_uid() == "04A3C6CAE26180"


def test_one_read_per_presence_goes_to_the_file_the_cards_page_reads(
    chip: Any, sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk_reader, "SETTLE_S", 0)
    database = tmp_path / "site.db"
    reader = CardReader(chip)
    chip.sim.cards.append(card(sim, "04A3C6CAE26180"))
    desk_reader.run(database, reader, polls=5, poll_s=0)  # resting: one read
    assert [r.uid for r in recent_reads(database)] == ["04A3C6CAE26180"]
    chip.sim.cards.clear()
    desk_reader.run(database, reader, polls=desk_reader.REARM_POLLS, poll_s=0)
    chip.sim.cards.append(card(sim, "04A3C6CAE26180"))  # lifted and touched again
    desk_reader.run(database, reader, polls=2, poll_s=0)
    reads = recent_reads(database)
    assert [(r.n, r.uid) for r in reads] == [(1, "04A3C6CAE26180"), (2, "04A3C6CAE26180")]
    assert [r.n for r in recent_reads(database, after=1)] == [2]


def test_the_file_keeps_the_latest_reads_only(tmp_path: Path) -> None:
    database = tmp_path / "site.db"
    for i in range(desk_reader.KEPT + 5):
        record_read(database, f"{i:08X}")
    reads = recent_reads(database)
    assert len(reads) == desk_reader.KEPT and reads[-1].n == desk_reader.KEPT + 5
    desk_reader.desk_reads_path(database).write_text("{not json")
    assert recent_reads(database) == []  # a damaged file is no reads, never an error


def test_the_command_says_what_is_missing_without_the_pi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.cli.main import cli

    monkeypatch.setitem(sys.modules, "spidev", None)  # importing it fails, as off the Pi
    for name in [name for name in sys.modules if name == "mfrc522" or name.startswith("mfrc522.")]:
        monkeypatch.delitem(sys.modules, name)
    result = CliRunner().invoke(cli, ["--database", str(tmp_path / "site.db"), "desk-reader"])
    assert result.exit_code == 1 and "ewidencjoner[desk]" in result.output


def test_the_installed_package_is_the_pinned_one() -> None:
    import tomllib
    from importlib.metadata import version

    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    pins = dict(pin.split("==") for pin in pyproject["project"]["optional-dependencies"]["desk"])
    assert version("mfrc522") == pins["mfrc522"]
    assert f"mfrc522=={pins['mfrc522']}" in (Path(__file__).resolve().parent.parent / "Makefile").read_text()
