"""The wire contract's parsing and the tap time rules, without a broker."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.store.taps import derive_time
from hub.wire import (
    TICKS_PERIOD,
    BadMessage,
    TapMessage,
    ack_payload,
    parse_status,
    parse_tap,
    parse_topic,
    seq_of,
    ticks_diff,
)

RECEIVED = datetime(2026, 11, 23, 7, 0, 0, tzinfo=UTC)


def test_the_design_example_parses() -> None:
    payload = b'{"v":1,"uid":"04A2B3C4D5E680","seq":1842,"boot":7,"ms":5123456,"now":5124001,"t":1795420800}'
    assert parse_tap(payload) == TapMessage("04A2B3C4D5E680", 1842, 7, 5123456, 5124001, 1795420800)


@pytest.mark.parametrize("uid", ["04A2B3C4", "04A2B3C4D5E680", "04A2B3C4D5E6800102AB", "88040201"])
def test_4_7_and_10_byte_uids_are_accepted(uid: str) -> None:
    assert parse_tap(f'{{"v":1,"uid":"{uid}","seq":1,"boot":1,"ms":1}}'.encode()).uid == uid


def test_topics() -> None:
    assert parse_topic("ewidencjoner/p1/reader/wejscie/tap").reader_id == "wejscie"
    for topic in ["ewidencjoner/p1/reader/tap", "other/p1/reader/r/tap", "ewidencjoner/p1/reader/r r/tap"]:
        with pytest.raises(BadMessage, match="bad_topic"):
            parse_topic(topic)


def test_status_full_and_will() -> None:
    assert parse_status(b'{"online":false}').online is False
    full = parse_status(b'{"online":true,"fw":"1.0.0","boot":7,"queue":0,"rssi":-61,"heap":41234,"up":3600}')
    assert (full.fw, full.rssi, full.heap) == ("1.0.0", -61, 41234)


def test_ack_payload_is_compact_and_keeps_polish_letters() -> None:
    assert (
        ack_payload(1842, "in", "Łucja Ż.", "07:42")
        == '{"seq":1842,"r":"in","name":"Łucja Ż.","at":"07:42"}'.encode()
    )
    assert ack_payload(5, "dup") == b'{"seq":5,"r":"dup"}'


def test_ticks_diff_across_the_wrap() -> None:
    assert ticks_diff(100, TICKS_PERIOD - 400) == 500
    assert ticks_diff(TICKS_PERIOD - 400, 100) == -500


@given(st.integers(0, TICKS_PERIOD - 1), st.integers(0, TICKS_PERIOD // 2 - 1))
def test_ticks_diff_undoes_a_wrapped_addition(start: int, elapsed: int) -> None:
    assert ticks_diff((start + elapsed) % TICKS_PERIOD, start) == elapsed


def test_time_from_the_reader_clock_wins() -> None:
    when = derive_time(TapMessage("04A2B3C4", 1, 1, 1000, 5000, 1795420800), RECEIVED)
    assert when.quality == "clock" and when.at == datetime.fromtimestamp(1795420800, UTC)


def test_time_derived_from_ticks_in_the_same_boot_even_across_the_wrap() -> None:
    when = derive_time(TapMessage("04A2B3C4", 1, 1, TICKS_PERIOD - 1500, 2500, None), RECEIVED)
    assert when.quality == "derived" and when.at == RECEIVED - timedelta(milliseconds=4000)


def test_a_tap_from_an_earlier_boot_without_clock_has_unknown_time() -> None:
    when = derive_time(TapMessage("04A2B3C4", 1, 1, 1000, None, None), RECEIVED)
    assert when.quality == "unknown" and when.at is None


def test_insert_new_tells_new_taps_from_redeliveries_in_one_batch(tmp_path) -> None:
    from hub.store import readers, taps
    from hub.store.db import open_database

    db = open_database(tmp_path / "t.db")
    readers.add_reader(db, "r1", "Wejście")
    first = TapMessage("04A2B3C4", 1, 1, 1000, 1100, None)
    with db.atomic():
        assert taps.insert_new(db, [taps.tap_row("r1", first, RECEIVED)]) == [True]
    second = TapMessage("04A2B3C4", 2, 1, 2000, 2100, None)
    with db.atomic():
        result = taps.insert_new(
            db,
            [
                taps.tap_row("r1", second, RECEIVED),
                taps.tap_row("r1", first, RECEIVED),
                taps.tap_row("r1", second, RECEIVED),
            ],
        )
    assert result == [True, False, False]
    assert taps.count_taps(db) == 2


# -- every field has bounds (issue 9: one status message stopped ingest for good) ---------


@pytest.mark.parametrize(
    "payload",
    [
        b'{"online":true,"up":9223372036854775808}',  # past SQLite's 64-bit INTEGER
        b'{"online":true,"up":-1}',
        b'{"online":true,"up":' + b"9" * 400 + b"}",
        b'{"online":true,"rssi":5}',
        b'{"online":true,"rssi":-1000}',
        b'{"online":true,"heap":4294967296}',
        b'{"online":true,"queue":1000001}',
        b'{"online":true,"boot":-3}',
        b'{"online":true,"resets":99999999999}',
        b'{"online":true,"fw":""}',
        b'{"online":true,"fw":"1.0\\n"}',
        b'{"online":true,"fw":"\\u0000"}',
        b'{"online":true,"fw":"1.0.0-\\u0142"}',
        b'{"online":true,"fw":"' + b"9" * 33 + b'"}',
        b'{"online":true,"fw":1}',
    ],
)
def test_status_numbers_and_fw_out_of_their_range_are_refused(payload: bytes) -> None:
    with pytest.raises(BadMessage, match="bad_field"):
        parse_status(payload)


def test_the_firmware_status_with_its_extra_fields_parses() -> None:
    payload = (
        b'{"online":true,"fw":"1.2.0","boot":7,"queue":0,"rssi":-61,"heap":41234,"up":3600,'
        b'"rfid":"ok","rfid_ver":146,"resets":0,"clock":true,"clock_src":"ntp","journal":"ok"}'
    )
    assert parse_status(payload).resets == 0


@pytest.mark.parametrize("uid", ["04A1B2C3\n", "04A1B2C3D5E680\n", "\n04A1B2C3"])
def test_a_uid_with_a_newline_is_refused(uid: str) -> None:
    payload = json.dumps({"v": 1, "uid": uid, "seq": 1, "boot": 1, "ms": 1}).encode()
    with pytest.raises(BadMessage, match="bad_field"):
        parse_tap(payload)


def test_a_reader_id_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(BadMessage, match="bad_topic"):
        parse_topic("ewidencjoner/p1/reader/wejscie\n/tap")


@pytest.mark.parametrize(
    "payload",
    [
        b'{"online":true,"up":NaN}',
        b'{"online":true,"up":Infinity}',
        b'{"online":true,"up":-Infinity}',
        b'{"online":true,"up":1e999}',
        b'{"online":true,"online":false}',
        b'{"online":true,"extra":{"a":1}}',
        b'{"online":true,"extra":[1,2]}',
        b'{"online":true,"extra":' + b"[" * 500 + b"]" * 500 + b"}",
        b"[" * 1000 + b"]" * 1000,
    ],
)
def test_json_that_no_field_needs_is_refused(payload: bytes) -> None:
    with pytest.raises(BadMessage, match=r"bad_json|too_large"):
        parse_status(payload)


@given(st.binary(max_size=1100))
def test_any_bytes_either_parse_or_raise_bad_message(payload: bytes) -> None:
    for parse in (parse_status, parse_tap):
        with contextlib.suppress(BadMessage):
            parse(payload)


@pytest.mark.parametrize(
    ("payload", "seq"),
    [
        (b'{"v":1,"uid":"04a2b3c4","seq":12,"boot":1,"ms":1}', 12),
        (b'{"v":9,"seq":0}', 0),
        (b'{"seq":-1}', None),
        (b'{"seq":"12"}', None),
        (b'{"seq":4294967296}', None),
        (b"not json", None),
        (b'{"seq":12,"seq":13}', None),
        (b'{"seq":1,"pad":"' + b"x" * 2000 + b'"}', None),
    ],
)
def test_the_seq_of_a_refused_tap_is_read_only_when_it_is_a_seq(payload: bytes, seq: int | None) -> None:
    assert seq_of(payload) == seq
