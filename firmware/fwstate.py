# The firmware slot state on flash, shared by the loader (at boot), the
# application (confirm a version on trial, roll back, end a boot-loop count) and
# the updater (switch to a new slot). Like loader.py it changes only by cable, so
# every version reads the same format (firmware/README.md "Updates over the air").
#
# fw.json: {"slot": "" | "fw/a" | "fw/b", "prev": ..., "ver", "prev_ver", "ok": confirmed,
# "tries": boots left on trial, "rolled": the version rolled back, "why"}.
# boots.json: {"n": resets in a row}. Every write is a new file renamed over the old.
# safe: safe mode until removed; setup: set-up mode once (loader.py removes it);
# setup_new: settings saved on the set-up page that have not reached the broker yet
# (setup_ap.FRESH; app.py removes it at a connection).
import json
import os

STATE = "fw.json"
BOOTS = "boots.json"
FLAG = "safe"
SETUP = "setup"  # one-shot: the next boot opens the set-up page ({"why": ...})
STAGING = "fw/new"
SLOTS = ("fw/a", "fw/b")


def read(path, default):
    try:
        with open(path) as f:
            v = json.load(f)
        return v if isinstance(v, dict) else default
    except (OSError, ValueError):
        return default


def write(path, data):
    """Replace `path` with `data` as JSON: a new file renamed over the old one."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(data))
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
    """The application ran boot_loop_s: this boot does not count towards a loop. If its
    settings are still the set-up page's untried ones (setup_new), the next boot opens
    the page instead: returns True, the caller resets."""
    write(BOOTS, {"n": 0})
    if not exists("setup_new"):
        return False
    write(SETUP, {"why": "wifi"})
    return True
