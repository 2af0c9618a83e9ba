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
import sys
import time

import fwstate


def _board(cfg):
    """(why the chip started, the safe-mode button pressed)."""
    import board  # the only module that touches `machine`

    try:
        return board.reset_cause(), board.button_held(cfg["pins"]["safe_button"], cfg["safe_button_ms"])
    finally:
        del sys.modules["board"]  # the slot's own board module is imported later


def boot():
    """Decide this boot. Returns (safe-mode reason or None, state in force)."""
    import settings

    cfg = settings.load()
    del sys.modules["settings"]  # imported again from the chosen slot
    cause, held = _board(cfg)
    n = fwstate.read(fwstate.BOOTS, {}).get("n", 0)
    if not isinstance(n, int):
        n = 0
    if cause == "reset":  # a power cut is no loop of the firmware's making
        n += 1
    why = None
    if fwstate.exists(fwstate.FLAG):
        why = "flag"
    elif held:
        why = "button"
    elif n >= cfg["boot_loop_n"]:
        why = "loop"
        n = 0  # the next reset tries the application again
    fwstate.write(fwstate.BOOTS, {"n": n})
    if why:
        return why, fwstate.state()
    return None, fwstate.choose(fwstate.state())


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
