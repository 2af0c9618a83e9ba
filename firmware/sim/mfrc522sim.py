# Register-level MFRC522 simulator with ISO/IEC 14443A cards, behind a fake SPI bus.
# MicroPython (unix port) only; never deployed to a reader.
#
# The chip sees exactly what the real one would: the SPI bytes between CS low and
# CS high (address byte (reg << 1) & 0x7E, bit 7 = read), so the driver's framing
# is exercised. Cards follow the ISO 14443-3 state machine IDLE/READY/ACTIVE/HALT
# (with the "*" variants that return to HALT). Faults can be injected: chip off
# the bus, FIFO level stuck at 0, PowerDown stuck, clone VersionReg, corrupt
# BCC/CRC, parity and protocol errors, card removed mid-read, and a missing timer.
#
# Time (chip.timed = True; off by default, so long soaks and step-count tests stay
# fast): a transceive's answer and its IRQs appear
# only once the time the real chip would take has passed (time.ticks_us()):
#   our frame on air -> the card's frame delay -> its answer on air, or, with no
#   answer, our frame on air -> the timer ((2 * TPrescaler + 1) * (TReload + 1) / fc).
# Air time counts 128/fc (9.44 us) per bit at 106 kbit/s: SOF, data bits, one
# parity bit per whole byte, EOF (_*_SOF_EOF_BITS below). SPI and the host's own time are
# not modelled unless chip.txn_us is set: then the chip keeps its own device
# clock (chip.clock_us) instead of ticks_us(), and every SPI transaction advances
# it by txn_us, as one register access from MicroPython on an ESP32 takes (the
# driver polling ComIrq during a wait then costs device time, not the
# interpreter's; bench/firmware.py sets it and prints the value it assumes).
# With chip.timed = False everything lands at once; chip.wait_us adds up the
# modelled time of every transceive either way.
try:
    from time import ticks_add, ticks_diff, ticks_us

    from micropython import const
except ImportError:  # CPython: the hub's desk-reader test drives this simulator too
    import time

    def const(x):
        return x

    def ticks_us():
        return (time.monotonic_ns() // 1000) % (1 << 30)

    def ticks_add(t, d):
        return (t + d) % (1 << 30)

    def ticks_diff(a, b):
        return ((a - b + (1 << 29)) % (1 << 30)) - (1 << 29)


_FC = const(13560000)  # carrier, Hz
_BIT_US = const(128 * 1000000 / _FC)  # 9.44 us per bit at 106 kbit/s
_AIR_SOF_EOF_BITS = const(3)  # reader frame: start of frame + end of frame (~2 bit times)
_CARD_SOF_EOF_BITS = const(2)  # card frame: Manchester SOF + EOF
_FDT_US = const(1236 * 1000000 / _FC)  # card frame delay time after our frame (91 us)

_IDLE = const(0)
_READY = const(1)
_ACTIVE = const(2)
_HALT = const(3)

_RESET = {
    0x01: 0x20,
    0x02: 0x80,
    0x04: 0x14,
    0x0B: 0x08,
    0x0C: 0x10,
    0x0E: 0xA0,
    0x11: 0x3F,
    0x14: 0x80,
    0x15: 0x00,
    0x16: 0x10,
    0x17: 0x84,
    0x18: 0x84,
    0x19: 0x4D,
    0x1C: 0x62,
    0x1F: 0xEB,
    0x21: 0xFF,
    0x22: 0xFF,
    0x24: 0x26,
    0x26: 0x48,
    0x27: 0x88,
    0x28: 0x20,
    0x29: 0x20,
}


def crc_a(data):
    crc = 0x6363
    for x in data:
        b = x ^ (crc & 0xFF)
        b = (b ^ (b << 4)) & 0xFF
        crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)
    return crc & 0xFFFF


def with_crc(data):
    c = crc_a(data)
    return bytes(data) + bytes((c & 0xFF, c >> 8))


class Card:
    """An ISO 14443A PICC. uid: 4, 7 or 10 bytes. sak: the final SAK (defaults:
    0x08 MIFARE Classic 1K for 4-byte UIDs, 0x00 Ultralight/NTAG otherwise)."""

    def __init__(self, uid, sak=None, atqa=None):
        uid = bytes(uid)
        n = len(uid)
        if n not in (4, 7, 10):
            raise ValueError("uid must be 4, 7 or 10 bytes")
        self.uid = uid
        self.sak = (0x08 if n == 4 else 0x00) if sak is None else sak
        size = {4: 0, 7: 1, 10: 2}[n]
        self.atqa = (0x0004 | (size << 6)) if atqa is None else atqa
        if n == 4:
            parts = [uid]
        elif n == 7:
            parts = [b"\x88" + uid[0:3], uid[3:7]]
        else:
            parts = [b"\x88" + uid[0:3], b"\x88" + uid[3:6], uid[6:10]]
        # each level as a 40-bit little-endian integer: 4 bytes + BCC
        self.levels = []
        for p in parts:
            bcc = p[0] ^ p[1] ^ p[2] ^ p[3]
            v = 0
            for i, x in enumerate(p + bytes((bcc,))):
                v |= x << (8 * i)
            self.levels.append(v)
        self.state = _IDLE
        self.star = False  # came from HALT: returns to HALT instead of IDLE
        self.level = 0
        self.bad_bcc = 0  # next N anticollision answers carry a wrong BCC
        self.bad_crc = 0  # next N SAK frames carry a wrong CRC
        self.short_sak = 0  # next N SAK frames are 2 bytes long

    def hex(self):
        return "".join("%02X" % x for x in self.uid)

    def reset(self):
        self.state = _IDLE
        self.star = False
        self.level = 0

    def _fallback(self):
        self.state = _HALT if self.star else _IDLE
        self.level = 0

    def receive(self, data, nbits):
        """A frame from the reader (nbits valid bits in total). Returns None for
        silence, or (value, nbits, first_bit) for an answer: value holds the answer
        bits LSB first; first_bit is where the answer starts inside the
        level (anticollision) or 0."""
        st = self.state
        if nbits == 7:
            cmd = data[0] & 0x7F
            if cmd == 0x26 and st == _IDLE:
                self.state, self.level = _READY, 0
                return (self.atqa, 16, 0)
            if cmd == 0x52 and st in (_IDLE, _HALT):
                self.star = st == _HALT
                self.state, self.level = _READY, 0
                return (self.atqa, 16, 0)
            if st in (_READY, _ACTIVE):
                self._fallback()
            return None
        if st in (_IDLE, _HALT):
            return None
        if st == _READY:
            sel = (0x93, 0x95, 0x97)[self.level]
            if nbits < 16 or data[0] != sel:
                self._fallback()
                return None
            nvb = data[1]
            known = ((nvb >> 4) - 2) * 8 + (nvb & 0x0F)
            lv = self.levels[self.level]
            if nvb == 0x70:
                if nbits != 72 or crc_a(data[:7]) != data[7] | (data[8] << 8):
                    self._fallback()
                    return None
                sent = 0
                for i in range(5):
                    sent |= data[2 + i] << (8 * i)
                if sent != lv:
                    # another card was selected: this one leaves the round
                    self._fallback()
                    return None
                last = self.level == len(self.levels) - 1
                sak = self.sak if last else 0x04
                if last:
                    self.state = _ACTIVE
                else:
                    self.level += 1
                frame = with_crc(bytes((sak,)))
                if self.bad_crc:
                    self.bad_crc -= 1
                    frame = frame[:1] + bytes((frame[1] ^ 0x5A, frame[2]))
                if self.short_sak:
                    self.short_sak -= 1
                    frame = frame[:2]
                v = 0
                for i, x in enumerate(frame):
                    v |= x << (8 * i)
                return (v, 8 * len(frame), 0)
            if known < 0 or known > 32 or nbits != 16 + known:
                self._fallback()
                return None
            sent = 0
            for i in range(2, len(data)):
                sent |= data[i] << (8 * (i - 2))
            mask = (1 << known) - 1
            if (sent & mask) != (lv & mask):
                return None  # not us: stay READY, keep quiet
            ans = lv >> known
            if self.bad_bcc:
                self.bad_bcc -= 1
                ans ^= 0x01 << (32 - known)  # flip a BCC bit
            return (ans, 40 - known, known)
        # ACTIVE
        hlta = nbits == 32 and data[0] == 0x50 and data[1] == 0x00
        if hlta and crc_a(data[:2]) == data[2] | (data[3] << 8):
            self.state = _HALT
            self.level = 0
            return None
        self._fallback()
        return None


class Chip:
    """The MFRC522 itself: 64 registers, a 64-byte FIFO, the commands the driver
    uses (Idle, CalcCRC, Transceive, SoftReset) and the RF field."""

    def __init__(self, version=0x92):
        self.version = version
        self.cards = []  # cards in the field
        self.regs = bytearray(64)
        self.fifo = bytearray()
        self.on_bus = True  # False: chip dropped off the bus (MISO reads dead_value)
        self.dead_value = 0x00
        self.fifo_stuck = False  # FIFOLevel reads 0 despite RxIRq (until hard reset)
        self.pd_stuck = False  # PowerDown never clears after SoftReset (until hard reset)
        self.no_timer = False  # TimerIRq never fires
        self.parity_errors = 0  # next N card answers carry a parity error
        self.protocol_errors = 0
        self.remove_after = -1  # remove all cards after this many more frames
        self.frames = 0  # frames transmitted to cards
        self.trace = None  # a list: every frame sent to the cards, as (bytes, nbits)
        self.spi_bytes = 0
        self.powered = True  # NRSTPD high
        self.timed = False  # True: answers and the timer take device time (see the top)
        self.wait_us = 0  # modelled air/timer time of all transceives so far
        self.txn_us = 0  # device time of one SPI transaction (0: real time, ticks_us)
        self.clock_us = 0  # the device clock when txn_us is set
        self.txns = 0  # SPI transactions so far
        self.rfcfg_reserved_changed = 0  # writes that changed RFCfgReg's reserved bits
        self._due = None  # (ticks_us due, fifo, error, control, coll, irq) of a transceive in flight
        self._pd_reads = 0
        self._cs = 1
        self._first = True
        self._read = False
        self._reg = 0
        self.power_on()

    # ---- power, resets --------------------------------------------------------
    def power_on(self):
        r = self.regs
        for i in range(64):
            r[i] = 0
        for k, v in _RESET.items():
            r[k] = v
        r[0x37] = self.version
        self._due = None
        self.fifo = bytearray()
        self._pd_reads = 2  # PowerDown reads 1 for a couple of reads after reset
        self._field(False)

    def set_rst(self, v):
        if not v:
            self.powered = False
            self._field(False)
        elif not self.powered:
            self.powered = True
            self.fifo_stuck = False
            self.pd_stuck = False
            self.power_on()

    def _field(self, on):
        if not on:
            for c in self.cards:
                c.reset()

    def field_on(self):
        return self.powered and (self.regs[0x14] & 0x03) == 0x03

    # ---- SPI side -------------------------------------------------------------
    def set_cs(self, v):
        v = 1 if v else 0
        if v == 0 and self._cs == 1:
            self._first = True
            self.txns += 1
            self.clock_us += self.txn_us
        self._cs = v

    def xfer(self, b):
        """One byte on the bus while CS is low; returns the MISO byte."""
        self.spi_bytes += 1
        if not self.on_bus or not self.powered:
            return self.dead_value
        if self._cs:
            return 0xFF  # not selected: the line floats high
        if self._first:
            self._first = False
            self._read = bool(b & 0x80)
            self._reg = (b >> 1) & 0x3F
            return 0
        if self._read:
            out = self.read_reg(self._reg)
            self._reg = (b >> 1) & 0x3F  # the next address (0x00 ends the read)
            return out
        self.write_reg(self._reg, b)
        return 0

    # ---- registers ---------------------------------------------------------------
    def _settle(self):
        # the answer of a transceive in flight lands once its device time has passed
        d = self._due
        if d is not None and ticks_diff(self._now(), d[0]) >= 0:
            self._due = None
            r = self.regs
            self.fifo = d[1]
            r[0x06] |= d[2]
            r[0x0C] = (r[0x0C] & 0xF8) | d[3]
            if d[4] >= 0:
                r[0x0E] = d[4]
            r[0x04] |= d[5]

    def read_reg(self, a):
        if self._due is not None:
            self._settle()
        r = self.regs
        if a == 0x09:
            if self.fifo:
                v = self.fifo[0]
                self.fifo = self.fifo[1:]
                return v
            return 0
        if a == 0x0A:
            return 0 if self.fifo_stuck else len(self.fifo)
        if a == 0x01:
            v = r[1]
            if self.pd_stuck:
                return v | 0x10
            if self._pd_reads > 0:
                self._pd_reads -= 1
                return v | 0x10
            return v & ~0x10 & 0xFF
        if a == 0x37:
            return self.version
        return r[a]

    def write_reg(self, a, v):
        r = self.regs
        if a == 0x26 and (v ^ r[0x26]) & 0x8F:
            self.rfcfg_reserved_changed += 1
        if a == 0x09:
            if len(self.fifo) >= 64:
                r[0x06] |= 0x10  # BufferOvfl
            else:
                self.fifo.append(v)
            return
        if a == 0x0A:
            if v & 0x80:
                self.fifo = bytearray()
                r[0x06] &= ~0x10 & 0xFF
            return
        if a == 0x04 or a == 0x05:
            if v & 0x80:
                r[a] |= v & 0x7F
            else:
                r[a] &= ~v & 0x7F
            return
        if a == 0x37 or a == 0x06 or a == 0x08:
            return  # read-only
        if a == 0x01:
            r[1] = v & 0x30  # RcvOff, PowerDown
            self._command(v & 0x0F)
            return
        if a == 0x0D:
            r[0x0D] = v & 0x7F
            if v & 0x80 and (r[1] & 0x0F) == 0x0C:
                self._transceive()
            return
        if a == 0x14:
            r[0x14] = v
            if (v & 0x03) != 0x03:
                self._field(False)
            return
        r[a] = v

    def _command(self, cmd):
        r = self.regs
        if cmd == 0x0F:  # SoftReset
            self.power_on()
            return
        if cmd == 0x03:  # CalcCRC
            c = crc_a(self.fifo)
            self.fifo = bytearray()
            r[0x22] = c & 0xFF
            r[0x21] = c >> 8
            r[0x05] |= 0x04
            return
        if cmd == 0x00 or cmd == 0x0C:  # Idle / Transceive (waits for StartSend)
            if cmd == 0x00:
                self._due = None  # Idle cancels a transceive in flight
            r[1] = (r[1] & 0xF0) | cmd
            return
        if cmd in (0x01, 0x02, 0x04, 0x07, 0x08, 0x0E):
            r[1] = (r[1] & 0xF0) | cmd
            r[0x04] |= 0x10
            r[1] &= 0xF0
            return
        r[1] &= 0xF0  # unknown code: Idle, IdleIRq
        r[0x04] |= 0x10

    # ---- the air interface ------------------------------------------------------
    def _transceive(self):
        r = self.regs
        framing = r[0x0D]
        tx_bits = framing & 0x07
        align = (framing >> 4) & 0x07
        data = bytes(self.fifo)
        self.fifo = bytearray()
        r[0x06] = 0
        r[0x0E] = (r[0x0E] & 0x80) | 0x20  # CollPosNotValid until a collision
        r[0x04] |= 0x40  # TxIRq
        nbits = 8 * len(data) - (8 - tx_bits if tx_bits else 0)
        self._tx_us = air_us(nbits, _AIR_SOF_EOF_BITS)
        if not self.field_on() or not data:
            self._timeout()
            return
        self.frames += 1
        if self.trace is not None:
            self.trace.append((data, nbits))
        if self.remove_after >= 0:
            if self.remove_after == 0:
                self.cards = []
            self.remove_after -= 1
        answers = []
        for c in self.cards:
            a = c.receive(data, nbits)
            if a is not None:
                answers.append(a)
        if not answers:
            self._timeout()
            return
        value, bits, first = answers[0]
        coll = -1
        if len(answers) > 1:
            # bits answered by several cards: equal bits pass, the first
            # differing bit is a collision; ValuesAfterColl=0 clears the rest
            v_or = 0
            v_and = (1 << bits) - 1
            for v, b, _f in answers:
                v_or |= v
                v_and &= v
                if b > bits:
                    bits = b
            diff = v_or ^ v_and
            if diff:
                coll = 0
                while not (diff >> coll) & 1:
                    coll += 1
                value = v_or & ((1 << (coll + 1)) - 1)
                if r[0x0E] & 0x80:
                    value = v_or
            else:
                value = v_or
        if self.parity_errors:
            self.parity_errors -= 1
            r[0x06] |= 0x02
        elif self.protocol_errors:
            self.protocol_errors -= 1
            r[0x06] |= 0x01
        # pack the answer into the FIFO, the first bit at RxAlign
        total = bits + align
        n = (total + 7) // 8
        packed = value << align
        out = bytearray(n)
        for i in range(n):
            out[i] = (packed >> (8 * i)) & 0xFF
        if n > 64:
            out = out[:64]
            r[0x06] |= 0x10
        err = r[0x06]
        r[0x06] = 0
        collreg = -1
        if coll >= 0:
            err |= 0x08
            pos = first + coll + 1  # 1-based bit position inside the level
            collreg = (r[0x0E] & 0x80) | (pos & 0x1F)
        irq = 0x20  # RxIRq
        if err & 0x13:
            irq |= 0x02  # ErrIRq
        # the card's answer ends after our frame, its frame delay and its own frame
        end = self._tx_us + _FDT_US + air_us(bits, _CARD_SOF_EOF_BITS)
        self._deliver(end, out, err, total & 7, collreg, irq)

    def timer_us(self):
        r = self.regs
        prescaler = ((r[0x2A] & 0x0F) << 8) | r[0x2B]
        reload = (r[0x2C] << 8) | r[0x2D]
        return (2 * prescaler + 1) * (reload + 1) * 1000000 / _FC

    def _timeout(self):
        r = self.regs
        self.fifo = bytearray()
        timer = (r[0x2A] & 0x80) and (r[0x2C] or r[0x2D])
        if timer and not self.no_timer:
            self._deliver(self._tx_us + self.timer_us(), bytearray(), 0, 0, -1, 0x01)  # TimerIRq

    def _now(self):
        if self.txn_us:
            return self.clock_us & 0x3FFFFFFF  # a ticks value, as ticks_us() gives
        return ticks_us()

    def _deliver(self, us, fifo, err, last_bits, collreg, irq):
        self.wait_us += us
        at = self._now()
        if self.timed:
            at = ticks_add(at, int(us))
        self._due = (at, fifo, err, last_bits, collreg, irq)
        if not self.timed:
            self._settle()


def air_us(bits, framing_bits):
    # data bits, a parity bit per whole byte, start and end of frame
    return (bits + bits // 8 + framing_bits) * _BIT_US


class SimSPI:
    """machine.SPI look-alike wired to a Chip; CS comes from a SimPin."""

    def __init__(self, chip):
        self.chip = chip

    def init(self, *args, **kw):
        pass

    def deinit(self):
        pass

    # range() loops and direct method calls: no heap allocation per transfer, so
    # the driver's "no allocation per register access" can be checked with heap_lock
    def write(self, buf):
        c = self.chip
        for i in range(len(buf)):
            c.xfer(buf[i])

    def read(self, n, write=0):
        buf = bytearray(n)
        self.readinto(buf, write)
        return bytes(buf)

    def readinto(self, buf, write=0):
        c = self.chip
        for i in range(len(buf)):
            buf[i] = c.xfer(write)

    def write_readinto(self, wbuf, rbuf):
        c = self.chip
        for i in range(len(wbuf)):
            rbuf[i] = c.xfer(wbuf[i])
