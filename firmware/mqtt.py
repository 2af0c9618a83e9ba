# A small non-blocking MQTT 3.1.1 client for the reader's main loop.
#
# Nothing here ever waits: step() does at most one connect attempt, one read and
# one write per call. It keeps a persistent session (clean session off), sets
# the last will, sends PINGREQ on its own, tracks PUBACKs (a PUBACK overdue
# means a dead link: the connection is dropped and re-made), and reconnects
# with exponential back-off. Resending unacknowledged PUBLISHes with DUP after
# a reconnect is the owner's job (on_connect), because only the owner can
# refresh the tap's `now`. Optional TLS through the `ssl` module.
#
# The one call that can block is socket.getaddrinfo() for a broker given by name:
# broker_name.py (imported only then) looks it up once a boot with the watchdog fed,
# keeps it, and falls back to the last good address. An IP address is never looked up.
# The TLS handshake runs on the non-blocking socket, one step per loop, within
# `connect_timeout` ("tls timeout").
import errno
import random
import select
import socket
import time

from micropython import const

_DOWN = const(0)
_TCP = const(1)  # TCP (and TLS) connect in progress
_WAIT = const(2)  # CONNECT sent, waiting for CONNACK
_UP = const(3)

_BACKOFF_MIN = const(1000)
_BACKOFF_MAX = const(60000)
_CONNECT_TIMEOUT = const(10000)
_PUBACK_TIMEOUT = const(20000)
_MAX_WBUF = const(4096)
_AGAIN = (errno.EAGAIN, errno.EINPROGRESS, errno.ETIMEDOUT)


def _str(s):
    if isinstance(s, str):
        s = s.encode()
    return bytes((len(s) >> 8, len(s) & 0xFF)) + s


def is_ip(host):
    """A dotted IPv4 address (never looked up), as opposed to a host name."""
    parts = host.split(".")
    if len(parts) != 4:
        return False
    return all(p and len(p) <= 3 and p.isdigit() and int(p) <= 255 for p in parts)


def _packet(first, body):
    n = len(body)
    hdr = bytearray((first,))
    while True:
        b = n & 0x7F
        n >>= 7
        hdr.append(b | 0x80 if n else b)
        if not n:
            break
    return hdr + body


class MQTT:
    def __init__(
        self,
        client_id,
        host,
        port=1883,
        user=None,
        password=None,
        keepalive=30,
        will_topic=None,
        will_msg=None,
        tls=False,
        cadata=None,
        addr_file=None,
    ):
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.will_topic = will_topic
        self.will_msg = will_msg
        self.tls = tls
        self.cadata = cadata
        self.subs = []  # [(topic, qos)], (re)subscribed after every CONNACK
        self.on_msg = None  # fn(topic:str, payload:bytes, retained:bool)
        self.on_puback = None  # fn(pid)
        self.on_connect = None  # fn(session_present)
        self.on_disconnect = None  # fn()
        self.on_fail = None  # fn(reason): a connection attempt or connection failed
        self.feed = None  # fn(): feeds the watchdog; called right before a blocking lookup
        self.connect_timeout = _CONNECT_TIMEOUT
        self.name = None  # broker_name.BrokerName when the broker is given by name
        if not is_ip(host):
            import broker_name  # only then: an IP address needs none of it

            self.name = broker_name.BrokerName(host, port, addr_file)
        self.state = _DOWN
        self.sock = None
        self._poll = None
        self._addr = None
        self._rb = b""
        self._wb = b""
        self._pid = 0
        self.inflight = {}  # pid -> ticks sent (QoS 1 awaiting PUBACK)
        self._backoff = 0
        self._next_try = time.ticks_ms()
        self._t_state = 0
        self._t_tx = 0
        self._t_rx = 0
        self._ping = False
        self.connects = 0
        self.last_error = None
        self._ctx = None
        if tls:
            try:
                self._tls_context()  # now, while the heap is in one piece
            except (OSError, ValueError):
                pass  # reported by the first connection attempt

    @property
    def up(self):
        return self.state == _UP

    # ---- connection management ---------------------------------------------
    def _fail(self, why, now):
        self.last_error = why
        was_up = self.state == _UP
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self._poll = None
        self._rb = b""
        self._wb = b""
        self.inflight = {}
        self.state = _DOWN
        if self._backoff < _BACKOFF_MIN:
            self._backoff = _BACKOFF_MIN
        else:
            self._backoff = min(self._backoff * 2, _BACKOFF_MAX)
        # jitter +-25 % so a room of readers does not reconnect in step
        j = random.getrandbits(8) * self._backoff // 512 - self._backoff // 4
        self._next_try = time.ticks_add(now, self._backoff + j)
        if was_up and self.on_disconnect:
            self.on_disconnect()
        if self.on_fail:
            self.on_fail(why)

    def disconnect(self):
        """Clean DISCONNECT (the will is then not published)."""
        if self.sock and self.state == _UP:
            try:
                self.sock.write(b"\xe0\x00")
            except OSError:
                pass
        now = time.ticks_ms()
        self._fail("disconnect", now)
        self._backoff = 0

    def _start(self, now):
        self._t_state = now
        try:
            if self._addr is None:
                ip = self.host
                if self.name is not None:
                    ip = self.name.address(now, self.feed)
                    if ip is None:
                        self._fail(self.name.last_error or "dns", now)
                        return
                # a numeric address: getaddrinfo only converts it, no DNS
                self._addr = socket.getaddrinfo(ip, self.port)[0][-1]
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(self._addr)
            except OSError as e:
                if e.errno not in _AGAIN:
                    s.close()
                    raise
            self.sock = s
            self._poll = select.poll()
            self._poll.register(s, select.POLLOUT)
            self.state = _TCP
        except OSError as e:
            self._addr = None
            self._fail("connect %s" % e, now)

    def _tls_context(self):
        # Made once and reused for every reconnect: the context needs ~3 KB of heap in
        # one piece, which a heap fragmented by days of running may no longer have.
        ctx = self._ctx
        if ctx is None:
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if self.cadata:
                # the stubs' SSLContext (from `tls`) lacks verify_mode;
                # MicroPython's ssl.SSLContext has it (test_tls.py)
                ctx.verify_mode = ssl.CERT_REQUIRED  # type: ignore[attr-defined]
                ctx.load_verify_locations(cadata=self.cadata)
            else:
                ctx.verify_mode = ssl.CERT_NONE  # type: ignore[attr-defined]
            self._ctx = ctx
        return ctx

    def _connect_packet(self):
        flags = 0  # clean session off: the broker keeps our subscriptions
        body = _str("MQTT") + b"\x04"
        payload = _str(self.client_id)
        if self.will_topic:
            flags |= 0x04 | (1 << 3) | 0x20  # will, will QoS 1, will retain
            payload += _str(self.will_topic) + _str(self.will_msg)
        if self.user:
            flags |= 0x80
            payload += _str(self.user)
            if self.password:
                flags |= 0x40
                payload += _str(self.password)
        body += bytes((flags, self.keepalive >> 8, self.keepalive & 0xFF)) + payload
        return _packet(0x10, body)

    def step(self, now):
        """Advance the connection; call every loop iteration. Never blocks."""
        st = self.state
        if st == _DOWN:
            if time.ticks_diff(now, self._next_try) >= 0:
                self._start(now)
            return
        if st == _TCP:
            p = self._poll
            ev = p.poll(0) if p is not None else None
            if not ev:
                if time.ticks_diff(now, self._t_state) > self.connect_timeout:
                    self._fail("tcp timeout", now)
                return
            flags = ev[0][1]
            if flags & (select.POLLERR | select.POLLHUP):
                self._fail("tcp refused", now)
                return
            if self.tls:
                try:
                    self.sock = self._tls_context().wrap_socket(
                        self.sock, server_hostname=self.host, do_handshake_on_connect=False
                    )
                except ValueError as e:  # a CA file that is not a DER certificate
                    self._fail("tls %s" % e, now)
                    return
                except OSError as e:
                    if e.errno not in _AGAIN:
                        self._fail("tls %s" % e, now)
                        return
            self._poll = None
            self.state = _WAIT
            self._t_state = now
            self._t_rx = now
            self._wb = b""
            self._send(self._connect_packet(), now)
            return
        # WAIT or UP: move bytes
        if not self._flush(now):
            return
        if not self._read(now):
            return
        if self.state == _WAIT:
            if time.ticks_diff(now, self._t_state) > self.connect_timeout:
                # over TLS, silence before CONNACK is a handshake that never ended
                self._fail("tls timeout" if self.tls and not self._rb else "connack timeout", now)
            return
        ka = self.keepalive * 1000
        if ka:
            if self._ping and time.ticks_diff(now, self._t_rx) > ka:
                self._fail("ping timeout", now)
                return
            if not self._ping and time.ticks_diff(now, self._t_tx) >= ka // 2:
                self._ping = True
                self._send(b"\xc0\x00", now)
        for pid in self.inflight:
            if time.ticks_diff(now, self.inflight[pid]) > _PUBACK_TIMEOUT:
                self._fail("puback timeout", now)
                return

    # ---- bytes in / out ----------------------------------------------------
    def _send(self, pkt, now):
        if len(self._wb) + len(pkt) > _MAX_WBUF:
            return False
        self._wb += pkt
        self._t_tx = now
        self._flush(now)
        return True

    def _flush(self, now):
        if not self._wb or self.sock is None:
            return self.sock is not None
        try:
            n = self.sock.write(self._wb)
        except OSError as e:
            if e.errno in _AGAIN:
                return True
            self._fail("write %s" % e, now)
            return False
        except ValueError as e:  # TLS: certificate not trusted, handshake failed
            self._fail("tls %s" % e, now)
            return False
        if n:
            self._wb = self._wb[n:]
        return True

    def _read(self, now):
        if self.sock is None:
            return False
        try:
            data = self.sock.read(512)
        except OSError as e:
            if e.errno in _AGAIN:
                return True
            self._fail("read %s" % e, now)
            return False
        except ValueError as e:  # TLS errors surface as ValueError on MicroPython
            self._fail("tls %s" % e, now)
            return False
        if data is None:
            return True
        if not data:
            self._fail("closed by broker", now)
            return False
        self._t_rx = now
        self._ping = False
        self._rb += data
        while self.sock is not None:
            rb = self._rb
            if len(rb) < 2:
                break
            n = 0
            mul = 1
            i = 1
            while True:
                if i >= len(rb):
                    return True  # length not complete yet
                b = rb[i]
                n += (b & 0x7F) * mul
                mul <<= 7
                i += 1
                if not b & 0x80:
                    break
                if i > 4:
                    self._fail("bad length", now)
                    return False
            if len(rb) < i + n:
                break
            first = rb[0]
            body = rb[i : i + n]
            self._rb = rb[i + n :]
            self._handle(first, body, now)
        return self.sock is not None

    def _handle(self, first, body, now):
        kind = first & 0xF0
        if kind == 0x20:  # CONNACK
            if len(body) < 2 or body[1] != 0:
                self._fail("connack rc=%d" % (body[1] if len(body) > 1 else -1), now)
                self._backoff = _BACKOFF_MAX // 2  # bad credentials: try rarely
                return
            self.state = _UP
            self._backoff = 0
            self._ping = False
            self.connects += 1
            if self.subs:
                self._pid_next()
                b = bytes((self._pid >> 8, self._pid & 0xFF))
                for t, q in self.subs:
                    b += _str(t) + bytes((q,))
                self._send(_packet(0x82, b), now)
            if self.on_connect:
                self.on_connect(body[0] & 1)
        elif kind == 0x30:  # PUBLISH
            qos = (first >> 1) & 3
            tl = (body[0] << 8) | body[1]
            topic = body[2 : 2 + tl].decode()
            p = 2 + tl
            pid = 0
            if qos:
                pid = (body[p] << 8) | body[p + 1]
                p += 2
            if self.on_msg:
                self.on_msg(topic, body[p:], bool(first & 1))
            if qos == 1:
                self._send(bytes((0x40, 2, pid >> 8, pid & 0xFF)), now)
            elif qos == 2:  # we never subscribe at QoS 2; complete it anyway
                self._send(bytes((0x50, 2, pid >> 8, pid & 0xFF)), now)
        elif kind == 0x40:  # PUBACK
            pid = (body[0] << 8) | body[1]
            if pid in self.inflight:
                del self.inflight[pid]
                if self.on_puback:
                    self.on_puback(pid)
        elif kind == 0x62 or kind == 0x60:  # PUBREL (for a QoS 2 we were sent)
            self._send(bytes((0x70, 2, body[0], body[1])), now)
        # SUBACK (0x90) and PINGRESP (0xD0): receiving them already refreshed _t_rx

    def _pid_next(self):
        while True:
            self._pid = self._pid % 0xFFFF + 1
            if self._pid not in self.inflight:
                return self._pid

    # ---- API ---------------------------------------------------------------
    def publish(self, topic, payload, qos=0, retain=False, dup=False, pid=0):
        """Queue a PUBLISH. Returns the packet id for QoS 1 (or 1 for QoS 0),
        0 when not connected or the send buffer is full."""
        if self.state != _UP:
            return 0
        now = time.ticks_ms()
        first = 0x30 | (qos << 1) | (1 if retain else 0) | (0x08 if dup and qos else 0)
        if isinstance(payload, str):
            payload = payload.encode()
        body = _str(topic)
        if qos:
            if not pid:
                pid = self._pid_next()
            body += bytes((pid >> 8, pid & 0xFF))
        if not self._send(_packet(first, body + payload), now):
            return 0
        if qos:
            self.inflight[pid] = now
            return pid
        return 1
