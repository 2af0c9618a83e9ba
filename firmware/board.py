# The board: the only module that touches `machine` and `network`.
# Pins and settings come from the cfg dict (settings.load()).
import time

import machine
import network
from micropython import const

# LED colours as (red, green, blue)
COLOURS = {
    "off": (0, 0, 0),
    "green": (0, 1, 0),  # arrival
    "blue": (0, 0, 1),  # departure
    "red": (1, 0, 0),  # unknown card / fault
    "amber": (1, 1, 0),  # saved, hub not reachable
    "white": (1, 1, 1),
}
_DUTY = const((0, 1500, 6000, 32768))  # volume 0..3 as PWM duty_u16


def button_press(pin, window_ms, long_ms):
    """How long (ms, at most long_ms) the button on `pin` (to GND, internal pull-up) is
    held, if it is pressed at any moment in the next `window_ms` (0: looked at once);
    0 if it is not. The loader's check, before any Board: a short press is safe mode,
    long_ms held is set-up mode."""
    p = machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)
    t0 = time.ticks_ms()
    held = 0
    while held < long_ms:
        if p.value() == 0:
            held += 10  # counts the sleeps: a little longer in fact, never shorter
        elif held or time.ticks_diff(time.ticks_ms(), t0) >= window_ms:
            break
        time.sleep_ms(10)
    return held


def restart():
    """Reset the chip (what the watchdog would do, at once)."""
    machine.reset()


def reset_cause():
    """Why the chip started: "power" (power on, a cut), or "reset" (watchdog, machine.reset(),
    a panic, EN pressed, a brown-out): only the latter count towards a boot loop."""
    return "power" if machine.reset_cause() == machine.PWRON_RESET else "reset"


class Board:
    def __init__(self, cfg):
        pins = cfg["pins"]
        Pin = machine.Pin
        self.cs = Pin(pins["rc522_sda"], Pin.OUT, value=1)
        self.rst = Pin(pins["rc522_rst"], Pin.OUT, value=1)
        self.spi = machine.SPI(
            cfg["spi_id"],
            baudrate=cfg["spi_hz"],
            polarity=0,
            phase=0,
            bits=8,
            firstbit=machine.SPI.MSB,
            sck=Pin(pins["sck"]),
            mosi=Pin(pins["mosi"]),
            miso=Pin(pins["miso"]),
        )
        self._buzzer = machine.PWM(Pin(pins["buzzer"]), freq=2700, duty_u16=0)
        self._beep_end = None
        self._low = bool(cfg.get("led_active_low"))
        off = 1 if self._low else 0
        self._leds = (
            Pin(pins["led_r"], Pin.OUT, value=off),
            Pin(pins["led_g"], Pin.OUT, value=off),
            Pin(pins["led_b"], Pin.OUT, value=off),
        )
        self.colour = "off"
        self.volume = cfg.get("volume", 2)
        self.wlan = network.WLAN(network.STA_IF)
        self.wdt = None
        self.i2c = None
        if cfg.get("oled"):
            self.i2c = machine.I2C(
                cfg.get("i2c_id", 0),
                scl=Pin(pins["oled_scl"]),
                sda=Pin(pins["oled_sda"]),
                freq=400000,
            )

    # ---- feedback ----------------------------------------------------------
    def beep(self, ms=80, freq=2700):
        """Start a beep; tick() ends it. Never waits."""
        d = _DUTY[max(0, min(3, self.volume))]
        self._buzzer.freq(freq)
        self._buzzer.duty_u16(d)
        self._beep_end = time.ticks_add(time.ticks_ms(), ms)

    def tick(self, now):
        if self._beep_end is not None and time.ticks_diff(now, self._beep_end) >= 0:
            self._buzzer.duty_u16(0)
            self._beep_end = None

    def led(self, colour):
        self.colour = colour
        rgb = COLOURS.get(colour, (0, 0, 0))
        for pin, v in zip(self._leds, rgb):
            pin.value(v ^ 1 if self._low else v)

    # ---- network -----------------------------------------------------------
    def wifi_start(self, ssid, password):
        """Start (re)joining the access point; returns at once."""
        w = self.wlan
        w.active(True)
        try:
            w.config(pm=w.PM_NONE)  # mains powered: no modem sleep (100s of ms pings)
        except (AttributeError, ValueError, OSError):
            pass
        if ssid:
            try:
                w.connect(ssid, password)
            except OSError:
                pass

    def ap_start(self, essid):
        """Our own open access point, for set-up only (setup_ap.py): 192.168.4.1."""
        self.wlan.active(False)
        ap = network.WLAN(network.AP_IF)
        ap.active(True)
        ap.config(essid=essid, authmode=network.AUTH_OPEN)
        return ap

    def uid_hex(self):
        return "".join("%02X" % b for b in machine.unique_id())

    def wifi_up(self):
        return self.wlan.isconnected()

    def rssi(self):
        try:
            return self.wlan.status("rssi")
        except (OSError, ValueError, TypeError):
            return 0

    # ---- watchdog, reset, time ---------------------------------------------
    def wdt_start(self, ms):
        self.wdt = machine.WDT(timeout=ms)

    def feed(self):
        if self.wdt is not None:
            self.wdt.feed()

    def reset(self):
        machine.reset()

    def set_time(self, t: int) -> None:
        """Set the RTC to Unix time `t` (UTC), so time.time()/gmtime() agree with the
        reader's clock (taps take their `t` from app's Clock, not from here)."""
        # seconds from 1970-01-01 to this port's time epoch (2000-01-01 on older ESP32 builds)
        tm = time.gmtime(t - (0 if time.gmtime(0)[0] == 1970 else 946684800))
        machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6] + 1, tm[3], tm[4], tm[5], 0))

    def wait(self, ms):
        """Idle until the next deadline (the simulator overrides this)."""
        if ms > 0:
            time.sleep_ms(ms)
