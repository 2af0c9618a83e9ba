"""End to end: the firmware under MicroPython -> a real Mosquitto -> a hub that acks.

Outages, power cuts and replays, counting taps in and taps stored every time.
"""

from __future__ import annotations

import time

from tests.firmware.conftest import wait_until

UIDS = [
    "04A3C6CAE26180",  # 7-byte (NTAG keyfob)
    "8812AB34",  # genuine 4-byte UID starting 0x88
    "0102030405060708090A",  # 10-byte
    "00000001",  # leading zeros kept
    "DEADBEEF",
    "04112233445566",
]


def tap_all(reader, uids, hold_ms=150):
    """Tap cards one after another, each a separate presence; wait until journaled."""
    for uid in uids:
        mark = len(reader.events)
        reader.tap(uid, hold_ms)
        reader.wait_for(lambda w, u=uid: w[0] == "tap" and w[2] == u, since=mark)


def test_tap_reaches_hub_with_contract_fields(reader_factory, hub_factory):
    hub = hub_factory()
    t0 = hub.time()  # the site clock, retained
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    r.wait_for("clock")
    before = time.time()
    tap_all(r, UIDS[:3])
    wait_until(lambda: len(hub.unique()) == 3)
    taps = hub.unique()
    assert [p["uid"] for p in taps] == UIDS[:3]
    assert [p["seq"] for p in taps] == [1, 2, 3]
    for received, _, p in hub.taps:
        assert p["v"] == 1 and p["boot"] == 1
        assert set(p) == {"v", "uid", "seq", "boot", "ms", "now", "t"}
        assert 0 <= p["now"] - p["ms"] < 2000  # sent right after the tap
        derived = received - (p["now"] - p["ms"]) / 1000
        assert before - 1 <= derived <= time.time()
        assert abs(p["t"] - derived) <= 2
        assert p["t"] >= t0
    # the journal empties only through the hub's ack
    wait_until(lambda: r.state()["pending"] == 0)
    assert [w[1] for w in r.lines("ack")] == ["1", "2", "3"]
    assert r.lines("led")[-1] == ["led", "green"]
    # the retained status is there, with the health fields
    wait_until(lambda: "r1" in hub.status)
    st = hub.status["r1"]
    assert st["online"] is True and st["boot"] == 1 and st["rfid"] == "ok"


def test_no_t_before_the_clock_is_set(reader_factory, hub_factory):
    hub = hub_factory()
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    tap_all(r, UIDS[:1])
    wait_until(lambda: len(hub.unique()) == 1)
    assert "t" not in hub.unique()[0]
    assert "now" in hub.unique()[0]


def test_journal_keeps_taps_until_the_hubs_ack_not_the_pubacks(reader_factory, broker, hub_factory):
    silent = hub_factory(ack=False)  # stores, never acks
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    tap_all(r, UIDS[:3])
    wait_until(lambda: len(silent.unique()) == 3)
    time.sleep(0.5)
    assert r.state()["pending"] == 3  # broker PUBACKed all three; still journaled
    silent.close()
    hub = hub_factory()  # a hub that acks; the reader republishes after ack_timeout
    wait_until(lambda: r.state()["pending"] == 0, timeout=30)
    assert [p["seq"] for p in hub.unique()] == [1, 2, 3]


def test_broker_down_taps_delivered_in_order_when_back(reader_factory, broker, hub_factory):
    hub = hub_factory()
    hub.time()
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    r.wait_for("clock")
    tap_all(r, UIDS[:1])
    wait_until(lambda: len(hub.unique()) == 1)

    broker.stop()
    r.wait_for(lambda w: w[:2] == ["mqtt", "down"])
    outage_start = time.time()
    n = 5
    mark = len(r.events)
    tap_all(r, UIDS[1 : 1 + n])
    assert r.state()["pending"] == n
    # every tap beeped and showed amber ("saved, hub not reachable")
    assert len(r.lines("beep", since=mark)) == n
    assert ["led", "amber"] in r.lines("led", since=mark)
    outage_end = time.time()

    broker.start()
    wait_until(lambda: len(hub.unique()) == 1 + n, timeout=60)
    wait_until(lambda: r.state()["pending"] == 0, timeout=30)
    stored = hub.unique()
    assert [p["seq"] for p in stored] == list(range(1, 2 + n))
    assert [p["uid"] for p in stored] == UIDS[: 1 + n]
    for p in stored[1:]:
        assert p["boot"] == 1
        # time of the tap, not of delivery; whole seconds: the hub's clock message and
        # the reader's count each lose up to a second
        assert outage_start - 2 <= p["t"] <= outage_end + 1
    # the derived time (received - (now - ms)) is the tap's time too
    first_copy = {}
    for received, _, p in hub.taps:
        first_copy.setdefault(p["seq"], (received, p))
    for seq in range(2, 2 + n):
        received, p = first_copy[seq]
        derived = received - (p["now"] - p["ms"]) / 1000
        assert outage_start - 1 <= derived <= outage_end + 1, (seq, derived, outage_start, outage_end)


def test_power_cut_with_taps_in_journal_replays_after_restart(reader_factory, broker, hub_factory):
    hub = hub_factory()
    hub.time()
    r = reader_factory()
    r.start()
    r.wait_for("clock")
    broker.stop()  # the taps cannot leave the reader
    r.wait_for(lambda w: w[:2] == ["mqtt", "down"])
    tap_all(r, UIDS[:4])
    assert r.state()["pending"] == 4
    r.kill()  # power cut

    broker.start()
    r.start()  # boots again
    assert r.lines("ready")[-1][1] == "2"  # boot counter persisted and incremented
    wait_until(lambda: len(hub.unique()) == 4, timeout=60)
    wait_until(lambda: r.state()["pending"] == 0, timeout=30)
    stored = hub.unique()
    assert [p["seq"] for p in stored] == [1, 2, 3, 4]
    assert [p["uid"] for p in stored] == UIDS[:4]
    for p in stored:
        assert p["boot"] == 1  # tapped in the first boot
        assert "now" not in p  # ticks of an earlier boot: no derived time
        assert "t" in p  # but the clock was set
    # seq continues, never repeats
    tap_all(r, UIDS[4:5])
    wait_until(lambda: len(hub.unique()) == 5)
    assert hub.unique()[-1]["seq"] == 5 and hub.unique()[-1]["boot"] == 2


def test_kill_mid_stream_loses_nothing(reader_factory, broker, hub_factory):
    hub = hub_factory()
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    tapped = 0
    for round_ in range(3):
        tap_all(r, UIDS[round_ * 2 : round_ * 2 + 2], hold_ms=100)
        tapped += 2
        r.kill()
        r.start()
    wait_until(lambda: len(hub.unique()) == tapped, timeout=60)
    assert [p["seq"] for p in hub.unique()] == list(range(1, tapped + 1))
    wait_until(lambda: r.state()["pending"] == 0, timeout=30)


def test_wifi_down_then_up(reader_factory, hub_factory):
    hub = hub_factory()
    r = reader_factory()
    r.start()
    r.wait_for("mqtt")
    r.wifi(False)
    r.wait_for(lambda w: w[:2] == ["wifi", "down"])
    tap_all(r, UIDS[:2])
    r.wifi(True)
    wait_until(lambda: len(hub.unique()) == 2, timeout=30)
    assert [p["seq"] for p in hub.unique()] == [1, 2]


def test_last_will_marks_reader_offline(reader_factory, hub_factory):
    hub = hub_factory()
    r = reader_factory()
    r.start()
    wait_until(lambda: hub.status.get("r1", {}).get("online") is True)
    r.kill()  # no DISCONNECT: the broker publishes the will after 1.5 x keepalive
    wait_until(lambda: hub.status.get("r1", {}).get("online") is False, timeout=20)
    assert hub.status["r1"] == {"online": False}
