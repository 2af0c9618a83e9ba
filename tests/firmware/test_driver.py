"""The MFRC522 driver against the register-level simulator, on the real MicroPython
interpreter with an ESP32-sized heap. Each test is a MicroPython script."""

from __future__ import annotations

import pytest

SETUP = """
import time
import micropython
import mfrc522sim as S
import mfrc522 as M

class Pin:
    def __init__(self, fn):
        self.fn = fn
    def value(self, v=None):
        if v is not None:
            self.fn(v)

def make(version=0x92):
    chip = S.Chip(version)
    d = M.MFRC522(S.SimSPI(chip), Pin(chip.set_cs), Pin(chip.set_rst), settle_ms=0)
    assert d.init(), "init failed"
    return chip, d

def card(h, **kw):
    return S.Card(bytes(int(h[i:i + 2], 16) for i in range(0, len(h), 2)), **kw)

def scan(d):
    f = []
    st = d.scan(f)
    return st, f

def check(cond, *msg):
    if not cond:
        raise AssertionError(" ".join(str(m) for m in msg))
"""


def run(mp, body: str) -> str:
    out = mp(SETUP + body)
    assert "OK" in out.split(), out
    return out


def test_crc_a_vectors(mp):
    run(
        mp,
        """
for data, lo, hi in ((b"\\x50\\x00", 0x57, 0xCD), (b"\\xe0\\x50", 0xBC, 0xA5),
                     (b"\\x08", 0xB6, 0xDD), (b"\\x04", 0xDA, 0x17), (b"\\x00", 0xFE, 0x51)):
    c = M.crc_a(data, len(data))
    check(c & 0xFF == lo and c >> 8 == hi, data, hex(c))
print("OK")
""",
    )


@pytest.mark.parametrize(
    "uid",
    [
        "DEADBEEF",  # 4 bytes, Classic 1K
        "00000001",  # leading zeros kept
        "8812AB34",  # a genuine 4-byte UID starting with the cascade tag value
        "04A3C6CAE26180",  # 7 bytes
        "88A3C6CAE26180",  # 7 bytes starting 0x88
        "0102030405060708090A",  # 10 bytes
    ],
)
def test_uid_lengths_read_in_full(mp, uid):
    run(
        mp,
        f"""
chip, d = make()
chip.cards.append(card({uid!r}))
st, f = scan(d)
check(st == M.OK and f == [{uid!r}], st, f)
check(d.uid_len == {len(uid) // 2}, d.uid_len)
print("OK")
""",
    )


def test_select_frames_match_the_worked_example(mp):
    # shared/research/mfrc522.md: UID 04 A3 C6 CA E2 61 80
    run(
        mp,
        """
chip, d = make()
chip.cards.append(card("04A3C6CAE26180"))
chip.trace = []
st, f = scan(d)
frames = [bytes(x).hex() for x, n in chip.trace]
check(frames[0] == "52" and chip.trace[0][1] == 7, frames)
check("93708804a3c6e9037f" in frames, frames)  # CL1 SELECT
check("9570cae26180c9e283" in frames, frames)  # CL2 SELECT
check(frames[-2:] == ["500057cd", "26"], frames)  # HLTA with its CRC_A, then REQA: nobody
print("OK")
""",
    )


def test_two_and_four_cards_collide_and_are_all_read(mp):
    run(
        mp,
        """
chip, d = make()
uids = ["04A3C6CAE26180", "8812AB34", "0102030405060708090A", "00000001"]
for u in uids[:2]:
    chip.cards.append(card(u))
st, f = scan(d)
check(st == M.OK and sorted(f) == sorted(uids[:2]), st, f)
for u in uids[2:]:
    chip.cards.append(card(u))
for _ in range(3):  # every poll, all of them (the field-off resets halted cards)
    st, f = scan(d)
    check(st == M.OK and sorted(f) == sorted(uids), st, f)
print("OK")
""",
    )


def test_resting_card_is_seen_on_every_poll(mp):
    run(
        mp,
        """
chip, d = make()
chip.cards.append(card("04112233445566"))
for i in range(20):
    st, f = scan(d)
    check(f == ["04112233445566"], i, st, f)
chip.cards = []
st, f = scan(d)
check(st == M.OK and f == [], st, f)
print("OK")
""",
    )


def test_no_card_ends_on_the_chip_timer_and_no_timer_on_the_deadline(mp):
    run(
        mp,
        """
chip, d = make()
t = time.ticks_ms()
st, f = scan(d)
check(st == M.OK and f == [], st)
check(d.last_status == M.NOCARD, d.last_status)
chip.no_timer = True  # TimerIRq never fires: the software deadline must end it
t = time.ticks_ms()
st, f = scan(d)
dt = time.ticks_diff(time.ticks_ms(), t)
check(st == M.HANG, st)
check(d.timeout_ms <= dt < 200, dt)
check(d.errors == 1, d.errors)
print("OK")
""",
    )


def test_corrupt_frames_are_errors_not_uids(mp):
    run(
        mp,
        """
chip, d = make()
c = card("04A3C6CAE26180")
chip.cards.append(c)
c.bad_bcc = 1
st, f = scan(d)
check(st == M.BCC and f == [], "bcc", st, f)
c.bad_crc = 1
st, f = scan(d)
check(st == M.CRC and f == [], "crc", st, f)
c.short_sak = 1
st, f = scan(d)
check(st == M.ERR and f == [], "short sak", st, f)
chip.parity_errors = 1
st, f = scan(d)
check(st == M.ERR and f == [], "parity", st, f)
chip.protocol_errors = 1
st, f = scan(d)
check(st == M.ERR and f == [], "protocol", st, f)
st, f = scan(d)  # and the next poll reads it cleanly
check(st == M.OK and f == ["04A3C6CAE26180"], st, f)
print("OK")
""",
    )


def test_card_removed_between_request_and_select(mp):
    run(
        mp,
        """
chip, d = make()
chip.cards.append(card("04A3C6CAE26180"))
chip.remove_after = 1  # gone after the WUPA
st, f = scan(d)
check(f == [], st, f)
st, f = scan(d)
check(st == M.OK and f == [], st, f)
print("OK")
""",
    )


@pytest.mark.parametrize("dead", [0x00, 0xFF])
def test_chip_off_the_bus_is_detected_and_healed(mp, dead):
    run(
        mp,
        f"""
chip, d = make()
chip.cards.append(card("DEADBEEF"))
check(d.healthy())
chip.on_bus = False
chip.dead_value = {dead}
check(not d.healthy(), "dead chip reported healthy")
for _ in range(d.err_limit):
    scan(d)
check(d.errors >= d.err_limit or {dead} == 0, "errors", d.errors)
check(not d.heal(), "healed while off the bus")
chip.on_bus = True
chip.power_on()  # it came back after a brown-out: registers at reset values
check(not d.healthy(), "lost configuration not noticed")
check(d.heal() and d.healthy(), "heal failed")
st, f = scan(d)
check(st == M.OK and f == ["DEADBEEF"], st, f)
check(d.resets == 2, d.resets)
print("OK")
""",
    )


def test_stuck_fifo_and_stuck_powerdown_need_a_hard_reset(mp):
    run(
        mp,
        """
chip, d = make()
chip.cards.append(card("DEADBEEF"))
chip.fifo_stuck = True  # RxIRq but FIFOLevel reads 0
for _ in range(d.err_limit):
    scan(d)
check(d.errors >= d.err_limit, d.errors)
check(d.heal(), "hard reset did not clear it")
st, f = scan(d)
check(f == ["DEADBEEF"], st, f)
chip.pd_stuck = True  # PowerDown never clears after SoftReset
check(not d.init(), "soft reset should fail")
check(d.init(hard=True), "hard reset should recover")
print("OK")
""",
    )


@pytest.mark.parametrize("version", [0x91, 0x92, 0x88, 0x12])
def test_clone_chips_work(mp, version):
    run(
        mp,
        f"""
chip, d = make({version})
check(d.version == {version})
chip.cards.append(card("04A3C6CAE26180"))
st, f = scan(d)
check(f == ["04A3C6CAE26180"], st, f)
print("OK")
""",
    )


def test_register_access_does_not_allocate(mp):
    run(
        mp,
        """
chip, d = make()
d._rd(0x37)
micropython.heap_lock()
try:
    for _ in range(50):
        d._wr(0x2C, 0x03)  # a plain register (the sim allocates on a FIFO flush)
        d._rd(0x37)
        d._rd(0x04)
finally:
    micropython.heap_unlock()
print("OK")
""",
    )


def test_spi_framing_reads_fifo_with_repeated_address(mp):
    # the FIFO read sends the address n times then 0x00; a wrong framing would
    # return shifted bytes and the ATQA/UID checks above would fail; here we also
    # check the byte count on the bus for one register read (2 bytes)
    run(
        mp,
        """
chip, d = make()
n = chip.spi_bytes
d._rd(0x37)
check(chip.spi_bytes - n == 2, chip.spi_bytes - n)
n = chip.spi_bytes
d._wr(0x01, 0x00)
check(chip.spi_bytes - n == 2, chip.spi_bytes - n)
print("OK")
""",
    )


def test_device_time_no_card_poll_waits_the_short_timer(mp):
    # the simulator models the chip's timer: a no-card poll lasts (at least) the
    # 3 ms timer plus the WUPA on air, not the old 25 ms, and never returns early
    run(
        mp,
        """
chip, d = make()
chip.timed = True
scan(d)
check(abs(chip.timer_us() - 3025) < 1, chip.timer_us())  # 121 ticks of 25 us
chip.wait_us = 0
t = time.ticks_us()
st, f = scan(d)
dt = time.ticks_diff(time.ticks_us(), t)
check(st == M.OK and f == [], st, f)
check(3000 < chip.wait_us < 3300, chip.wait_us)
check(dt >= chip.wait_us, "the answer came before its device time", dt, chip.wait_us)
print("OK")
""",
    )


def test_device_time_four_cards_fit_the_step_budget(mp):
    # four cards: each is halted with the 1 ms HLTA wait (success is silence), so
    # the modelled chip time (~24 ms, mostly air time) stays far under the 100 ms
    # step; with the old 25 ms timer for everything the same poll waited ~120 ms
    run(
        mp,
        """
chip, d = make()
uids = ["04A3C6CAE26180", "8812AB34", "0102030405060708090A", "00000001"]
for u in uids:
    chip.cards.append(card(u))
chip.wait_us = 0
st, f = scan(d)
check(st == M.OK and sorted(f) == sorted(uids), st, f)
new = chip.wait_us
check(new < 30000, new)
d.timer_ticks = d.hlta_ticks = 1000  # the old constants: 25 ms for every wait
d.init()
chip.wait_us = 0
st, f = scan(d)
check(st == M.OK and sorted(f) == sorted(uids), st, f)
check(chip.wait_us > new + 4 * 23000, chip.wait_us)  # four 25 ms HLTA waits
print("OK", new, chip.wait_us)
""",
    )


def test_hard_reset_waits_50_ms_and_rfcfg_keeps_reserved_bits(mp):
    run(
        mp,
        """
chip, d = make()
t = time.ticks_ms()
check(d.init(gain=7, hard=True))
check(time.ticks_diff(time.ticks_ms(), t) >= M.RESET_WAIT_MS)
check(chip.regs[0x26] == 0x78, hex(chip.regs[0x26]))  # reset 0x48: RxGain 7, reserved 0x08 kept
check(chip.rfcfg_reserved_changed == 0, chip.rfcfg_reserved_changed)
check(d.init(gain=0))
check(chip.regs[0x26] == 0x08, hex(chip.regs[0x26]))
check(chip.rfcfg_reserved_changed == 0, chip.rfcfg_reserved_changed)
print("OK")
""",
    )


@pytest.mark.parametrize("fault", ["parity_errors", "protocol_errors", "bad_crc", "bad_bcc", "remove_after"])
def test_a_card_at_the_edge_of_the_field_is_no_chip_failure(mp, fault):
    # a card held at the edge of the field reads badly for a long time; that is not
    # the chip failing: no hard reset (which would also cost its 50 ms wait)
    target = "c" if fault in ("bad_crc", "bad_bcc") else "chip"
    run(
        mp,
        f"""
chip, d = make()
c = card("04A3C6CAE26180")
chip.cards.append(c)
for i in range(3 * d.err_limit):
    if {fault!r} == "remove_after":
        chip.cards = [c]
        c.reset()
        chip.remove_after = 2  # gone mid-anticollision
    else:
        setattr({target}, {fault!r}, 1)
    st, f = scan(d)
    check(f == [], i, st, f)
    check(d.errors == 0, "counted as a chip error", i, st, d.errors)
check(d.resets == 0)
print("OK")
""",
    )
