# The flash journal (outbox): every tap is appended here, with its seq, boot,
# ticks and time, before any network call, and stays until the hub's `ack`.
#
# Layout: a directory of segment files s000001.j, s000002.j, ... each made of
# fixed 32-byte records, appended and flushed one at a time:
#
#   0  kind   0xA1 TAP, 0xA2 ACK, 0xA3 BOOT, 0xA4 HDR
#   1  ulen   UID length (low 4 bits), 0x80 = t valid
#   2  boot   u32   boot counter
#   6  seq    u32   TAP: its seq; ACK: the new low-water mark (all seqs below
#                   it are acked); BOOT/HDR: the last seq handed out
#   10 ms     u32   TAP: ticks_ms at the tap; HDR: the low-water mark
#   14 t      u32   TAP: epoch seconds at the tap (when ulen & 0x80)
#   18 uid    10 bytes
#   28 crc32  u32   over bytes 0..27
#
# A write cut at any byte leaves either a short tail or a record whose CRC fails;
# both are skipped when reading, and a journal whose last segment has a torn
# tail simply continues in a new segment. Every segment starts with a HDR record
# (seq, boot, low-water mark) and the last segment is never deleted, so seq and
# boot survive however many segments were compacted away. Compaction deletes
# the oldest segments once all their taps are acked; nothing is ever rewritten.
import binascii
import os
import struct

from micropython import const

_REC = const(32)
TAP = const(0xA1)
ACK = const(0xA2)
_BOOT = const(0xA3)
HDR = const(0xA4)
_TVALID = const(0x80)
_FMT = const("<BBIIII10s")
_HEX = const(b"0123456789ABCDEF")


def _name(path, segno):
    return "%s/s%06d.j" % (path, segno)


class Journal:
    def __init__(self, path="journal", seg_records=512, max_bytes=512 * 1024):
        self.path = path
        self.seg_records = seg_records
        # the last segment of the budget is kept for ACK/BOOT/HDR records, so a
        # full journal can always record the acks that let it shrink again
        self.max_segs = max(3, max_bytes // (seg_records * _REC))
        self._b = bytearray(_REC)
        self._mv = memoryview(self._b)
        self.segs = []  # [segno, max tap seq in it, records]
        self.boot = 0
        self.next_seq = 1
        self.lo = 1  # every seq below lo is acked by the hub
        self._acked = []  # acks above lo (out of order), not yet persisted
        self._f = None  # append handle of the last segment
        self._rf = None  # read handle (cursor)
        self._rseg = -1  # segno the read handle is on
        self._roff = 0
        self._loaded = 0  # highest seq handed out by next_tap()
        self.torn = 0  # torn/invalid records seen at open()
        self.appended = 0

    # ---- records -----------------------------------------------------------
    def _pack(self, kind, flags, boot, seq, ms, t, uid):
        b = self._b
        struct.pack_into(_FMT, b, 0, kind, flags, boot, seq, ms, t, uid)
        struct.pack_into("<I", b, 28, binascii.crc32(self._mv[0:28]))

    def _valid(self):
        b = self._b
        if b[0] < TAP or b[0] > HDR:
            return False
        return struct.unpack_from("<I", b, 28)[0] == binascii.crc32(self._mv[0:28])

    # ---- open / recover ----------------------------------------------------
    def open(self):
        """Scan the segments, recover seq/boot/low-water mark, start a new boot.
        Returns the new boot number."""
        try:
            os.mkdir(self.path)
        except OSError:
            pass
        nums = []
        for name in os.listdir(self.path):
            if len(name) == 9 and name[0] == "s" and name[7:] == ".j":
                try:
                    nums.append(int(name[1:7]))
                except ValueError:
                    pass
        nums.sort()
        max_seq = 0
        max_boot = 0
        lo = 0
        min_tap = 0
        torn_last = False
        b = self._b
        for k, segno in enumerate(nums):
            info = [segno, -1, 0]
            count = 0
            torn = False
            with open(_name(self.path, segno), "rb") as f:
                while True:
                    n = f.readinto(b)
                    if not n:
                        break
                    count += 1
                    if n < _REC or not self._valid():
                        torn = True
                        self.torn += 1
                        if n < _REC:
                            break
                        continue
                    kind, _, boot, seq, ms, _, _ = struct.unpack_from(_FMT, b, 0)
                    if kind == TAP:
                        if seq > max_seq:
                            max_seq = seq
                        if seq > info[1]:
                            info[1] = seq
                        if not min_tap or seq < min_tap:
                            min_tap = seq
                        if boot > max_boot:
                            max_boot = boot
                    elif kind == ACK:
                        if seq > lo:
                            lo = seq
                    else:  # BOOT, HDR
                        if seq > max_seq:
                            max_seq = seq
                        if boot > max_boot:
                            max_boot = boot
                        if kind == HDR and ms > lo:
                            lo = ms
            info[2] = count
            self.segs.append(info)
            if k == len(nums) - 1:
                torn_last = torn
        self.next_seq = max_seq + 1
        if not lo:
            lo = min_tap or self.next_seq
        self.lo = min(lo, self.next_seq)
        self.boot = (max_boot + 1) & 0xFFFFFFFF
        if not self.segs or torn_last or self.segs[-1][2] >= self.seg_records:
            self._new_segment()
        else:
            self._f = open(_name(self.path, self.segs[-1][0]), "ab")
        self._gc()
        self._append(_BOOT, 0, self.next_seq - 1, 0, 0)
        self._loaded = self.lo - 1
        return self.boot

    def close(self):
        for f in (self._f, self._rf):
            if f:
                f.close()
        self._f = self._rf = None
        self._rseg = -1

    # ---- writing -----------------------------------------------------------
    def _new_segment(self):
        segno = self.segs[-1][0] + 1 if self.segs else 1
        if self._f:
            self._f.close()
        self._f = open(_name(self.path, segno), "wb")
        self.segs.append([segno, -1, 0])
        self._write(HDR, 0, self.next_seq - 1, self.lo, 0, b"")

    def _write(self, kind, flags, seq, ms, t, uid):
        self._pack(kind, flags, self.boot, seq, ms, t, uid)
        f = self._f
        if f is None:  # written to after close(): append to the last segment again
            f = self._f = open(_name(self.path, self.segs[-1][0]), "ab")
        f.write(self._b)
        f.flush()
        self.segs[-1][2] += 1

    def _append(self, kind, flags, seq, ms, t, uid=b""):
        if self.segs[-1][2] >= self.seg_records:
            self._new_segment()
        self._write(kind, flags, seq, ms, t, uid)

    def full(self):
        """True when a new tap would not fit in the byte budget."""
        return len(self.segs) >= self.max_segs - 1 and self.segs[-1][2] >= self.seg_records

    def append(self, uid, ulen, ms, t=None):
        """Journal one tap (uid: bytes-like, ulen 4/7/10 bytes, ms: ticks_ms,
        t: epoch seconds or None). Returns its seq, or 0 when the journal is full."""
        if self.full():
            return 0
        seq = self.next_seq
        flags = ulen & 0x0F
        if t is not None:
            flags |= _TVALID
        else:
            t = 0
        self._append(TAP, flags, seq, ms & 0xFFFFFFFF, t, uid[:ulen])
        self.next_seq = seq + 1
        self.segs[-1][1] = seq
        self.appended += 1
        return seq

    def ack(self, seq):
        """The hub acknowledged seq. Returns True when it was pending."""
        if seq < self.lo or seq >= self.next_seq or seq in self._acked:
            return False
        if seq != self.lo:
            if len(self._acked) < 64:
                self._acked.append(seq)
                return True
            return False
        lo = seq + 1
        while lo in self._acked:
            self._acked.remove(lo)
            lo += 1
        self.lo = lo
        self._append(ACK, 0, lo, 0, 0)
        self._gc()
        return True

    def _gc(self):
        # compaction: drop the oldest segments whose taps are all acked
        while len(self.segs) > 1 and self.segs[0][1] < self.lo:
            segno = self.segs.pop(0)[0]
            if self._rseg == segno and self._rf is not None:
                self._rf.close()
                self._rf = None
                self._rseg = -1
            try:
                os.remove(_name(self.path, segno))
            except OSError:
                pass

    def pending(self):
        return self.next_seq - self.lo - len(self._acked)

    # ---- reading (replay cursor) -------------------------------------------
    def rewind(self):
        """Hand out every pending tap again from the oldest (after a reconnect
        that lost the outbox window, or for tests)."""
        self._loaded = self.lo - 1
        if self._rf:
            self._rf.close()
        self._rf = None
        self._rseg = -1

    def next_tap(self):
        """The next pending tap in seq order, or None. Returns a tuple
        (seq, boot, ms, t or None, uid_hex)."""
        if self._loaded + 1 >= self.next_seq:
            return None
        want = self._loaded + 1
        if want < self.lo:
            want = self.lo
        b = self._b
        retried = False
        while True:
            if self._rf is None:
                # find the segment holding `want`: the first whose max tap >= want
                seg = None
                for s in self.segs:
                    if s[1] >= want:
                        seg = s
                        break
                if seg is None:
                    return None
                self._rseg = seg[0]
                self._rf = open(_name(self.path, seg[0]), "rb")
                self._roff = 0
            n = self._rf.readinto(b)
            if n == _REC:
                self._roff += _REC
                if b[0] != TAP or not self._valid():
                    continue
                _kind, flags, boot, seq, ms, t, uid = struct.unpack_from(_FMT, b, 0)
                if seq < want or seq in self._acked:
                    continue
                self._loaded = seq
                ulen = flags & 0x0F
                return (seq, boot, ms, t if flags & _TVALID else None, _hex(uid, ulen))
            if n and n < _REC:
                # torn tail: skip it; the segment continues in the next one
                self._roff += n
            # end of this segment: move on, or re-open the last one once (its
            # writer flushed after our handle saw EOF)
            nxt = None
            for s in self.segs:
                if s[0] > self._rseg:
                    nxt = s
                    break
            self._rf.close()
            self._rf = None
            if nxt is None:
                if retried:
                    return None
                retried = True
                segno = self._rseg
                off = self._roff
                self._rf = open(_name(self.path, segno), "rb")
                self._rf.seek(off)
                continue
            self._rseg = nxt[0]
            self._rf = open(_name(self.path, nxt[0]), "rb")
            self._roff = 0


def _hex(uid, n):
    out = bytearray(2 * n)
    for i in range(n):
        out[2 * i] = _HEX[uid[i] >> 4]
        out[2 * i + 1] = _HEX[uid[i] & 0x0F]
    return out.decode()
