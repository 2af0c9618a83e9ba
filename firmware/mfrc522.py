# MFRC522 driver (SPI) for ISO/IEC 14443A cards, written from the NXP datasheet
# facts collected in shared/research/mfrc522.md.
#
# * every register access reuses one preallocated 2-byte buffer (no allocation);
# * every transceive is bounded twice: by the chip timer (TAuto) and by a
#   software deadline, so a dead or stuck chip can never hang the loop. The
#   timer is short (3 ms): it starts when our frame ends and stops at the 5th
#   bit of the answer, and a card answers REQA/ANTICOLL/SELECT after a fixed
#   frame delay of ~91 us (ISO/IEC 14443-3 FDT = 1236/fc), so 3 ms is ample
#   margin, where the common 25 ms made a no-card poll ~30 ms and four cards
#   on the reader ~140 ms (HLTA's success is a timeout: it waits the timer out);
# * HLTA has its own 1 ms wait: a card that disobeys answers within 1 ms;
# * card-side read errors (a card at the edge of the field: parity, protocol,
#   CRC/BCC, collisions, silence mid-anticollision) never count toward the
#   hard-reset limit; only what no card can cause does (no IRQ at all, RxIRq
#   with an empty FIFO, WrErr/TempErr in ErrorReg);
# * anticollision + SELECT through all cascade levels, decided by SAK bit 0x04,
#   so 4-, 7- and 10-byte UIDs and a genuine 4-byte UID starting 0x88 all read
#   correctly; BCC and CRC_A are checked by the host;
# * scan() switches the field on, selects every card and halts it (HLTA), then
#   switches the field off (all cards back to IDLE), so a card resting on the
#   reader is seen on every poll (no REQA flicker) and several cards are found.
import time

from micropython import const

# registers
_COMMAND = const(0x01)
_COMIEN = const(0x02)
_COMIRQ = const(0x04)
_DIVIRQ = const(0x05)
_ERROR = const(0x06)
_STATUS2 = const(0x08)
_FIFODATA = const(0x09)
_FIFOLEVEL = const(0x0A)
_CONTROL = const(0x0C)
_BITFRAMING = const(0x0D)
_COLL = const(0x0E)
_MODE = const(0x11)
_TXMODE = const(0x12)
_RXMODE = const(0x13)
_TXCONTROL = const(0x14)
_TXASK = const(0x15)
_MODWIDTH = const(0x24)
_RFCFG = const(0x26)
_TMODE = const(0x2A)
_TPRESCALER = const(0x2B)
_TRELOADH = const(0x2C)
_TRELOADL = const(0x2D)
_VERSION = const(0x37)

# PCD commands
_IDLE = const(0x00)
_TRANSCEIVE = const(0x0C)
_SOFTRESET = const(0x0F)

# PICC commands
_REQA = const(0x26)
_WUPA = const(0x52)
_HLTA = const(0x50)

# results
OK = const(0)
NOCARD = const(1)  # chip timer expired: nobody answered
ERR = const(2)  # parity/protocol/overflow error, or a malformed frame
COLL = const(3)  # bit collision (resolved inside select(); never returned by scan)
CRC = const(4)  # CRC_A of the SAK frame wrong
BCC = const(5)  # BCC of the anticollision frame wrong
HANG = const(6)  # no IRQ before the software deadline: chip not responding
FAULT = const(7)  # the chip said something no card can cause: empty FIFO on RxIRq, WrErr/TempErr

# timer: TPrescaler 169 -> (2 * 169 + 1) / 13.56 MHz = 25 us per tick
_PRESCALER = const(0xA9)
TIMER_TICKS = 120  # 3 ms: no-card timeout of REQA/WUPA/ANTICOLL/SELECT
HLTA_TICKS = 40  # 1 ms: HLTA's success is silence for 1 ms
RESET_WAIT_MS = 50  # after a hard reset, before the first SPI access (ESPHome, Arduino)

_SEL = const((0x93, 0x95, 0x97))
_HEX = const(b"0123456789ABCDEF")


def crc_a(buf, n):
    """ISO/IEC 14443-3 CRC_A over buf[:n]; returns an int, low byte goes first."""
    crc = 0x6363
    for i in range(n):
        b = buf[i] ^ (crc & 0xFF)
        b = (b ^ (b << 4)) & 0xFF
        crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)
    return crc & 0xFFFF


def uid_hex(buf, n):
    """Canonical UID: uppercase hex, zero-padded, full length."""
    out = bytearray(2 * n)
    for i in range(n):
        out[2 * i] = _HEX[buf[i] >> 4]
        out[2 * i + 1] = _HEX[buf[i] & 0x0F]
    return out.decode()


class MFRC522:
    """Driver for one MFRC522 on an SPI bus.

    spi: a machine.SPI (mode 0, MSB first, <= 10 MHz); cs and rst: machine.Pin
    outputs (rst is NRSTPD, may be None). Nothing here imports machine.
    """

    def __init__(self, spi, cs, rst=None, timeout_ms=40, err_limit=5, settle_ms=5):
        # timer_ticks / hlta_ticks are per instance so the bench can compare the
        # old constants (1000 / 1000, 25 ms each) in the same run
        self.spi = spi
        self.cs = cs
        self.rst = rst
        self.timeout_ms = timeout_ms  # software deadline per transceive
        self.err_limit = err_limit  # consecutive chip errors before a hard reset
        self.settle_ms = settle_ms  # field on -> first request (cards power up)
        self._r = bytearray(2)  # register access buffer
        self._tx = bytearray(12)  # frame to the card
        self._fifo_tx = bytearray(65)  # FIFO read: addresses out
        self._fifo_rx = bytearray(65)  # FIFO read: data in
        self._mtx = memoryview(self._fifo_tx)
        self._mrx = memoryview(self._fifo_rx)
        self.rx = bytearray(64)  # last frame from the card
        self.rx_len = 0
        self.rx_bits = 0  # valid bits in the last byte (0 = 8)
        self._cl = bytearray(5)  # one cascade level: 4 bytes + BCC
        self.uid = bytearray(10)
        self.uid_len = 0
        self.sak = 0
        self.atqa = 0
        self.version = 0
        self.timer_ticks = TIMER_TICKS
        self.hlta_ticks = HLTA_TICKS
        self._reload = -1  # TReload value last written (-1: unknown)
        self.errors = 0  # consecutive chip errors
        self.resets = 0  # hard resets done by the self-healing path
        self.ok = False  # chip initialised and answering
        self.last_status = OK
        cs.value(1)

    # ---- SPI framing -------------------------------------------------------
    def _wr(self, reg, val):
        b = self._r
        b[0] = (reg << 1) & 0x7E
        b[1] = val
        self.cs.value(0)
        self.spi.write(b)
        self.cs.value(1)

    def _rd(self, reg):
        b = self._r
        b[0] = 0x80 | ((reg << 1) & 0x7E)
        b[1] = 0
        self.cs.value(0)
        self.spi.write_readinto(b, b)
        self.cs.value(1)
        return b[1]

    def _write_fifo(self, n):
        # address byte then the data: every byte after the address goes to the FIFO
        t = self._fifo_tx
        t[0] = (_FIFODATA << 1) & 0x7E
        t[1 : n + 1] = self._tx[:n]
        self.cs.value(0)
        self.spi.write(self._mtx[: n + 1])
        self.cs.value(1)

    def _read_fifo(self, n):
        # the address n times then 0x00; MISO: a junk byte, then n data bytes
        t = self._fifo_tx
        a = 0x80 | ((_FIFODATA << 1) & 0x7E)
        for i in range(n):
            t[i] = a
        t[n] = 0
        self.cs.value(0)
        self.spi.write_readinto(self._mtx[: n + 1], self._mrx[: n + 1])
        self.cs.value(1)
        self.rx[:n] = self._fifo_rx[1 : n + 1]

    # ---- reset and init ----------------------------------------------------
    def _wait_powerup(self):
        # PowerDown (CommandReg b4) reads 1 while the oscillator starts
        end = time.ticks_add(time.ticks_ms(), 50)
        while self._rd(_COMMAND) & 0x10:
            if time.ticks_diff(end, time.ticks_ms()) < 0:
                return False
        return True

    def hard_reset(self):
        """Pull NRSTPD low then high; falls back to a soft reset without the pin."""
        if self.rst is not None:
            self.rst.value(0)
            time.sleep_us(10)  # datasheet: >= 100 ns
            self.rst.value(1)
            time.sleep_ms(RESET_WAIT_MS)  # oscillator start-up
            return self._wait_powerup()
        return self.soft_reset()

    def soft_reset(self):
        for _ in range(3):
            self._wr(_COMMAND, _SOFTRESET)
            if self._wait_powerup():
                return True
        return False

    def init(self, gain=4, hard=False):
        """(Re)initialise the chip; returns True when it answers with a sane version."""
        self.ok = False
        if hard:
            if not self.hard_reset():
                return False
        elif not self.soft_reset():
            return False
        w = self._wr
        w(_TXMODE, 0x00)
        w(_RXMODE, 0x00)  # CRCs are computed and checked by the host
        w(_MODWIDTH, 0x26)
        w(_TMODE, 0x80)  # TAuto: timer starts at the end of TX
        w(_TPRESCALER, _PRESCALER)  # 25 us per tick
        self._reload = -1
        self._timer(self.timer_ticks)
        w(_TXASK, 0x40)  # Force100ASK
        w(_MODE, 0x3D)  # CRC preset 0x6363
        # RxGain is bits 6:4; bit 7 and bits 3:0 are reserved: keep what the chip has
        w(_RFCFG, (self._rd(_RFCFG) & 0x8F) | ((gain & 7) << 4))
        w(_COMIEN, 0x80)
        w(_TXCONTROL, self._rd(_TXCONTROL) & 0xFC)  # field off until a poll
        self.version = self._rd(_VERSION)
        self.ok = self.version not in (0x00, 0xFF)
        self.errors = 0
        return self.ok

    def antenna(self, on):
        v = self._rd(_TXCONTROL)
        self._wr(_TXCONTROL, (v | 0x03) if on else (v & 0xFC))

    def healthy(self):
        """Periodic check: VersionReg sane and our configuration still in place
        (a brown-out resets the chip silently, and the timer with it)."""
        v = self._rd(_VERSION)
        if v in (0x00, 0xFF):
            return False
        return self._rd(_TMODE) == 0x80 and self._rd(_TPRESCALER) == _PRESCALER

    def _timer(self, ticks):
        # TReload takes effect at the next timer start; written only when it changes
        if ticks != self._reload:
            self._wr(_TRELOADH, ticks >> 8)
            self._wr(_TRELOADL, ticks & 0xFF)
            self._reload = ticks

    def heal(self):
        """Hard reset and full re-init; returns True when the chip is back."""
        self.resets += 1
        return self.init(hard=True)

    # ---- transceive --------------------------------------------------------
    def _transceive(self, n, tx_bits=0, align=0):
        w = self._wr
        w(_COMMAND, _IDLE)
        w(_COMIRQ, 0x7F)
        w(_FIFOLEVEL, 0x80)
        self._write_fifo(n)
        framing = (align << 4) | tx_bits
        w(_BITFRAMING, framing)
        w(_COMMAND, _TRANSCEIVE)
        w(_BITFRAMING, 0x80 | framing)  # StartSend
        end = time.ticks_add(time.ticks_ms(), self.timeout_ms)
        while True:
            irq = self._rd(_COMIRQ)
            if irq & 0x30:  # RxIRq | IdleIRq
                break
            if irq & 0x01:  # TimerIRq: nobody answered
                w(_COMMAND, _IDLE)
                self.rx_len = 0
                return NOCARD
            if time.ticks_diff(end, time.ticks_ms()) < 0:
                w(_COMMAND, _IDLE)
                self.rx_len = 0
                return HANG
        w(_COMMAND, _IDLE)
        err = self._rd(_ERROR)
        if err & 0xC0:  # WrErr | TempErr: a chip (or bus) fault, never a card's
            self.rx_len = 0
            return FAULT
        if err & 0x13:  # BufferOvfl | ParityErr | ProtocolErr
            self.rx_len = 0
            return ERR
        lvl = self._rd(_FIFOLEVEL) & 0x7F
        if lvl > 64:
            lvl = 64
        if lvl == 0 and not err & 0x08:  # RxIRq and nothing received: stuck FIFO
            self.rx_len = 0
            return FAULT
        self.rx_bits = self._rd(_CONTROL) & 0x07
        if lvl:
            self._read_fifo(lvl)
        self.rx_len = lvl
        if err & 0x08:
            return COLL
        return OK

    def _request(self, cmd):
        self._wr(_COLL, self._rd(_COLL) & 0x7F)  # ValuesAfterColl = 0
        self._tx[0] = cmd
        st = self._transceive(1, 7)
        if st == OK:
            if self.rx_len != 2 or self.rx_bits != 0:
                return ERR
            self.atqa = self.rx[0] | (self.rx[1] << 8)
        elif st == COLL:
            st = OK  # several cards answered; anticollision sorts them out
        return st

    def request(self, wake=False):
        """REQA (IDLE cards) or WUPA (IDLE and HALT cards). OK when a card answered."""
        return self._note(self._request(_WUPA if wake else _REQA))

    def _note(self, st):
        # count consecutive chip faults; a clean answer or the timer firing (the
        # chip works) resets them; a card's read errors leave the count alone
        if st in (OK, NOCARD):
            self.errors = 0
        elif st in (HANG, FAULT):
            self.errors += 1
        self.last_status = st
        return st

    def select(self):
        """Anticollision + SELECT through the cascade levels; fills uid/uid_len/sak."""
        return self._note(self._select())

    def _select(self):
        cl = self._cl
        tx = self._tx
        rx = self.rx
        ulen = 0
        for level in range(3):
            sel = _SEL[level]
            known = 0  # bits of this level's 32 UID/CT bits already known
            for _ in range(34):  # at most one round per bit, plus the final one
                if known >= 32:
                    break
                nbytes = known >> 3
                nbits = known & 7
                tx[0] = sel
                tx[1] = ((2 + nbytes) << 4) | nbits  # NVB
                m = nbytes + (1 if nbits else 0)
                tx[2 : 2 + m] = cl[:m]
                st = self._transceive(2 + m, nbits, nbits)
                if st == COLL:
                    coll = self._rd(_COLL)
                    if coll & 0x20:  # CollPosNotValid
                        return ERR
                    pos = coll & 0x1F
                    if pos == 0:
                        pos = 32
                    if pos <= known or self.rx_len == 0:
                        return ERR
                    self._merge(nbytes, nbits)
                    # keep the bits before the collision, choose 1 at the collision
                    b = pos - 1
                    cl[b >> 3] = (cl[b >> 3] & ((1 << (b & 7)) - 1)) | (1 << (b & 7))
                    known = pos
                    continue
                if st != OK:
                    return st
                if self.rx_len != 5 - nbytes or self.rx_bits != 0:
                    return ERR
                self._merge(nbytes, nbits)
                if cl[0] ^ cl[1] ^ cl[2] ^ cl[3] != cl[4]:
                    return BCC
                known = 40
            else:
                return ERR
            if known == 32:  # resolved by collisions: we never received the BCC
                cl[4] = cl[0] ^ cl[1] ^ cl[2] ^ cl[3]
            # SELECT: SEL 70 b0..b3 BCC CRC_A
            tx[0] = sel
            tx[1] = 0x70
            tx[2:7] = cl
            c = crc_a(tx, 7)
            tx[7] = c & 0xFF
            tx[8] = c >> 8
            st = self._transceive(9)
            if st != OK:
                return ERR if st == COLL else st
            if self.rx_len != 3 or self.rx_bits != 0:
                return ERR
            c = crc_a(rx, 1)
            if rx[1] != c & 0xFF or rx[2] != c >> 8:
                return CRC
            sak = rx[0]
            if sak & 0x04:  # UID not complete: cascade tag + 3 bytes, next level
                if cl[0] != 0x88:
                    return ERR
                self.uid[ulen : ulen + 3] = cl[1:4]
                ulen += 3
                continue
            self.uid[ulen : ulen + 4] = cl[0:4]
            self.uid_len = ulen + 4
            self.sak = sak
            return OK
        return ERR  # cascade bit still set after level 3

    def _merge(self, nbytes, nbits):
        # copy the received bits into cl; the first byte holds only bits >= RxAlign
        cl = self._cl
        rx = self.rx
        n = self.rx_len
        if nbytes + n > 5:
            n = 5 - nbytes
        if n <= 0:
            return
        if nbits:
            low = (1 << nbits) - 1
            cl[nbytes] = (cl[nbytes] & low) | (rx[0] & ~low & 0xFF)
        else:
            cl[nbytes] = rx[0]
        for i in range(1, n):
            cl[nbytes + i] = rx[i]

    def halt(self):
        """HLTA: 50 00 CRC_A. Silence (timeout) means the card obeyed."""
        tx = self._tx
        tx[0] = _HLTA
        tx[1] = 0
        c = crc_a(tx, 2)
        tx[2] = c & 0xFF
        tx[3] = c >> 8
        self._timer(self.hlta_ticks)
        st = self._transceive(4)
        self._timer(self.timer_ticks)
        return OK if st == NOCARD else ERR

    def uid_str(self):
        return uid_hex(self.uid, self.uid_len)

    def scan(self, found, max_cards=4):
        """One poll. Appends the canonical UID of every card in the field to
        `found` (a list the caller clears). Returns OK when the field was read
        cleanly (an empty list then means: no card), otherwise the first error
        (the caller must not take an error for an absent card).

        The RF field is switched on for the poll only: switching it off resets
        every card to IDLE, so a card resting on the reader answers every poll
        (no REQA flicker) and several halted cards are all found again."""
        status = OK
        self.antenna(True)
        if self.settle_ms:
            time.sleep_ms(self.settle_ms)
        cmd = _WUPA  # wakes halted cards too, should the field-off have been missed
        for _ in range(max_cards):
            st = self._note(self._request(cmd))
            cmd = _REQA  # then only the cards not yet selected and halted
            if st == NOCARD:
                break
            if st != OK:
                status = st
                break
            st = self.select()
            if st != OK:
                status = st
                break
            u = self.uid_str()
            if u not in found:
                found.append(u)
            self.halt()
        self.antenna(False)
        return status
