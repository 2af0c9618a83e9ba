"""Faults on a running virtual reader (real MicroPython, real Mosquitto): the RFID
chip falls off the bus, the loop hangs (watchdog), keepalive over idle time."""

from __future__ import annotations

import time

from tests.firmware.conftest import wait_until


def test_rfid_off_the_bus_is_reported_and_healed(reader_factory, hub_factory):
    hub = hub_factory()
    r = reader_factory(rfid_check_ms=200)
    r.start()
    wait_until(lambda: hub.status.get("r1", {}).get("rfid") == "ok")
    r.fault("drop")
    r.wait_for(lambda w: w[:2] == ["rfid", "heal"] and w[3] == "fail")
    wait_until(lambda: hub.status["r1"]["rfid"] == "fail")
    r.fault("back")
    r.wait_for(lambda w: w[:2] == ["rfid", "heal"] and w[3] == "ok")
    wait_until(lambda: hub.status["r1"]["rfid"] == "ok" and hub.status["r1"]["resets"] >= 2)
    r.tap("04A3C6CAE26180")
    wait_until(lambda: [p["uid"] for p in hub.unique()] == ["04A3C6CAE26180"])


def test_stuck_fifo_triggers_a_hard_reset(reader_factory, hub_factory):
    hub = hub_factory()
    r = reader_factory()
    r.start()
    r.place("DEADBEEF")
    r.fault("fifo")
    r.wait_for(lambda w: w[:3] == ["rfid", "heal", "errors"])
    wait_until(lambda: [p["uid"] for p in hub.unique()] == ["DEADBEEF"])


def test_hung_loop_is_reset_by_the_watchdog(reader_factory):
    r = reader_factory(wdt_ms=500, healthy_ms=300)
    r.start()
    r.wait_for(["watchdog", "armed"].__eq__)  # armed only after a healthy start
    r.command("hang")
    wait_until(lambda: not r.running, timeout=10)
    assert r.returncode == 4  # the fake WDT "reset the device"
    assert r.lines("wdt")


def test_keepalive_holds_an_idle_connection(reader_factory, hub_factory):
    hub_factory()
    r = reader_factory(keepalive_s=1)
    r.start()
    r.wait_for("mqtt")
    time.sleep(4)  # the broker drops a silent client after 1.5 x keepalive
    assert not [w for w in r.lines("mqtt") if w[1] == "down"]
