"""Safe mode and the watchdog's start (firmware/loader.py): a flag file, the button held at
boot, or a boot loop start the reader without the application and without the watchdog, so
a cable copy is never cut short; the watchdog is armed only after a healthy start."""

from __future__ import annotations

import time

from tests.firmware.conftest import wait_until


def assert_no_watchdog_for(r, seconds: float) -> None:
    """Safe mode stays up with no watchdog: longer than the watchdog's time, nothing resets it."""
    assert r.lines("safe")
    mark = len(r.events)
    r.command("state")
    assert r.wait_for("state", since=mark) == "EV state safe nowdt"
    time.sleep(seconds)  # the absence of a reset can only be waited out
    assert r.running and not r.lines("wdt", since=mark) and not r.lines("ready", since=mark)


def test_flag_file_starts_safe_mode_until_removed(reader_factory):
    r = reader_factory(wdt_ms=300)
    r.prepare()
    (r.workdir / "safe").write_text("")
    r.start()
    assert r.lines("safe") == [["safe", "flag"]]
    assert_no_watchdog_for(r, 1.0)
    r.stop()
    (r.workdir / "safe").unlink()  # what `reader provision` does after the copy
    r.start()
    assert r.lines("ready")


def test_button_held_at_boot_starts_safe_mode(reader_factory):
    r = reader_factory(wdt_ms=300)
    r.prepare()
    (r.workdir / "sim-button").write_text("0\n")  # GPIO0, the BOOT button (hardware/pinout.json)
    r.start()
    assert r.lines("safe") == [["safe", "button"]]
    assert_no_watchdog_for(r, 1.0)
    r.stop()
    (r.workdir / "sim-button").unlink()
    r.start()
    assert r.lines("ready")


def test_a_boot_loop_ends_in_safe_mode_and_power_cuts_do_not_count(reader_factory):
    r = reader_factory(wdt_ms=300, healthy_ms=200, boot_loop_n=3)
    for _ in range(4):  # power cuts: never a loop
        r.start()
        r.kill()
    assert not r.lines("safe")
    for _ in range(3):  # the watchdog resets a hung loop, three times in a row
        mark = len(r.events)
        r.start()
        r.wait_for(["watchdog", "armed"].__eq__, since=mark)
        r.command("hang")
        wait_until(lambda: not r.running)
        assert r.returncode == 4
        r.stop()
    r.start()
    assert r.lines("safe") == [["safe", "loop"]]  # after the third reset in a row
    assert_no_watchdog_for(r, 1.0)
    r.stop()
    r.start()  # the next reset tries the application again
    assert r.lines("ready")[-1]


def test_watchdog_is_armed_only_after_a_healthy_start(reader_factory):
    r = reader_factory(wdt_ms=300, healthy_ms=1500)
    r.start()
    started = time.monotonic()
    r.command("hang")  # before the watchdog is armed a hung loop is not reset...
    r.wait_for(["watchdog", "armed"].__eq__)
    assert time.monotonic() - started > 1.0
    wait_until(lambda: not r.running)  # ...after, it is
    assert r.returncode == 4 and r.lines("wdt")
