# A non-blocking SNTP client (RFC 4330) for the reader's main loop.
#
# MicroPython's ntptime.settime() waits on a socket with a timeout, and the loop
# may never block (no step longer than 100 ms). Here one query is spread over
# many loop steps: step() either sends the 48-byte request on a non-blocking UDP
# socket, or looks once for the reply, or gives up at the deadline. It never
# waits. The server must be an IP address: a DNS lookup would block.
#
# A reply is believed only if it answers our request (its originate timestamp is
# the random nonce we sent), comes from a server (mode 4), is synchronised
# (leap indicator not 3, stratum 1..15) and gives a year the reader can be in.
# Stratum 0 is a "kiss of death": DENY/RSTR stop NTP until reboot; RATE (or any
# other code) doubles the period. A failed query is retried after 30 s, 60 s, ...
# up to the period.
import errno
import random
import socket
import time

from micropython import const

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from _mpy_shed.time_mp import _TicksMs as Ticks  # the stubs' opaque ticks_ms() value

_NTP_DELTA = const(2208988800)  # 1900-01-01 to 1970-01-01, in seconds
_T_MIN = const(1704067200)  # 2024-01-01: an older answer is wrong (this firmware is newer)
_T_MAX = const(4102444800)  # 2100-01-01
_RETRY_MS = const(30000)
_MAX_PERIOD_MS = const(86400000)
_IDLE = const(0)  # states
_WAIT = const(1)
OFF = const(2)


def is_ip(host: str) -> bool:
    """A dotted IPv4 address (no DNS on the reader: a lookup blocks)."""
    parts = host.split(".")
    if len(parts) != 4:
        return False
    return all(p and len(p) <= 3 and p.isdigit() and int(p) <= 255 for p in parts)


def _u32(buf: bytes, off: int) -> int:
    return (buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]


def request(nonce: bytes) -> bytearray:
    """The 48-byte client request: LI 0, version 4, mode 3 (client); the
    transmit timestamp carries the nonce, which the server echoes back."""
    pkt = bytearray(48)
    pkt[0] = 0x23
    pkt[40:48] = nonce
    return pkt


def parse(pkt: bytes, nonce: bytes) -> "tuple[int, int] | str":
    """A reply to the request that carried `nonce`: (unix seconds, ms into that
    second) from the server's transmit timestamp, or a reason string when it
    must not be believed: "short", "stale" (not an answer to this request),
    "mode", "version", "unsynchronised", "stratum", "kod XXXX", "zero", "year"."""
    if len(pkt) < 48:
        return "short"
    if pkt[24:32] != nonce:
        return "stale"
    b0 = pkt[0]
    if b0 & 0x07 != 4:
        return "mode"
    vn = (b0 >> 3) & 0x07
    if vn < 3 or vn > 4:
        return "version"
    stratum = pkt[1]
    if stratum == 0:
        code = "".join(chr(c) if 32 < c < 127 else "?" for c in pkt[12:16])
        return "kod " + code
    if b0 >> 6 == 3:
        return "unsynchronised"
    if stratum > 15:
        return "stratum"
    secs = _u32(pkt, 40)
    frac = _u32(pkt, 44)
    if secs == 0 and frac == 0:
        return "zero"
    if not secs & 0x80000000:
        secs += 0x100000000  # NTP era 1: from 2036-02-07 on
    t = secs - _NTP_DELTA
    if t < _T_MIN or t >= _T_MAX:
        return "year"
    return t, (frac * 1000) >> 32


class SNTP:
    """step(now) every loop iteration (only while Wi-Fi is up); it returns
    (unix seconds, ms into that second at `now`) when a good answer arrives,
    else None. Never blocks."""

    def __init__(self, host: str, port: int = 123, period_s: int = 3600, timeout_ms: int = 2000) -> None:
        self.host = host
        self.port = port
        self.period = period_s * 1000
        self.timeout = timeout_ms
        self.state = _IDLE if is_ip(host) else OFF
        self.last_error: str | None = None if self.state == _IDLE else "host is not an IP address"
        self.sock: Any = None
        self._addr: Any = None
        self._nonce = b""
        self._sent = time.ticks_ms()
        self._next = self._sent
        self._retry = _RETRY_MS
        self._ignored = 0
        self.queries = 0
        self.good = 0

    def _end(self, why: str | None, now: "Ticks", wait: int, state: int = _IDLE) -> None:
        # the query is over (answered, refused or given up): next one in `wait` ms
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        self.last_error = why
        self.state = state
        self._next = time.ticks_add(now, wait)

    def _fail(self, why: str, now: "Ticks") -> None:
        self._end(why, now, min(self._retry, self.period))
        self._retry = min(self._retry * 2, self.period)

    def step(self, now: "Ticks") -> "tuple[int, int] | None":
        st = self.state
        if st == _IDLE and time.ticks_diff(now, self._next) >= 0:
            self.queries += 1
            self._ignored = 0
            r = random.getrandbits
            self._nonce = bytes((r(8), r(8), r(8), r(8), r(8), r(8), r(8), r(8) | 1))
            try:
                if self._addr is None:
                    # a numeric host: no DNS query, returns at once
                    self._addr = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_DGRAM)[0][-1]
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.sock.setblocking(False)
                self.sock.sendto(request(self._nonce), self._addr)
            except OSError as e:
                self._fail("send %s" % e, now)
                return None
            self._sent = now
            self.state = _WAIT
            return None
        if st != _WAIT:
            return None
        try:
            pkt = self.sock.recv(64)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ETIMEDOUT):
                self._fail("recv %s" % e, now)
            elif time.ticks_diff(now, self._sent) >= self.timeout:
                self._fail("bad reply" if self._ignored else "timeout", now)
            return None
        got = parse(pkt, self._nonce)
        if not isinstance(got, str):
            self.good += 1
            self._retry = _RETRY_MS
            self._end(None, now, self.period)
            # the server stamped its answer about half a round trip ago
            ms = got[1] + time.ticks_diff(now, self._sent) // 2
            return got[0] + ms // 1000, ms % 1000
        if got == "short" or got == "stale":
            self._ignored += 1  # not an answer to this request: keep waiting
        elif got == "kod DENY" or got == "kod RSTR":
            self._end(got, now, 0, OFF)  # the server asks us to stop: until reboot
        elif got.startswith("kod "):  # RATE or another code: ask less often
            self.period = min(self.period * 2, _MAX_PERIOD_MS)
            self._end(got, now, self.period)
        else:
            self._fail(got, now)
        return None

    def stop(self) -> None:
        """Wi-Fi went down: drop a query in flight; the next one is due at once."""
        if self.state == _WAIT:
            self._end(self.last_error, time.ticks_ms(), 0)
