"""What a USB "keyboard" card reader types, read back as our card UID.

A secretary enrolls cards at her desk with a cheap USB reader that types the card's number
as if on a keyboard and presses Enter. Our UID is the card's bytes in the order they go on
air, as hex (`04A2B3C4`, 8, 14 or 20 digits). The readers type one of these:

| typed | what it is | example for the card `04A2B3C4` |
| --- | --- | --- |
| 10 digits | the first 4 bytes as a little-endian ("reversed") decimal: the default | `3300106756` |
| 10 digits | the same, big-endian (readers set to "normal order") | `0077771716` |
| 8 hex digits, or 14, 20 | the bytes in our order, with or without `:`/`-`/spaces | `04:A2:B3:C4` |
| 8 hex digits | the bytes reversed | `C4B3A204` |
| 8 digits | Wiegand 26: facility (byte 3, 3 digits), card number (bytes 2-1, 5 digits) | `17941476` |
| 8 digits | the first 3 bytes as one little-endian number, decimal | `11772420` |

Some of these cannot be told apart by the text alone (an 8-digit number may be W26 or
hex; 10 digits may be either byte order), and the 8-digit forms carry only 3 of the
card's bytes. So `readings()` gives every plausible reading, most likely first; the caller
prefers a reading that matches a card already seen (tapped or assigned), and only a
complete reading may name a card never seen. A reading of the first bytes of a longer
UID (4 bytes typed for a 7-byte card) also matches a seen card by its start.

Worked example: the card `04A2B3C4` typed as `3300106756` is 0xC4B3A204; its bytes
little-endian are 04 A2 B3 C4, our UID. Typed as W26 `17941476`: facility 179 = 0xB3, card
41476 = 0xA204, so the bytes are 04 A2 B3 (the fourth is not typed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX_UID = re.compile(r"^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})\Z")
_SEPARATORS = str.maketrans("", "", ":- ")


@dataclass(frozen=True)
class Reading:
    """One way to read what was typed: `uid` is hex in our byte order; `complete` is False
    when only the first bytes of the UID are known (`uid` is then the start of one)."""

    uid: str
    complete: bool
    how: str


def readings(typed: str) -> tuple[Reading, ...]:
    """Every plausible reading of `typed`, most likely first; empty when none fits."""
    text = typed.strip().upper()
    if text.startswith("0X"):
        text = text[2:]
    found: list[Reading] = []
    digits = text.replace(",", "") if re.fullmatch(r"\d{3},\d{5}", text) else text
    if re.fullmatch(r"\d{10}", digits) and int(digits) < 1 << 32:
        number = int(digits)
        found.append(Reading(number.to_bytes(4, "little").hex().upper(), True, "decimal, reversed"))
        found.append(Reading(number.to_bytes(4, "big").hex().upper(), True, "decimal"))
    if re.fullmatch(r"\d{8}", digits):
        facility, card = int(digits[:3]), int(digits[3:])
        if facility < 256 and card < 1 << 16:
            found.append(Reading(_hex(bytes((card & 0xFF, card >> 8, facility))), False, "W26"))
        if int(digits) < 1 << 24:
            found.append(
                Reading(int(digits).to_bytes(3, "little").hex().upper(), False, "decimal of 3 bytes")
            )
    compact = text.translate(_SEPARATORS)
    if _HEX_UID.match(compact):
        found.append(Reading(compact, True, "hex"))
        reverse = _hex(bytes.fromhex(compact)[::-1])
        if reverse != compact:
            found.append(Reading(reverse, True, "hex, reversed"))
    unique: dict[str, Reading] = {}
    for reading in found:
        unique.setdefault(reading.uid, reading)
    return tuple(unique.values())


def _hex(data: bytes) -> str:
    return data.hex().upper()
