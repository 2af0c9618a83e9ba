"""The desk reader: an MFRC522 on the hub's Raspberry Pi, so the secretary enrolls a card by
touching it to the reader on her desk while the cards page is open.

`ewidencjoner desk-reader` polls the chip through the `mfrc522` package (the Pi's SPI with
`spidev`, the reset pin with `RPi.GPIO`; install them with `pip install
'ewidencjoner[desk]'`). The package's own `MFRC522_Anticoll` reads only the first cascade
level (a 7-byte card would come back as `88 04 A3 C6`), so `read_uid` uses the package's
register access, transceive and CRC and walks every cascade level itself, decided by SAK
bit 0x04, as the reader firmware does. Each poll switches the field on and off, so a card
resting on the reader answers every poll; a card is reported once per presence (again
after `REARM_POLLS` empty polls).

A read is no tap: it is not stored in the database. It goes to a small file beside it (the
last `KEPT` reads, replaced atomically, like the ingest heartbeat), which the cards page
polls: "card 04A2B3C4 read at the desk", with the card's form filled in.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hub.timefmt import to_db, utc_now

log = logging.getLogger(__name__)

KEPT = 20
"""Reads kept in the file: the page needs only the latest few."""
REARM_POLLS = 3
"""Empty polls after which the same card counts as a new read."""
POLL_S = 0.1
SETTLE_S = 0.005
"""Field on, then the first request: the card powers up."""

_SEL = (0x93, 0x95, 0x97)
_WUPA = 0x52
_HLTA = 0x50


@dataclass(frozen=True)
class DeskRead:
    n: int
    uid: str
    at: str


def desk_reads_path(database: Path) -> Path:
    return database.with_name(database.name + "-desk.json")


def recent_reads(database: Path, after: int = 0) -> list[DeskRead]:
    """The reads kept beside `database` with a number above `after`, oldest first."""
    try:
        rows = json.loads(desk_reads_path(database).read_text())
        return [DeskRead(**row) for row in rows if row["n"] > after]
    except (OSError, ValueError, TypeError, KeyError):
        return []


def record_read(database: Path, uid: str) -> DeskRead:
    """Append a read to the file beside `database`, keeping the last `KEPT`."""
    kept = recent_reads(database)[-(KEPT - 1) :]
    read = DeskRead(kept[-1].n + 1 if kept else 1, uid, to_db(utc_now()))
    path = desk_reads_path(database)
    partial = path.with_name(path.name + ".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump([asdict(r) for r in [*kept, read]], handle)
    os.replace(partial, path)
    return read


class CardReader:
    """UIDs read through the `mfrc522` package's `MFRC522` (its register access and
    transceive); `chip` is that object."""

    def __init__(self, chip: Any) -> None:
        self.chip = chip

    def read_uid(self) -> str | None:
        """One poll: the UID of the card on the reader (full length), or None."""
        chip = self.chip
        chip.AntennaOn()
        try:
            time.sleep(SETTLE_S)
            chip.Write_MFRC522(chip.BitFramingReg, 0x07)
            status, _data, bits = chip.MFRC522_ToCard(chip.PCD_TRANSCEIVE, [_WUPA])
            if status != chip.MI_OK or bits != 16:
                return None
            uid = self._select()
            if uid is not None:
                self._halt()
            return uid
        finally:
            chip.AntennaOff()  # every card back to IDLE: it answers the next poll too

    def _select(self) -> str | None:
        chip = self.chip
        uid: list[int] = []
        for sel in _SEL:
            chip.Write_MFRC522(chip.BitFramingReg, 0x00)
            status, level, _bits = chip.MFRC522_ToCard(chip.PCD_TRANSCEIVE, [sel, 0x20])
            if (
                status != chip.MI_OK
                or len(level) != 5
                or level[0] ^ level[1] ^ level[2] ^ level[3] != level[4]
            ):
                return None
            frame = [sel, 0x70, *level]
            status, answer, bits = chip.MFRC522_ToCard(chip.PCD_TRANSCEIVE, frame + chip.CalulateCRC(frame))
            if status != chip.MI_OK or bits != 24 or chip.CalulateCRC(answer[:1]) != answer[1:3]:
                return None
            if not answer[0] & 0x04:  # SAK: the UID is complete
                return bytes(uid + level[:4]).hex().upper()
            if level[0] != 0x88:  # the cascade tag must precede the next level
                return None
            uid += level[1:4]
        return None

    def _halt(self) -> None:
        chip = self.chip
        frame = [_HLTA, 0x00]
        chip.MFRC522_ToCard(chip.PCD_TRANSCEIVE, frame + chip.CalulateCRC(frame))


def run(
    database: Path,
    reader: CardReader,
    *,
    polls: int | None = None,
    poll_s: float = POLL_S,
    on_read: Callable[[DeskRead], None] | None = None,
) -> None:
    """Poll until interrupted (or `polls` times): each card presence is one read."""
    present: str | None = None
    empty = 0
    count = 0
    while polls is None or count < polls:
        count += 1
        uid = reader.read_uid()
        if uid is None:
            empty += 1
            if empty >= REARM_POLLS:
                present = None
        else:
            empty = 0
            if uid != present:
                present = uid
                read = record_read(database, uid)
                log.info("card %s read at the desk", uid)
                if on_read is not None:
                    on_read(read)
        time.sleep(poll_s)


def open_chip(bus: int, device: int, reset_pin: int) -> Any:
    """The `mfrc522` package's chip on SPI `bus`.`device`, reset on board pin `reset_pin`."""
    from mfrc522 import MFRC522  # only on the Pi: it needs spidev and RPi.GPIO

    return MFRC522(bus=bus, device=device, pin_rst=reset_pin)
