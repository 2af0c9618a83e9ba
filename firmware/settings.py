# Reader settings: DEFAULTS merged with config.json from flash.
# The pin defaults are copied from hardware/pinout.json (the single source);
# tests/firmware/test_pinout.py fails when the two disagree.
import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FW = "1.0.0"

DEFAULTS = {
    "reader_id": "reader1",
    "site": "default",
    "wifi_ssid": "",
    "wifi_pass": "",
    "broker_host": "192.168.1.2",  # best an IP address; a name is looked up once a boot
    "broker_port": 1883,
    "mqtt_user": "",
    "mqtt_pass": "",
    "tls": False,
    "ca_file": "",  # DER CA certificate on flash; empty = no verification
    "keepalive_s": 30,
    "status_s": 60,
    "poll_ms": 50,
    "rearm_polls": 3,  # empty polls before a card counts as gone
    "cooldown_ms": 3000,  # the same card again within this: not a new tap
    "ack_wait_ms": 1500,  # no hub ack within this after a tap: amber
    "ack_timeout_ms": 15000,  # published, broker PUBACKed, no hub ack: publish again
    "led_ms": 2000,
    "beep_ms": 80,
    "volume": 2,  # 0 mute .. 3 loud (the hub's config topic overrides)
    "wdt_ms": 8000,
    # boot safety (firmware/README.md "Safe mode and updates"):
    "healthy_ms": 10000,  # the loop ran this long without failing: arm the watchdog
    "safe_button_ms": 1000,  # after reset, the safe-mode button is looked at this long
    "boot_loop_n": 5,  # this many resets in a row, none after boot_loop_s of running: safe mode
    "boot_loop_s": 300,
    # set-up without a cable (firmware/README.md "Set-up without a cable"), read with
    # cfg.get(key, default) where used, so they take no heap in service:
    #   "setup_button_ms": 3000  the safe-mode button held this long: set-up mode
    #   "setup_s": 600  a configured reader's set-up page closes after this, unsaved
    "ota_key": "",  # hex HMAC-SHA256 key for updates (from `reader provision`); empty = no updates
    "ota_tries": 3,  # boots a new version gets to become healthy before rolling back
    "trial_s": 180,  # ... and the time within one boot
    "rfid_check_ms": 5000,  # VersionReg / configuration check period
    "rfid_gain": 4,  # RxGain 4 = 33 dB .. 7 = 48 dB
    # NTP (firmware/README.md "Clock"): an IP address (DNS blocks); empty = off, the
    # hub's `time` topic alone sets the clock. A good NTP answer less than
    # 2 x ntp_period_s old wins over the hub's time.
    "ntp_host": "",
    "ntp_port": 123,
    "ntp_period_s": 3600,
    "ntp_timeout_ms": 2000,  # one query; the loop keeps running meanwhile
    "journal_dir": "journal",
    "journal_kb": 512,
    "oled": False,
    # from hardware/pinout.json:
    "spi_id": 2,
    "spi_hz": 4000000,
    "i2c_id": 0,
    "led_active_low": False,
    "pins": {
        "sck": 18,
        "mosi": 23,
        "miso": 19,
        "rc522_sda": 5,
        "rc522_rst": 4,
        "buzzer": 25,
        "led_r": 26,
        "led_g": 27,
        "led_b": 33,
        "oled_sda": 21,
        "oled_scl": 22,
        "safe_button": 0,
    },
}


def load(path: str = "config.json") -> "dict[str, Any]":
    """DEFAULTS overlaid with the JSON object in `path` (missing file: defaults)."""
    cfg: dict[str, Any] = {}
    for k in DEFAULTS:
        v = DEFAULTS[k]
        cfg[k] = dict(v) if isinstance(v, dict) else v
    try:
        with open(path) as f:
            user = json.load(f)
    except OSError:
        user = {}
    for k in user:
        if k == "pins":
            cfg["pins"].update(user["pins"])
        else:
            cfg[k] = user[k]
    return cfg
