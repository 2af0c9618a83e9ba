# The boot loader: decides, before any application code runs, whether this boot
# is a safe-mode boot and which firmware slot the application is imported from.
#
# Safe mode starts nothing: no application, no watchdog (once started, the ESP32's
# cannot be stopped), so a cable copy with mpremote always completes. It is chosen
#   - "button": the safe-mode button (BOOT, GPIO0 by default) is held while the
#     board starts (sampled for safe_button_ms after reset: press it right after
#     EN, as holding it through the reset enters the ROM bootloader instead);
#   - "flag": a file named `safe` is on the flash (`mpremote touch :safe`); it
#     stays until removed (`reader provision` removes it after the copy);
#   - "loop": boot_loop_n resets in a row (the watchdog, machine.reset(), a panic,
#     a brown-out; not power cuts), none after the application had run
#     boot_loop_s. The count is in `boots.json`; the application clears it after
#     boot_loop_s of running. The next reset tries the application again.
#
# Set-up mode (firmware/README.md "Set-up without a cable") runs the slot's
# setup_ap.py instead of the reader loop, also without the watchdog. It is chosen when
#   - the same button is held setup_button_ms (3 s) from its press (a shorter press
#     is safe mode);
#   - a file named `setup` is on the flash: one boot only, the loader removes it.
#     Its {"why"} is the reason (an empty file: "flag"); the application writes
#     "wifi" when settings saved on the set-up page never reached the broker
#     within boot_loop_s (app.py, fwstate.stable()).
# Safe mode wins over set-up mode; the state says st["setup"] = the reason.
#
# Slots (firmware/README.md "Updates over the air"): the cable copy lives at the
# flash's top level (slot ""); an update is staged in `fw/new` and renamed to
# `fw/a` or `fw/b`. `fw.json` says which slot runs, which ran before (the
# rollback target), the version, and whether the slot is on trial. Every write
# of a state file is a new file renamed over the old one, so a power cut leaves
# the old state or the new, never half of one.
#
# A slot on trial gets ota_tries boots: each boot spends one, and a boot with
# none left goes back to the previous slot. The application confirms the slot
# (fwstate.confirm()) once it is healthy: broker connected, chip answering.
# The state files are fwstate.py's. main.py drops this module once it has decided.
import os
import sys
import time

import fwstate


def _board(cfg, long_ms):
    """(why the chip started, ms the safe-mode button was held: 0 not pressed)."""
    import board  # the only module that touches `machine`

    try:
        pin = cfg["pins"]["safe_button"]
        return board.reset_cause(), board.button_press(pin, cfg["safe_button_ms"], long_ms)
    finally:
        del sys.modules["board"]  # the slot's own board module is imported later


def _take_setup():
    """The set-up flag's reason, the flag removed (one boot only); None without it."""
    if not fwstate.exists(fwstate.SETUP):
        return None
    why = fwstate.read(fwstate.SETUP, {}).get("why") or "flag"
    os.remove(fwstate.SETUP)
    return why


def boot():
    """Decide this boot. Returns (safe-mode reason or None, state in force)."""
    import settings

    cfg = settings.load()
    del sys.modules["settings"]  # imported again from the chosen slot
    long_ms = cfg.get("setup_button_ms", 3000)
    cause, held = _board(cfg, long_ms)
    n = fwstate.read(fwstate.BOOTS, {}).get("n", 0)
    if not isinstance(n, int):
        n = 0
    if cause == "reset":  # a power cut is no loop of the firmware's making
        n += 1
    why = setup = None
    if fwstate.exists(fwstate.FLAG):
        why = "flag"
    elif held >= long_ms:
        setup = "button"
    elif held:
        why = "button"
    elif n >= cfg["boot_loop_n"]:
        why = "loop"
        n = 0  # the next reset tries the application again
    if not why:
        setup = _take_setup() or setup
    fwstate.write(fwstate.BOOTS, {"n": n})
    if why:
        return why, fwstate.state()
    st = fwstate.choose(fwstate.state())
    if setup:
        st["setup"] = setup  # not written: this boot only
    return None, st


def safe(why):
    """Safe mode: say so, light the LED white; the caller returns to the REPL."""
    print("EV safe", why)
    if "esp32" not in sys.platform:
        return  # the simulator's runner has no LED to light before its own set-up
    try:
        import board
        import settings

        board.Board(settings.load()).led("white")
    except Exception as e:  # safe mode must reach the REPL whatever is broken
        print("EV safe led", e)
    time.sleep_ms(10)


def start():
    """Decide this boot (the device's main.py, the simulator's run.py). Returns the slot
    state with the slot first on the module path, or None in safe mode (already shown)."""
    why, st = boot()
    if why:
        safe(why)
        return None
    slot = st.get("slot", "")
    if slot:  # the slot first on the module path
        sys.path.insert(0, slot)
    return st
