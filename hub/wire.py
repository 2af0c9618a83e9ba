"""The reader⇄hub wire contract (DESIGN.md): topics and payloads, parsed and checked.

Everything a reader sends is checked here before it touches the database. A message that
does not satisfy the contract raises `BadMessage` with a reason that an administrator can
read in the quarantine list; nothing here decides what a tap means for attendance.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

CONTRACT_VERSION = 1
MAX_PAYLOAD_BYTES = 1024
TOPIC_ROOT = "ewidencjoner"
HUB_USER = "hub"
"""The hub's MQTT user name, on both brokers (the ACL gives it the whole site); a reader's
is its reader id."""
# `\Z`, not `$`: `$` also matches before a trailing newline, so "04A1B2C3\n" would pass.
READER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")
UID_PATTERN = re.compile(r"^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})\Z")
FW_PATTERN = re.compile(r"^[\x20-\x7e]{1,32}\Z")
"""A firmware version: short printable ASCII."""
MAX_COUNTER = 2**32 - 1
STATUS_BOUNDS: dict[str, tuple[int, int]] = {
    "boot": (0, MAX_COUNTER),
    "queue": (0, 1_000_000),  # taps waiting in the reader's journal
    "rssi": (-128, 0),  # dBm as the ESP32 reports it; 0 when unknown
    "heap": (0, MAX_COUNTER),  # free bytes
    "up": (0, MAX_COUNTER),  # seconds since boot: 136 years
    "resets": (0, MAX_COUNTER),  # RFID chip resets since boot
}
"""Every status number with its sane range: each must fit SQLite's 64-bit INTEGER by far."""
ACK_RESULTS = frozenset({"in", "out", "unknown", "dup"})
CLOCK_PATTERN = re.compile(r"^(?:[0-2][0-9]:[0-5][0-9])?\Z")
TICKS_PERIOD = 2**30
"""MicroPython's `ticks_ms()` wraps at 2**30 on the ESP32 and unix ports."""
EARLIEST_EPOCH = 1_577_836_800  # 2020-01-01: a reader clock before this was never set
LATEST_EPOCH = 4_102_444_800  # 2100-01-01


class BadMessage(ValueError):
    """A message breaks the wire contract; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ReaderTopic:
    """A topic under `ewidencjoner/<site>/reader/<reader_id>/<kind>`."""

    site: str
    reader_id: str
    kind: str


@dataclass(frozen=True)
class TapMessage:
    """One tap as the reader reported it."""

    uid: str
    seq: int
    boot: int
    ms: int
    now: int | None
    t: int | None


@dataclass(frozen=True)
class StatusMessage:
    """A reader's health report, or its last will (`online` false, nothing else)."""

    online: bool
    fw: str | None = None
    boot: int | None = None
    queue: int | None = None
    rssi: int | None = None
    heap: int | None = None
    up: int | None = None
    resets: int | None = None


def reader_topic(site: str, reader_id: str, kind: str) -> str:
    return f"{TOPIC_ROOT}/{site}/reader/{reader_id}/{kind}"


def time_topic(site: str) -> str:
    return f"{TOPIC_ROOT}/{site}/time"


def parse_topic(topic: str) -> ReaderTopic:
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != TOPIC_ROOT or parts[2] != "reader":
        raise BadMessage("bad_topic", f"not a reader topic: {topic!r}")
    _, site, _, reader_id, kind = parts
    if not READER_ID_PATTERN.match(reader_id):
        raise BadMessage("bad_topic", f"reader id must be 1-32 letters, digits, '-' or '_': {reader_id!r}")
    return ReaderTopic(site=site, reader_id=reader_id, kind=kind)


def parse_tap(payload: bytes) -> TapMessage:
    """Check a `tap` payload against the contract (version 1)."""
    data = _load_object(payload)
    version = data.get("v")
    if version != CONTRACT_VERSION:
        raise BadMessage("unknown_version", f"contract version {version!r} is not supported (expected 1)")
    uid = data.get("uid")
    if not isinstance(uid, str) or not UID_PATTERN.match(uid):
        raise BadMessage("bad_field", f"uid must be 8, 14 or 20 upper-case hex digits, got {uid!r}")
    seq = _counter(data, "seq", required=True)
    boot = _counter(data, "boot", required=True)
    ms = _counter(data, "ms", required=True, limit=TICKS_PERIOD - 1)
    now = _counter(data, "now", required=False, limit=TICKS_PERIOD - 1)
    t = _counter(data, "t", required=False)
    if t is not None and not EARLIEST_EPOCH <= t < LATEST_EPOCH:
        raise BadMessage("bad_field", f"t must be epoch seconds between 2020 and 2100, got {t}")
    assert seq is not None and boot is not None and ms is not None
    return TapMessage(uid=uid, seq=seq, boot=boot, ms=ms, now=now, t=t)


def parse_status(payload: bytes) -> StatusMessage:
    """Check a `status` payload: the full report or the bare last will."""
    data = _load_object(payload)
    online = data.get("online")
    if not isinstance(online, bool):
        raise BadMessage("bad_field", f"online must be true or false, got {online!r}")
    fw = data.get("fw")
    if fw is not None and not (isinstance(fw, str) and FW_PATTERN.match(fw)):
        raise BadMessage("bad_field", f"fw must be 1-32 printable ASCII characters, got {fw!r:.60}")
    numbers = {name: _bounded(data, name, low, high) for name, (low, high) in STATUS_BOUNDS.items()}
    return StatusMessage(online=online, fw=fw, **numbers)


def seq_of(payload: bytes) -> int | None:
    """The `seq` of a tap that broke the contract elsewhere, when it can still be read: the
    hub answers that seq `unknown` so the reader stops resending it (the quarantine keeps
    it), instead of the tap holding a place in the reader's window for ever."""
    try:
        data = _load_object(payload)
        return _counter(data, "seq", required=True)
    except BadMessage:
        return None


def ack_payload(seq: int, result: str, name: str = "", at: str = "") -> bytes:
    """The hub's answer to one tap: `r` is in, out, unknown or dup."""
    # Written by hand: this runs once per tap on ingest's hot path, and only `name` can
    # hold characters that need JSON escaping.
    if result not in ACK_RESULTS or not CLOCK_PATTERN.match(at):
        raise ValueError(f"not an ack: r={result!r}, at={at!r}")
    text = f'{{"seq":{int(seq)},"r":"{result}"'
    if name:
        text += ',"name":' + json.dumps(name, ensure_ascii=False)
    if at:
        text += f',"at":"{at}"'
    return (text + "}").encode()


def time_payload(epoch_seconds: int) -> bytes:
    return json.dumps({"t": epoch_seconds}, separators=(",", ":")).encode()


def ticks_diff(later: int, earlier: int) -> int:
    """MicroPython's `time.ticks_diff`: the signed distance between two wrapping tick values."""
    half = TICKS_PERIOD // 2
    return ((later - earlier + half) % TICKS_PERIOD) - half


def _load_object(payload: bytes) -> dict[str, Any]:
    """One flat JSON object: no NaN or Infinity, no key given twice (which value would
    count?), no nested object or array. A whole number in a field is bounded by the field's
    check; at 1 KiB, no number can be long enough to cost `int()` anything."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadMessage("too_large", f"payload is {len(payload)} bytes, the limit is {MAX_PAYLOAD_BYTES}")
    try:
        data = _DECODER.decode(payload.decode("utf-8"))
    except BadMessage:
        raise
    except UnicodeDecodeError as exc:
        raise BadMessage("bad_json", f"payload is not UTF-8: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise BadMessage("bad_json", f"payload is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadMessage("bad_json", f"payload must be a JSON object, got {type(data).__name__}")
    for name, value in data.items():
        if isinstance(value, dict | list):
            kind = type(value).__name__
            raise BadMessage("bad_json", f"{name!r} holds a nested {kind}: fields are plain values")
    return data


def _refuse_constant(name: str) -> float:
    raise BadMessage("bad_json", f"{name} is not a number the contract allows")


def _fraction(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadMessage("bad_json", f"{text[:40]} is not a finite number")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) < len(pairs):
        twice = sorted({key for key, _ in pairs if sum(1 for other, _ in pairs if other == key) > 1})
        raise BadMessage("bad_json", f"key {twice[0]!r} is given more than once")
    return data


def _integer(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadMessage("bad_field", f"{name} must be a whole number, got {value!r}")
    return value


def _bounded(data: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = _integer(data, name)
    if value is not None and not low <= value <= high:
        raise BadMessage("bad_field", f"{name} must be between {low} and {high}, got {value}")
    return value


def _counter(data: dict[str, Any], name: str, *, required: bool, limit: int = MAX_COUNTER) -> int | None:
    value = _integer(data, name)
    if value is None:
        if required:
            raise BadMessage("missing_field", f"{name} is required")
        return None
    if not 0 <= value <= limit:
        raise BadMessage("bad_field", f"{name} must be between 0 and {limit}, got {value}")
    return value


_DECODER = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_fraction, object_pairs_hook=_unique_keys
)
"""Made once: `json.loads` with options builds a decoder per call, on ingest's hot path."""
