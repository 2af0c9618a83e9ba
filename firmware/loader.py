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
# (confirm()) once it is healthy: broker connected, chip answering.
import json
import os
import sys
import time

STATE = "fw.json"
BOOTS = "boots.json"
FLAG = "safe"
STAGING = "fw/new"
SLOTS = ("fw/a", "fw/b")


def read(path, default):
    try:
        with open(path) as f:
            v = json.load(f)
        return v if isinstance(v, dict) else default
    except (OSError, ValueError):
        return default


def write(path, obj):
    """Replace `path` with `obj` as JSON: a new file renamed over the old one."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(obj))
    os.rename(tmp, path)


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def state():
    """The slot state: slot ("" = the cable copy), prev, ver, prev_ver, ok
    (confirmed), tries (boots left on trial), rolled (the version rolled back)."""
    return read(STATE, {"slot": "", "ok": True})


def _usable(slot):
    return slot == "" or exists(slot + "/manifest")


def choose(st):
    """This boot's slot from the state `st`; spends a trial boot or rolls back.
    Returns the state in force (written when it changed)."""
    if not st.get("ok"):
        tries = st.get("tries", 0)
        if tries <= 0 or not _usable(st.get("slot", "")):
            st = rollback(st, "boots")
        else:
            st["tries"] = tries - 1
            write(STATE, st)
    elif not _usable(st.get("slot", "")):
        st = rollback(st, "missing")
    return st


def rollback(st, why):
    """Go back to the previous slot (the cable copy if there is none)."""
    prev = st.get("prev", "")
    if not _usable(prev):
        prev = ""
    new = {
        "slot": prev,
        "ver": st.get("prev_ver") if prev else None,
        "ok": True,
        "rolled": st.get("ver"),
        "why": why,
    }
    write(STATE, new)
    print("EV ota rollback", st.get("ver"), why)
    return new


def confirm():
    """The running slot is healthy: keep it."""
    st = state()
    if not st.get("ok"):
        st["ok"] = True
        st.pop("tries", None)
        write(STATE, st)
        return True
    return False


def stable():
    """The application ran boot_loop_s: this boot does not count towards a loop."""
    write(BOOTS, {"n": 0})


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
    n = read(BOOTS, {}).get("n", 0)
    if not isinstance(n, int):
        n = 0
    if cause == "reset":  # a power cut is no loop of the firmware's making
        n += 1
    why = None
    if exists(FLAG):
        why = "flag"
    elif held:
        why = "button"
    elif n >= cfg["boot_loop_n"]:
        why = "loop"
        n = 0  # the next reset tries the application again
    write(BOOTS, {"n": n})
    if why:
        return why, state()
    return None, choose(state())


def use(st):
    """Put the slot of `st` first on the module path."""
    slot = st.get("slot", "")
    if slot:
        sys.path.insert(0, slot)


def safe(why):
    """Safe mode on a device: say so, light the LED white, return to the REPL."""
    print("EV safe", why)
    try:
        import board
        import settings

        board.Board(settings.load()).led("white")
    except Exception as e:  # safe mode must reach the REPL whatever is broken
        print("EV safe led", e)
    time.sleep_ms(10)


def run(start):
    """Run the application; a crash resets the chip (and counts as a reset: a version
    on trial that crashes spends its boots and is rolled back). Ctrl-C (mpremote)
    is no Exception: it reaches the REPL."""
    try:
        start()
    except Exception as e:
        sys.print_exception(e)
        print("EV crash", e)
        import board

        board.restart()


def _app():
    import app

    app.main()


def main():
    why, st = boot()
    if why:
        safe(why)
        return
    use(st)
    run(_app)
