# The reader application: one loop with deadlines, no step longer than 100 ms.
#
#   poll the card reader -> on a new tap: beep, journal it (flash), then LED
#   MQTT step (connect / read / write / keepalive) -> outbox step (replay)
#   NTP step (send / look for the reply / give up) while Wi-Fi is up
#   status, reader health, feedback timers -> feed the watchdog if healthy
#
# Clock precedence: a good NTP answer (ntp_host set) less than 2 x ntp_period_s
# old wins; the hub's `time` topic sets the clock only when there is no such
# answer (NTP off, unreachable, or refusing us). Either source sets the RTC too.
import gc
import json
import sys
import time

import mfrc522
import report
import settings
from detector import Clock, Detector
from journal import Journal
from mqtt import MQTT
from outbox import Outbox

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ntp import SNTP

_R_COLOUR = {"in": "green", "out": "blue", "unknown": "red"}


def slot_state(op, *args):
    """fwstate.<op>(*args). The module (~2.5 KB of heap) is needed at start, once on trial
    and once after boot_loop_s: imported for the call and dropped after."""
    import fwstate

    try:
        return getattr(fwstate, op)(*args)
    finally:
        del sys.modules["fwstate"]


def log(*args):
    # one line per event; the simulator's tests read these from stdout
    print("EV", *args)


class Reader:
    def __init__(self, board, cfg, slot=None):
        # begin()'s deadlines first: the attribute table grows (and is copied) while the
        # heap is still in one piece, not later when a 600-byte block may be hard to find
        now = time.ticks_ms()
        self._last = self._next_poll = self._next_status = self._next_check = self._next_wifi = now
        self.board = board
        self.cfg = cfg
        self.root = "ewidencjoner/%s/reader/%s/" % (cfg["site"], cfg["reader_id"])
        self.up_ms = 0  # monotonic ms at the start of the current step (never wraps)
        self._last = time.ticks_ms()
        self.clock = Clock(self.mono)
        self.clock_src = "none"  # "hub" or "ntp": who set the clock last
        self.ntp: SNTP | None = None
        self._ntp_at = -1  # up_ms of the last good NTP answer (-1: none)
        self._ntp_err = None
        if cfg.get("ntp_host"):
            import ntp  # only when used: the module takes ~4.5 KB of heap

            self.ntp = ntp.SNTP(cfg["ntp_host"], cfg["ntp_port"], cfg["ntp_period_s"], cfg["ntp_timeout_ms"])
            if self.ntp.last_error:
                log("ntp", "off", self.ntp.last_error)
        self.det = Detector(cfg["rearm_polls"], cfg["cooldown_ms"])
        self.journal = Journal(cfg["journal_dir"], max_bytes=cfg["journal_kb"] * 1024)
        self.boot = self.journal.open()
        self.rfid = mfrc522.MFRC522(board.spi, board.cs, board.rst)
        self.rfid_ok = self.rfid.init(cfg["rfid_gain"], hard=True)
        cadata = None
        if cfg.get("tls") and cfg.get("ca_file"):
            with open(cfg["ca_file"], "rb") as f:
                cadata = f.read()
        self.mq = MQTT(
            "ewid-%s-%s" % (cfg["site"], cfg["reader_id"]),
            cfg["broker_host"],
            cfg["broker_port"],
            cfg.get("mqtt_user") or None,
            cfg.get("mqtt_pass") or None,
            cfg["keepalive_s"],
            self.root + "status",
            '{"online":false}',
            cfg.get("tls"),
            cadata,
            "broker.addr",  # the last good address of a broker given by name
        )
        self.mq.feed = board.feed  # a name lookup blocks: it gets the whole watchdog period
        self.mq.subs = [
            (self.root + "ack", 1),
            (self.root + "config", 1),
            ("ewidencjoner/%s/time" % cfg["site"], 0),
        ]
        self.slot = slot or {"slot": "", "ok": True}  # the firmware slot running, on trial or confirmed
        if not self.slot.get("ver"):
            self.slot["ver"] = settings.FW  # the cable copy: the version it was built as
        self.ota = None  # the Updater, made at the first offer: ota.py takes ~9 KB of heap
        if cfg.get("ota_key"):
            self.mq.subs.append((self.root + "ota", 1))
        self.out = Outbox(self.journal, self.mq, self.root + "tap", self.boot, 4, cfg["ack_timeout_ms"])
        self.mq.on_msg = self._on_msg
        self.mq.on_puback = self.out.on_puback
        self.mq.on_connect = self._on_connect
        self.mq.on_disconnect = self._on_disconnect
        self.mq.on_fail = self._on_fail
        self._fail_why = None
        self.oled = None
        if board.i2c is not None:
            try:
                import oled

                self.oled = oled.SSD1306(board.i2c)
            except (OSError, ImportError) as e:
                log("oled", "absent", e)
        self.found = []
        self.live = 0  # seq of the tap the child is waiting on (0: none)
        self.live_end = 0
        self.led_end = None
        self.taps = 0
        self.full = False
        self.step_errors = 0
        self.status_due = True
        self.running = True

    # ---- MQTT callbacks ----------------------------------------------------
    def _on_connect(self, session_present):
        self._fail_why = None
        log("mqtt", "up", session_present)
        import os  # built in: no heap

        try:  # settings from the set-up page work: a failure later is no typo (setup_ap.FRESH)
            os.remove("setup_new")
        except OSError:
            pass
        self.status_due = True
        self.out.on_connect(session_present)

    def _on_disconnect(self):
        log("mqtt", "down", self.mq.last_error)

    def _on_fail(self, why):
        # log each new reason once (wrong CA, refused, bad credentials...), not every retry
        if why != self._fail_why:
            self._fail_why = why
            log("mqtt", "fail", why)

    def _on_msg(self, topic, payload, retained):
        try:
            msg = json.loads(payload)
        except ValueError:
            log("bad", topic)
            return
        if not isinstance(msg, dict):
            return
        if topic.endswith("/ack"):
            seq = msg.get("seq")
            if not isinstance(seq, int):
                return
            self.out.on_ack(seq)
            r = msg.get("r")
            log("ack", seq, r, self.journal.pending())
            if seq == self.live:
                self.live = 0
                if r in _R_COLOUR:
                    self._show(_R_COLOUR[r], msg.get("name"), msg.get("at"))
        elif topic.endswith("/config"):
            v = msg.get("volume")
            if isinstance(v, int):
                self.board.volume = v
            log("config", msg.get("mode"), v)
        elif topic.endswith("/ota"):
            if self.ota is None and msg.get("op") == "offer":
                gc.collect()
                import ota

                cfg = self.cfg
                topic = self.root + "update"
                self.ota = ota.Updater(self.mq, topic, cfg["ota_key"], self.slot, cfg["ota_tries"])
            if self.ota is not None:
                self.ota.on_msg(msg, time.ticks_ms())
        elif topic.endswith("/time"):
            t = msg.get("t")
            if isinstance(t, int) and not self.ntp_fresh():
                self.set_clock(t, self.mono(), "hub")

    # ---- clock -------------------------------------------------------------
    def mono(self, ticks=None):
        """Monotonic ms since boot: up_ms plus the ticks since this step began.
        Unlike ticks_diff against an old tick (valid 2**29 ms, 6.2 days) it has no
        limit: the loop adds short ticks_diff's up, step after step."""
        if ticks is None:
            ticks = time.ticks_ms()
        return self.up_ms + time.ticks_diff(ticks, self._last)

    def ntp_fresh(self):
        """A good NTP answer less than 2 x ntp_period_s ago (up_ms never wraps)."""
        if self._ntp_at < 0:
            return False
        return self.up_ms - self._ntp_at < 2000 * self.cfg["ntp_period_s"]

    def set_clock(self, t, at, src):
        """The clock reads `t` at monotonic ms `at`; the RTC follows."""
        first = self.clock.t0 is None
        self.clock.set(t, at)
        if src != self.clock_src:
            self.clock_src = src
            self.status_due = True  # status reports the clock's source
        try:
            self.board.set_time(t + (self.mono() - at + 500) // 1000)
        except (OSError, ValueError, OverflowError) as e:
            log("rtc", "fail", e)
        if first:
            log("clock", t, src)

    def ntp_step(self, sntp, now):
        got = sntp.step(now)
        if got is not None:
            t, ms = got
            before = self.clock.now(self.mono(now))
            self._ntp_at = self.up_ms
            self._ntp_err = None
            self.set_clock(t, self.mono(now) - ms, "ntp")
            log("ntp", "ok", t, "-" if before is None else t - before)
        elif sntp.last_error != self._ntp_err:
            self._ntp_err = sntp.last_error
            if sntp.last_error is not None:
                # each new reason once (timeouts repeat every retry)
                log("ntp", "fail", sntp.last_error)

    # ---- feedback ----------------------------------------------------------
    def _show(self, colour, name=None, at=None):
        self.board.led(colour)
        self.led_end = time.ticks_add(time.ticks_ms(), self.cfg["led_ms"])
        log("led", colour)
        if self.oled is not None:
            try:
                self.oled.show_lines((name or "", at or "", colour))
            except OSError:
                pass

    # ---- steps -------------------------------------------------------------
    def poll(self, now):
        found = self.found
        found.clear()
        if not self.rfid_ok:
            return
        st = self.rfid.scan(found)
        mono = self.mono(now)
        taps = self.det.update(found, st == mfrc522.OK, mono)
        for uid in taps:
            # feedback first, then flash, then (later, in the outbox) the network
            self.board.beep(self.cfg["beep_ms"])
            n = len(uid) // 2
            raw = bytes(int(uid[i : i + 2], 16) for i in range(0, 2 * n, 2))
            seq = self.journal.append(raw, n, now, self.clock.now(mono))
            self.taps += 1
            if not seq:
                self.full = True
                self._show("red")
                log("full", uid)
                continue
            log("tap", seq, uid, self.journal.pending())
            self.live = seq
            self.live_end = time.ticks_add(now, self.cfg["ack_wait_ms"])
            if not self.mq.up:
                self._show("amber")
                self.live = 0
        if self.rfid.errors >= self.rfid.err_limit:
            self.heal("errors")

    def heal(self, why):
        ok = self.rfid.heal()
        self.rfid_ok = ok
        self.status_due = True
        log("rfid", "heal", why, "ok" if ok else "fail", self.rfid.resets)

    def check_rfid(self):
        if not self.rfid_ok or not self.rfid.healthy():
            self.heal("check")

    def status_text(self):
        return report.status_text(self)

    def health(self, now, before):
        """Arm the watchdog once the loop has run healthy_ms; confirm a version on trial
        once healthy (broker connected, chip answering) or roll it back after trial_s;
        clear the boot-loop count after boot_loop_s; reset into a new version."""
        cfg = self.cfg
        if self.board.wdt is None and self.up_ms >= cfg["healthy_ms"]:
            self.board.wdt_start(cfg["wdt_ms"])  # from here on it can never be stopped
            log("watchdog", "armed")
        if not self.slot.get("ok"):
            if self.rfid_ok and self.mq.up:
                slot_state("confirm")
                slot_state("stable")  # the switch's reset was ours: a next version gets all its tries
                self.slot["ok"] = True
                self.status_due = True
                log("ota", "healthy", self.slot["ver"])
            elif self.up_ms >= cfg["trial_s"] * 1000:
                slot_state("rollback", self.slot, "unhealthy")
                self.board.reset()
        if before < cfg["boot_loop_s"] * 1000 <= self.up_ms and slot_state("stable"):  # once
            log("setup", "again")  # settings from the set-up page that never worked
            self.board.reset()
        if self.ota is not None and self.ota.step(now):
            log("ota", "restart", self.ota.ver)
            self.board.reset()

    def status(self):
        return self.mq.publish(self.root + "status", self.status_text(), 1, True)

    # ---- the loop ----------------------------------------------------------
    def begin(self):
        """Start Wi-Fi; call once before step(). The watchdog waits for a healthy start
        (health()): until then a cable copy (mpremote stops the loop) cannot be cut short."""
        cfg = self.cfg
        self.board.wifi_start(cfg["wifi_ssid"], cfg["wifi_pass"])
        j = self.journal
        log("ready", self.boot, j.next_seq, j.pending(), self.rfid.version, self.slot["ver"])
        now = time.ticks_ms()
        self._last = now
        self._next_poll = now
        self._next_status = now
        self._next_check = time.ticks_add(now, cfg["rfid_check_ms"])
        self._next_wifi = now

    def step(self, wait=True):
        """One loop iteration: every step is bounded (no step blocks > 100 ms).
        Returns the ms it would idle before the next deadline."""
        cfg = self.cfg
        b = self.board
        now = time.ticks_ms()
        before = self.up_ms
        self.up_ms += time.ticks_diff(now, self._last)
        self._last = now
        ok = True
        try:
            if time.ticks_diff(now, self._next_poll) >= 0:
                self._next_poll = time.ticks_add(now, cfg["poll_ms"])
                self.poll(now)
            if b.wifi_up():
                self.mq.step(now)
                if self.ntp is not None:
                    self.ntp_step(self.ntp, now)
            else:
                if self.ntp is not None:
                    self.ntp.stop()  # a query in flight is dropped; asked again once up
                if self.mq.state:
                    self.mq.disconnect()
                    log("wifi", "down")
                elif time.ticks_diff(now, self._next_wifi) >= 0:
                    self._next_wifi = time.ticks_add(now, 30000)
                    b.wifi_start(cfg["wifi_ssid"], cfg["wifi_pass"])
            self.out.step(now)
            due = self.status_due or time.ticks_diff(now, self._next_status) >= 0
            if self.mq.up and due and self.status():
                self.status_due = False
                self._next_status = time.ticks_add(now, cfg["status_s"] * 1000)
            if time.ticks_diff(now, self._next_check) >= 0:
                self._next_check = time.ticks_add(now, cfg["rfid_check_ms"])
                self.check_rfid()
            if self.live and time.ticks_diff(now, self.live_end) >= 0:
                self.live = 0
                self._show("amber")
            if self.led_end is not None and time.ticks_diff(now, self.led_end) >= 0:
                self.led_end = None
                b.led("off")
            b.tick(now)
            self.health(now, before)
            self.step_errors = 0
        except Exception as e:  # a bug must not stop the reader; the WDT is the backstop
            ok = False
            self.step_errors += 1
            sys.print_exception(e)
        # healthy: the loop came round and its steps are not failing over and over
        if ok or self.step_errors < 20:
            b.feed()
        idle = min(max(time.ticks_diff(self._next_poll, time.ticks_ms()), 0), 20)
        if wait:
            b.wait(idle)
        return idle

    def run(self):
        self.begin()
        while self.running:
            self.step()


def main(slot=None):
    """Run the reader; `slot` is the firmware slot state the loader chose (fwstate.py)."""
    import board

    cfg = settings.load()
    b = board.Board(cfg)
    if not cfg.get("wifi_ssid"):  # no Wi-Fi settings: set-up through our own access point
        import setup_ap  # only then: the module's heap stays free in service

        setup_ap.run(b, cfg)  # never returns: restarts once the settings are saved
    Reader(b, cfg, slot).run()
