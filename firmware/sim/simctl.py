# The simulator runner's core (see run.py for the command list).
# run.py has installed fake_machine / fake_network as `machine` / `network`.
import select
import sys
import time

import fake_machine
import fake_network
import mfrc522sim

import settings


def _uid(s):
    s = s.strip()
    return bytes(int(s[i : i + 2], 16) for i in range(0, len(s), 2))


class Control:
    def __init__(self, chip):
        self.chip = chip
        self.app = None
        self.poller = select.poll()
        self.poller.register(sys.stdin, select.POLLIN)
        self.timed = []  # [(ticks, uid hex)] scheduled removals

    def wait(self, ms):
        now = time.ticks_ms()
        if self.timed:
            for i in range(len(self.timed) - 1, -1, -1):
                t, u = self.timed[i]
                if time.ticks_diff(now, t) >= 0:
                    del self.timed[i]
                    self.remove(u)
        ev = self.poller.poll(ms)
        while ev:
            line = sys.stdin.readline()
            if not line:
                sys.exit(0)  # the parent is gone
            self.command(line.split())
            ev = self.poller.poll(0)

    def find(self, u):
        for c in self.chip.cards:
            if c.hex() == u:
                return c
        return None

    def place(self, u):
        u = u.upper()
        if self.find(u) is None:
            self.chip.cards.append(mfrc522sim.Card(_uid(u)))

    def remove(self, u=None):
        if u is None:
            self.chip.cards = []
        else:
            c = self.find(u.upper())
            if c is not None:
                self.chip.cards.remove(c)

    def command(self, a):
        if not a:
            return
        cmd = a[0]
        chip = self.chip
        if cmd == "place":
            for u in a[1].split(","):
                self.place(u)
        elif cmd == "remove":
            self.remove(a[1] if len(a) > 1 else None)
        elif cmd == "tap":
            self.place(a[1])
            hold = int(a[2]) if len(a) > 2 else 300
            self.timed.append((time.ticks_add(time.ticks_ms(), hold), a[1].upper()))
        elif cmd == "wifi":
            fake_network.up = a[1] == "up"
        elif cmd == "fault":
            f = a[1]
            n = int(a[2]) if len(a) > 2 and f != "version" else 1
            if f == "drop":
                chip.on_bus = False
            elif f == "back":
                chip.on_bus = True
            elif f == "fifo":
                chip.fifo_stuck = True
            elif f == "pd":
                chip.pd_stuck = True
            elif f == "notimer":
                chip.no_timer = True
            elif f == "timer":
                chip.no_timer = False
            elif f == "parity":
                chip.parity_errors = n
            elif f == "protocol":
                chip.protocol_errors = n
            elif f == "removeafter":
                chip.remove_after = n
            elif f == "version":
                chip.version = int(a[2], 16)
            elif f in ("crc", "bcc"):
                for c in chip.cards:
                    if f == "crc":
                        c.bad_crc = n
                    else:
                        c.bad_bcc = n
        elif cmd == "ping":
            print("EV pong")
        elif cmd == "state":
            r = self.app
            print(
                "EV state",
                r.boot,
                r.journal.next_seq,
                r.journal.pending(),
                "up" if r.mq.up else "down",
                r.taps,
            )
        elif cmd == "hang":
            fake_machine.fed = False
        elif cmd == "exit":
            sys.exit(0)
        elif cmd == "crash":
            raise RuntimeError("crash requested")
        else:
            print("EV error unknown command", cmd)


def safe_mode():
    """Safe mode: no application, no watchdog; wait for the cable (stdin) to finish."""
    while True:
        line = sys.stdin.readline()
        a = line.split()
        if not line or a == ["exit"]:
            sys.exit(0)
        if a == ["ping"]:
            print("EV pong")
        elif a == ["state"]:
            print("EV state safe", "wdt" if fake_machine.wdt else "nowdt")


def main(slot=None):
    cfg = settings.load()
    chip = mfrc522sim.Chip()
    fake_machine.chip = chip
    fake_machine.hooks[cfg["pins"]["rc522_sda"]] = chip.set_cs
    fake_machine.hooks[cfg["pins"]["rc522_rst"]] = chip.set_rst
    ctl = Control(chip)

    import app
    import board

    class SimBoard(board.Board):
        def wait(self, ms):
            ctl.wait(ms)
            fake_machine.wdt_check()

    reader = app.Reader(SimBoard(cfg), cfg, slot)
    ctl.app = reader
    reader.run()
