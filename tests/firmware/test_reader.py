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
