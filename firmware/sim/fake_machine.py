# A `machine` stand-in for the unix port: pins, SPI (wired to the MFRC522
# simulator), PWM, WDT, I2C, reset. The simulator runner installs it as
# sys.modules["machine"] before board.py is imported.
import os
import sys
import time

from mfrc522sim import SimSPI

chip = None  # the mfrc522sim.Chip, set by the runner
hooks = {}  # pin id -> fn(value), e.g. the chip's CS and RST inputs
wdt = None
beeps = 0
fed = True  # the runner clears it to simulate a hung loop


PWRON_RESET = 1
HARD_RESET = 2
# Files in the flash dir: "sim-reset" says the last run reset itself (the watchdog,
# machine.reset()); without it the reader was killed (a power cut). "sim-button" lists
# the GPIOs whose buttons are pressed at boot: "0" a short press (200 ms), "0:3500"
# held 3.5 s from the moment the pin is set up.


def _restart():
    open("sim-reset", "w").close()
    sys.exit(4)


def reset_cause():
    try:
        os.remove("sim-reset")
        return HARD_RESET
    except OSError:
        return PWRON_RESET


def reset():
    print("EV reset")
    _restart()


def unique_id():
    return b"\x24\x0a\xc4\x00\x00\x01"


def freq(f=None):
    return 240000000


def idle():
    pass


class Pin:
    _until = None  # a pressed button: released at this tick (only its Pin has its own)
    IN = 1
    OUT = 3
    PULL_UP = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self._v = 0
        if pull == Pin.PULL_UP:
            self._v = 1
            try:
                for h in open("sim-button").read().split():
                    if h.partition(":")[0] == str(id):
                        self._until = time.ticks_add(time.ticks_ms(), int(h.partition(":")[2] or 200))
            except OSError:
                pass
        if value is not None:
            self.value(value)

    def init(self, *args, **kw):
        if "value" in kw:
            self.value(kw["value"])

    def value(self, v=None):
        if v is None:
            if self._until is None or time.ticks_diff(self._until, time.ticks_ms()) <= 0:
                return self._v
            return 0
        self._v = 1 if v else 0
        h = hooks.get(self.id)
        if h is not None:
            h(self._v)
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class SPI:
    MSB = 0

    def __init__(self, id, *args, **kw):
        self._s = SimSPI(chip)
        self.write = self._s.write
        self.readinto = self._s.readinto
        self.write_readinto = self._s.write_readinto
        self.read = self._s.read

    def init(self, *args, **kw):
        pass

    def deinit(self):
        pass


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0):
        self.pin = pin
        self._f = freq
        self._d = duty_u16

    def freq(self, f=None):
        if f is None:
            return self._f
        self._f = f
        return None

    def duty_u16(self, d=None):
        global beeps
        if d is None:
            return self._d
        if d:  # every beep start, even one overlapping the previous beep
            beeps += 1
            print("EV beep", self._f, d)
        self._d = d
        return None

    def deinit(self):
        self._d = 0


class WDT:
    def __init__(self, id=0, timeout=5000):
        global wdt
        wdt = self
        self.timeout = timeout
        self.last = time.ticks_ms()

    def feed(self):
        if fed:
            self.last = time.ticks_ms()


def wdt_check():
    if wdt is not None and time.ticks_diff(time.ticks_ms(), wdt.last) > wdt.timeout:
        print("EV wdt")
        _restart()


rtc_set = None  # the last tuple given to RTC().datetime(...)


class RTC:
    def datetime(self, dt=None):
        global rtc_set
        if dt is None:
            return rtc_set
        rtc_set = tuple(dt)
        return None


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=400000):
        self.writes = 0

    def scan(self):
        return [0x3C]

    def writeto(self, addr, buf, stop=True):
        self.writes += 1
        return len(buf)

    def writevto(self, addr, bufs, stop=True):
        self.writes += 1
