# Build a Reader on the simulator inside one MicroPython process, for tests and
# the bench (no control channel: the caller drives reader.step() itself).
import sys

import fake_machine
import fake_network

sys.modules["machine"] = fake_machine
sys.modules["network"] = fake_network

import mfrc522sim  # noqa: E402

import settings  # noqa: E402


def make_reader(**overrides):
    """Returns (reader, chip). `overrides` replace config.json/DEFAULTS keys."""
    cfg = settings.load()
    cfg.update(overrides)
    chip = mfrc522sim.Chip()
    fake_machine.chip = chip
    fake_machine.hooks[cfg["pins"]["rc522_sda"]] = chip.set_cs
    fake_machine.hooks[cfg["pins"]["rc522_rst"]] = chip.set_rst
    import app
    import board

    reader = app.Reader(board.Board(cfg), cfg)
    reader.rfid.settle_ms = overrides.get("settle_ms", reader.rfid.settle_ms)
    return reader, chip


def card(uid_hex):
    return mfrc522sim.Card(bytes(int(uid_hex[i : i + 2], 16) for i in range(0, len(uid_hex), 2)))
