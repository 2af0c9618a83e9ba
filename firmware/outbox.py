# The outbox: sends the journal's pending taps in seq order over MQTT (QoS 1)
# and removes each from the journal only when the hub's `ack` for its seq comes.
import time

from micropython import const

# window entry fields
_SEQ = const(0)
_BOOT = const(1)
_MS = const(2)
_T = const(3)
_UID = const(4)
_PID = const(5)
_STATE = const(6)  # 0 not sent, 1 sent (no PUBACK yet), 2 PUBACKed (waiting for the hub)
_SENT = const(7)
_TRIES = const(8)

_WRAP_SAFE = const(1 << 28)  # ticks_diff is exact below 2**29 ms on every port


class Outbox:
    def __init__(self, journal, mq, topic, boot, window=4, ack_timeout_ms=15000):
        self.j = journal
        self.mq = mq
        self.topic = topic
        self.boot = boot
        self.size = window
        self.ack_timeout = ack_timeout_ms
        self.win = []
        self.sent = 0
        self.resent = 0

    def payload(self, e, now):
        """The tap message of the wire contract. `now` only for taps of this boot
        (ticks of an earlier boot mean nothing); `t` only when the clock was set."""
        s = '{"v":1,"uid":"%s","seq":%d,"boot":%d,"ms":%d' % (e[_UID], e[_SEQ], e[_BOOT], e[_MS])
        if e[_BOOT] == self.boot and 0 <= time.ticks_diff(now, e[_MS]) < _WRAP_SAFE:
            s += ',"now":%d' % now
        if e[_T] is not None:
            s += ',"t":%d' % e[_T]
        return s + "}"

    def _fill(self):
        while len(self.win) < self.size:
            r = self.j.next_tap()
            if r is None:
                return
            self.win.append([r[0], r[1], r[2], r[3], r[4], 0, 0, 0, 0])

    def _send(self, e, now, dup=False):
        pid = self.mq.publish(self.topic, self.payload(e, now), 1, False, dup, e[_PID] if dup else 0)
        if pid:
            e[_PID] = pid
            e[_STATE] = 1
            e[_SENT] = now
            e[_TRIES] += 1
            self.sent += 1
            if dup or e[_TRIES] > 1:
                self.resent += 1
        return pid

    def step(self, now):
        self._fill()
        if not self.mq.up:
            return
        for e in self.win:
            st = e[_STATE]
            if st == 0:
                if not self._send(e, now):
                    return
            elif st == 2:
                # the broker has it but the hub did not answer: publish again,
                # backing off (15 s, 30 s, ... 5 min); the hub deduplicates by seq
                wait = min(self.ack_timeout << min(e[_TRIES] - 1, 5), 300000)
                if time.ticks_diff(now, e[_SENT]) > wait and not self._send(e, now):
                    return

    def on_connect(self, session_present):
        """After CONNACK: resend, with DUP and the same packet id, whatever was
        sent and not PUBACKed (its `now` refreshed: `now` is the send time)."""
        now = time.ticks_ms()
        for e in self.win:
            if e[_STATE] == 1 and not self._send(e, now, True):
                e[_STATE] = 0
                return

    def on_puback(self, pid):
        now = time.ticks_ms()
        for e in self.win:
            if e[_PID] == pid and e[_STATE] == 1:
                e[_STATE] = 2
                e[_SENT] = now
                return

    def on_ack(self, seq):
        """The hub stored seq: drop it from the journal and the window."""
        ok = self.j.ack(seq)
        for i in range(len(self.win)):
            if self.win[i][_SEQ] == seq:
                del self.win[i]
                break
        return ok

    def queue(self):
        return self.j.pending()
