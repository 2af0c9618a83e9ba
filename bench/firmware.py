"""Firmware benchmark: the reader firmware on the MicroPython unix port (100 KB heap).

Not a test: it prints figures, each beside a baseline measured in the same run.
Run it with `.venv/bin/python bench/firmware.py` (add `--taps 2000` for a quick run).

0. Heap in use after boot, beside the heap the simulator and this script take
   without the firmware (the difference is the firmware's live set; on the 64-bit
   unix port every object is about twice its ESP32 size).
1. Poll cycle in device-like time (one `scan()`: field on, WUPA/REQA, anticollision,
   SELECT, HLTA, field off) with no card, one 4-byte, one 7-byte and four cards; the
   simulator holds each answer and the chip timer for their device time (air time at
   106 kbit/s, the card's frame delay, the TPrescaler/TReload timeout) and every SPI
   transaction costs `--txn-us` of device time; baseline: the same with the old constants (a 25 ms
   timer for every command, HLTA included), in the same run.
2. Loop steps (poll + MQTT + outbox + timers, broker unreachable), the poll in
   device-like time and the rest at this machine's speed: no card, and the step in
   which one or four cards arrive (read, beep, journal: the median of 11, as a stall
   of a shared machine would make the worst meaningless); budget 100 ms; baseline:
   old constants.
3. Heap high-water over an N-tap soak (default 10,000) through the whole reader,
   and the heap left after a collection; baseline: the heap in use right after boot.
4. Journal append and replay cost; baselines: a bare 32-byte append+flush and a
   bare 32-byte read on the same filesystem.
5. Journal capacity per 100 KB: taps that fit with nothing acked and in steady
   state (each tap acked); baseline: 100 KB / 32-byte records.
6. Boot scan of a journal holding 10,000 pending taps.

Sections 3-6 are unix-port figures on this machine with the chip answering instantly:
the x86 interpreter is much faster than an ESP32, so read them as ratios.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.devtools.virtual_reader import DEFAULT_HEAP
from hub.provision.firmware import build_firmware, tool

TXN_US = 40
"""One MFRC522 register access from MicroPython on an ESP32 (call, two CS toggles, a
2-byte SPI transfer at 4 MHz): an assumption, derived, to check on hardware."""
SETTLE_MS = 5
"""The driver's `settle_ms`: field on, then the first request."""

SCRIPT = r"""
import gc
import os
import time
import fake_machine
import mfrc522sim
gc.collect()
sim_heap = gc.mem_alloc()  # the script, the simulator and the fakes, no firmware yet
import harness
import mfrc522
import journal as J

TAPS = %(taps)d
TXN_US = %(txn_us)d
SETTLE_MS = %(settle_ms)d

def us(fn, n):
    t = time.ticks_us()
    for _ in range(n):
        fn()
    return time.ticks_diff(time.ticks_us(), t) / n

def out(name, value, unit, base_name, base_value):
    print("R|%%s|%%.1f|%%s|%%s|%%.1f" %% (name, value, unit, base_name, base_value))

r, chip = harness.make_reader(broker_port=1, poll_ms=0, cooldown_ms=0, settle_ms=0,
                              journal_dir="soak", rfid_check_ms=1000)
d = r.rfid
spi = us(lambda: d._rd(0x37), 5000)
out("SPI register read on this interpreter (simulated chip)", spi, "us", "-", 0)

# device-like time: the simulator keeps a device clock: every SPI transaction costs
# TXN_US, each answer and the chip timer land after their device time (see the
# top); the field's settle time is added, not slept. A loop step's device-like
# time is its wall time here with the poll's wall time replaced by its device time.
chip.timed = True
chip.txn_us = TXN_US
d.settle_ms = 0
FOUR = ("04A3C6CAE26180", "8812AB34", "0102030405060708090A", "00000001")
acc = [0, 0]  # poll: wall us here, device us
real_scan = d.scan
def device_scan(found, max_cards=4):
    t = time.ticks_us()
    c = chip.clock_us
    st = real_scan(found, max_cards)
    acc[0] += time.ticks_diff(time.ticks_us(), t)
    acc[1] += chip.clock_us - c + SETTLE_MS * 1000
    return st
d.scan = device_scan
def device_us(fn):
    # device-like duration of fn(): its wall time with every poll's wall time
    # replaced by the poll's device time
    acc[0] = acc[1] = 0
    t = time.ticks_us()
    fn()
    return time.ticks_diff(time.ticks_us(), t) - acc[0] + acc[1]
found = []
def scan():
    found.clear()
    d.scan(found)
def constants(old):
    d.timer_ticks = 1000 if old else mfrc522.TIMER_TICKS
    d.hlta_ticks = 1000 if old else mfrc522.HLTA_TICKS
    d.init()
def mean(fn, n):
    return sum(device_us(fn) for _ in range(n)) / n
def both(name, fn, n):
    constants(False)
    new = mean(fn, n)
    constants(True)
    base = mean(fn, n)
    constants(False)
    out(name, new / 1000, "ms", "old constants (25 ms timer and HLTA)", base / 1000)
def cards(uids):
    chip.cards = [harness.card(u) for u in uids]
chip.cards = []
both("poll, no card (device-like)", scan, 50)
cards(FOUR[1:2])
both("poll, one 4-byte card (device-like)", scan, 50)
cards(FOUR[:1])
both("poll, one 7-byte card (device-like)", scan, 50)
cards(FOUR)
both("poll, four cards (device-like)", scan, 20)
chip.cards = []

r.begin()
both("loop step, no card, broker down (device-like)", lambda: r.step(False), 50)
def arrival_step(uids, n):
    # the step that finds the cards (reads them, beeps, journals the taps): the median
    # of n arrivals, so one stall of this shared machine does not make the figure
    steps = []
    for _ in range(n):
        chip.cards = []
        for _ in range(4):  # absent long enough to re-arm
            r.step(False)
        cards(uids)
        steps.append(device_us(lambda: r.step(False)))
        r.step(False)  # and one resting step
    chip.cards = []
    steps.sort()
    return steps[n // 2]
for label, uids in (("one card arriving", FOUR[:1]), ("four cards arriving", FOUR)):
    constants(False)
    new = arrival_step(uids, 11)
    constants(True)
    base = arrival_step(uids, 11)
    constants(False)
    out("loop step, %%s, median of 11 (device-like)" %% label, new / 1000, "ms",
        "old constants (25 ms timer and HLTA)", base / 1000)
out("  budget for one loop step", 100, "ms", "-", 0)
d.scan = real_scan
chip.timed = False  # the soak below measures heap: instant chip, interpreter speed
chip.txn_us = 0
gc.collect()
boot_heap = gc.mem_alloc()
out("heap in use after boot (firmware + simulator)", boot_heap, "bytes",
    "simulator and bench script alone", sim_heap)
peak = 0
live = 0
worst = 0
hist = [0] * 101  # step durations, 1 ms buckets
t0 = time.ticks_ms()
for i in range(TAPS):
    if i %% 100 == 99:
        gc.collect()
        live = max(live, gc.mem_alloc())
    chip.cards.append(harness.card("04%%012X" %% (i * 7919)))
    while r.taps == i:
        t = time.ticks_us()
        r.step(False)
        dt = time.ticks_diff(time.ticks_us(), t)
        worst = max(worst, dt)
        hist[min(dt // 1000, 100)] += 1
        a = gc.mem_alloc()
        if a > peak:
            peak = a
    chip.cards = []
    for _ in range(4):
        t = time.ticks_us()
        r.step(False)
        dt = time.ticks_diff(time.ticks_us(), t)
        worst = max(worst, dt)
        hist[min(dt // 1000, 100)] += 1
        a = gc.mem_alloc()
        if a > peak:
            peak = a
soak_ms = time.ticks_diff(time.ticks_ms(), t0)
gc.collect()
after = gc.mem_alloc()
out("live heap high-water, %%d-tap soak (collected every 100)" %% TAPS, live, "bytes",
    "heap in use after boot", boot_heap)
out("allocation peak between collections", peak, "bytes", "heap size", %(heap)d)
out("heap in use after the soak (collected)", after, "bytes", "heap in use after boot", boot_heap)
steps = sum(hist)
acc = 0
p99 = 0
for ms in range(101):
    acc += hist[ms]
    if acc >= steps * 99 // 100:
        p99 = ms + 1
        break
out("loop step in the soak, p99 (upper bound)", p99, "ms", "budget", 100)
out("loop step in the soak, worst (includes OS stalls)", worst / 1000, "ms", "budget", 100)
out("soak: taps journaled per second", TAPS * 1000 / soak_ms, "taps/s", "-", 0)
out("journal pending after the soak", r.journal.pending(), "taps", "taps made", TAPS)

# journal costs against bare file I/O on the same filesystem
rec = bytearray(32)
f = open("bare.bin", "wb")
def bare_append():
    f.write(rec)
    f.flush()
base_append = us(bare_append, 5000)
f.close()
j = J.Journal("bj")
j.open()
uid = b"\x04\xa3\xc6\xca\xe2\x61\x80"
out("journal append", us(lambda: j.append(uid, 7, 123, 1795420800), 5000), "us",
    "bare 32-byte append+flush", base_append)
j.close()
f = open("bare.bin", "rb")
def bare_read():
    if f.readinto(rec) != 32:
        f.seek(0)
base_read = us(bare_read, 5000)
f.close()
j = J.Journal("bj")
t = time.ticks_ms()
j.open()
open_ms = time.ticks_diff(time.ticks_ms(), t)
out("journal replay (next_tap)", us(j.next_tap, 5000), "us", "bare 32-byte read", base_read)
j.rewind()
def replay_ack():
    x = j.next_tap()
    if x:
        j.ack(x[0])
out("journal replay + ack", us(replay_ack, 2000), "us", "bare 32-byte append+flush", base_append)
j.close()

# capacity per 100 KB
j = J.Journal("cap1", max_bytes=100 * 1024)
j.open()
n = 0
while j.append(uid, 7, 0, None):
    n += 1
out("capacity per 100 KB, nothing acked", n, "taps", "100 KB / 32 B", 100 * 1024 / 32)
j.close()
j = J.Journal("cap2", max_bytes=100 * 1024)
j.open()
for i in range(20000):
    s = j.append(uid, 7, 0, None)
    if not s:
        break
    j.ack(s)
size = sum(os.stat("cap2/" + x)[6] for x in os.listdir("cap2"))
out("steady state (each tap acked): flash in use after 20000 taps", size / 1024, "KB",
    "one segment, KB", j.seg_records * 32 / 1024)

# boot scan of 10,000 pending taps
j = J.Journal("boot10k")
j.open()
for i in range(10000):
    j.append(uid, 7, i, None)
j.close()
j = J.Journal("boot10k")
t = time.ticks_ms()
j.open()
out("boot scan, 10,000 pending taps", time.ticks_diff(time.ticks_ms(), t), "ms",
    "scan of the 5,000-tap journal above", open_ms)
print("R|done|0|-|-|0")
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taps", type=int, default=10_000, help="taps in the heap soak")
    parser.add_argument("--heap", type=int, default=DEFAULT_HEAP, help="MicroPython heap, bytes")
    parser.add_argument(
        "--txn-us", type=int, default=TXN_US, help="assumed µs of one register access on an ESP32"
    )
    parser.add_argument(
        "--settle-ms", type=int, default=SETTLE_MS, help="field on → first request (the driver's default)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = build_firmware(Path(tmp) / "bundle")
        script = Path(tmp) / "bench.py"
        prelude = (
            f"import sys\nsys.path.insert(0, {str(bundle)!r})\nsys.path.insert(0, {str(bundle / 'sim')!r})\n"
        )
        script.write_text(
            prelude
            + SCRIPT
            % {"taps": args.taps, "heap": args.heap, "txn_us": args.txn_us, "settle_ms": args.settle_ms}
        )
        work = Path(tmp) / "flash"
        work.mkdir()
        proc = subprocess.run(
            [tool("micropython"), "-X", f"heapsize={args.heap}", str(script)],
            cwd=work,
            capture_output=True,
            text=True,
        )
    rows = [line.split("|")[1:] for line in proc.stdout.splitlines() if line.startswith("R|")]
    if proc.returncode != 0 or not rows or rows[-1][0] != "done":
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
        return 1
    print(f"MicroPython unix port, heap {args.heap} bytes, firmware bundle from mpy-cross")
    print(
        "device-like figures assume: 106 kbit/s air (9.44 µs a bit, with parity, SOF and EOF),"
        f" card frame delay 91 µs, the chip timer (2·TPrescaler+1)·(TReload+1)/13.56 MHz,"
        f" {args.txn_us} µs per register access (MicroPython on a 240 MHz ESP32 at 4 MHz SPI:"
        f" check on hardware), field settle {args.settle_ms} ms; the rest of the step runs at"
        " this machine's speed\n"
    )
    print(f"{'figure':<58} {'value':>12}   {'baseline (same run)':<36} {'value':>10}  ratio")
    for name, value, unit, base_name, base_value in rows[:-1]:
        v, b = float(value), float(base_value)
        ratio = f"{v / b:6.1f}x" if b else ""
        base = f"{b:10.1f}" if b else ""
        print(f"{name:<58} {v:>9.1f} {unit:<5} {base_name:<36} {base}  {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
