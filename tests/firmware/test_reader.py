"""The whole reader (app.Reader on the simulator) inside one MicroPython process
with a 100 KB heap: tap detection, heap over a soak, step durations, OLED."""

from __future__ import annotations

SETUP = """
import gc
import time
import harness
import detector

def check(cond, *msg):
    if not cond:
        raise AssertionError(" ".join(str(m) for m in msg))
"""


def run(mp, body: str) -> str:
    out = mp(SETUP + body)
    assert "OK" in out.split(), out
    return out


def test_detector_one_tap_per_presence(mp):
    run(
        mp,
        """
d = detector.Detector(rearm_polls=3, cooldown_ms=1000)
t = 0
check(d.update(["A"], True, t) == ["A"])
for i in range(50):  # resting on the reader: still one tap
    t += 50
    check(d.update(["A"], True, t) == [], "resting", i)
t += 50
check(d.update([], False, t) == [])  # a failed poll is not absence
check(d.update(["A"], True, t) == [])
for i in range(3):  # absent for 3 clean polls: re-armed
    t += 50
    check(d.update([], True, t) == [])
t += 2000
check(d.update(["A"], True, t) == ["A"], "departure is the same card again")
for i in range(3):
    t += 50
    d.update([], True, t)
t += 100  # back within the cooldown: a bounce, not a tap
check(d.update(["A"], True, t) == [], "cooldown")
check(d.update(["A", "B"], True, t + 50) == ["B"], "a second card is its own tap")
print("OK")
""",
    )


def test_soak_heap_and_step_time(mp):
    out = run(
        mp,
        """
r, chip = harness.make_reader(broker_port=1, poll_ms=0, cooldown_ms=0, settle_ms=0,
                              journal_dir="j", rfid_check_ms=50)
r.begin()
gc.collect()
start = gc.mem_alloc()
peak = 0
worst = 0
n = 400
for i in range(n):
    chip.cards.append(harness.card("04%012X" % (i * 7919)))
    while r.taps == i:
        t = time.ticks_us()
        r.step(False)
        worst = max(worst, time.ticks_diff(time.ticks_us(), t))
        peak = max(peak, gc.mem_alloc())
    chip.cards = []
    for _ in range(4):
        t = time.ticks_us()
        r.step(False)
        worst = max(worst, time.ticks_diff(time.ticks_us(), t))
        peak = max(peak, gc.mem_alloc())
check(r.taps == n and r.journal.pending() == n, r.taps, r.journal.pending())
gc.collect()
end = gc.mem_alloc()
print("start", start, "end", end, "peak", peak, "worst_us", worst)
check(end - start < 4096, "leak", start, end)
check(worst < 100000, "a step took", worst, "us")
print("OK")
""",
    )
    assert "worst_us" in out


def test_rfid_dropping_off_the_bus_heals_and_reads_again(mp):
    run(
        mp,
        """
r, chip = harness.make_reader(broker_port=1, poll_ms=0, settle_ms=0, journal_dir="j",
                              rfid_check_ms=10)
r.begin()
chip.on_bus = False
end = time.ticks_add(time.ticks_ms(), 200)
while time.ticks_diff(end, time.ticks_ms()) > 0:
    r.step(False)
check(not r.rfid_ok and r.rfid.resets >= 1, "not noticed", r.rfid_ok, r.rfid.resets)
check('"rfid":"fail"' in r.status_text(), r.status_text())
chip.on_bus = True
end = time.ticks_add(time.ticks_ms(), 200)
while time.ticks_diff(end, time.ticks_ms()) > 0 and not r.rfid_ok:
    r.step(False)
check(r.rfid_ok, "not healed")
chip.cards.append(harness.card("DEADBEEF"))
for _ in range(5):
    r.step(False)
check(r.taps == 1, "no tap after healing", r.taps)
print("OK")
""",
    )


def test_oled_greets_by_name(mp):
    run(
        mp,
        """
r, chip = harness.make_reader(broker_port=1, oled=True, journal_dir="j")
check(r.oled is not None)
w = r.board.i2c.writes
ack = b'{"seq":1,"r":"in","name":"Zo\\xc5\\xbcka","at":"07:42"}'
r._on_msg("ewidencjoner/default/reader/reader1/ack", ack, False)
r._show("green", "Żaneta Ł.", "07:42")
check(r.board.i2c.writes > w, "nothing drawn")
import oled
check(oled._ascii("Żaneta Łącka") == "Zaneta Lacka", oled._ascii("Żaneta Łącka"))
print("OK")
""",
    )


def test_status_reports_the_heap_free_after_collection(mp):
    run(
        mp,
        """
import json
r, chip = harness.make_reader(broker_port=1, poll_ms=0, settle_ms=0, journal_dir="j")
r.begin()
gc.collect()
free = gc.mem_free()
for _ in range(50):
    bytearray(200)  # ~10 KB of garbage, not collected yet
check(gc.mem_free() < free - 8192, "the garbage was collected already")
heap = json.loads(r.status_text())["heap"]
check(heap > free - 4096, "garbage counted as used heap", heap, free)
print("OK")
""",
    )


LONG_OFFLINE = """
import sys

class FakeTime:
    # time.ticks_* as MicroPython defines them (period 2**30), on a clock the test
    # moves: a reader left running for weeks in a few seconds
    PERIOD = 1 << 30

    def __init__(self, real):
        self.real = real
        self.ms = 1000
        self.ticks_us = real.ticks_us
        self.sleep_us = real.sleep_us
        self.time = real.time
        self.gmtime = real.gmtime

    def ticks_ms(self):
        return self.ms % self.PERIOD

    def ticks_add(self, t, d):
        return (t + d) % self.PERIOD

    def ticks_diff(self, a, b):
        return ((a - b + self.PERIOD // 2) % self.PERIOD) - self.PERIOD // 2

    def sleep_ms(self, ms):
        self.ms += ms

import time as real_time
ft = FakeTime(real_time)
sys.modules["time"] = ft

import harness

r, chip = harness.make_reader(broker_port=1, poll_ms=0, cooldown_ms=3000, settle_ms=0,
                              journal_dir="j", rfid_check_ms=10**9)
chip.timed = False
r.begin()
T0 = 1795420800
r.set_clock(T0, r.mono(), "hub")  # the hub's time, then the hub is gone for weeks
start = ft.ms

def run_for(ms, step=60000):
    end = ft.ms + ms
    while ft.ms < end:
        ft.ms += step
        r.step(False)

def tap(uid):
    chip.cards.append(harness.card(uid))
    n = r.taps
    for _ in range(3):
        ft.ms += 50
        r.step(False)
    chip.cards = []
    for _ in range(4):
        ft.ms += 50
        r.step(False)
    check(r.taps == n + 1, "tap not taken", uid, (ft.ms - start) // 86400000, "days")

tap("04A3C6CAE26180")
for days in (7, 9, 13, 20):  # past 2**29 ms (6.2 days) and 2**30 ms (12.4 days)
    run_for(days * 86400000 - (ft.ms - start))
    tap("04A3C6CAE26180")  # the same card again: a departure after the holiday
r.journal.rewind()
got = []
while True:
    e = r.journal.next_tap()
    if e is None:
        break
    got.append(e[3] - T0)
want = [0, 7 * 86400, 9 * 86400, 13 * 86400, 20 * 86400]
check(len(got) == 5, got)
for g, w in zip(got, want):
    check(abs(g - w) <= 1, "tap time off", got, want)
print("OK")
"""


def test_time_stays_right_over_weeks_offline(mp):
    # the clock was set once, then no NTP and no hub for 20 days: ticks_ms wrapped
    # (2**30 ms) and ticks_diff (valid 2**29 ms = 6.2 days) would have lied
    run(mp, LONG_OFFLINE)
