"""A power cut at every step of an update (like the journal's crash test): the reader's
updater (firmware/ota.py) and slot state (fwstate.py) run on MicroPython against a flash
whose every change (create, write, rename, remove, mkdir, rmdir) is counted; run k dies at
the k-th change (a write is left half done). After each cut the boot must pick a complete version (every
file matching its manifest), the journal must still hold its pending taps, and the update,
offered again, must finish."""

from __future__ import annotations

import re

from hub.services.firmware_release import Release
from tests.firmware.test_ota import make_release

KEY = "5a" * 32

SCRIPT = r"""
import binascii, builtins, json, os as _os, sys


class Cut(BaseException):
    pass


left = [-1]  # changes until the cut (-1: no cut)
count = [0]


def change():
    count[0] += 1
    if left[0] >= 0:
        left[0] -= 1
        if left[0] < 0:
            raise Cut()


class FS:
    def __getattr__(self, name):
        return getattr(_os, name)

    def rename(self, a, b):
        change()
        _os.rename(a, b)

    def remove(self, p):
        change()
        _os.remove(p)

    def mkdir(self, p):
        change()
        _os.mkdir(p)

    def rmdir(self, p):
        change()
        _os.rmdir(p)


_open = builtins.open


class W:
    def __init__(self, f):
        self.f = f

    def write(self, b):
        if left[0] == 0 and len(b) > 1:
            self.f.write(b[: len(b) // 2])  # torn: half the bytes reach the flash
        change()
        return self.f.write(b)

    def flush(self):
        self.f.flush()

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.f.close()


def fopen(path, mode="r", *a):
    if "w" in mode or "a" in mode:
        change()
        return W(_open(path, mode, *a))
    return _open(path, mode, *a)


sys.modules["os"] = FS()
builtins.open = fopen
os = _os

import fwstate, ota
from journal import Journal

REL = %(rel)r
MAN = %(man)r
SIG = %(sig)r
VER = %(ver)r
KEY = %(key)r
files = {}
for line in MAN.split("\n")[1:]:
    if line:
        sha, size, name = line.split(" ")
        files[name] = sha


class MQ:
    def __init__(self):
        self.q = []

    def publish(self, topic, payload, qos=0):
        m = json.loads(payload)
        if m["op"] == "need":
            if m["f"] == "manifest":
                data = MAN.encode()[m["off"] : m["off"] + 384]
            else:
                with _open(REL + "/" + m["f"], "rb") as f:
                    f.seek(m["off"])
                    data = f.read(384)
            d = binascii.b2a_base64(data).decode()
            self.q.append({"op": "data", "ver": VER, "f": m["f"], "off": m["off"], "d": d})
        return 1


def update(st):
    mq = MQ()
    st.setdefault("ver", "1.0.0")
    u = ota.Updater(mq, "t", KEY, st, 3)
    u.on_msg({"op": "offer", "ver": VER, "size": len(MAN.encode()), "sig": SIG}, 0)
    while mq.q and u.restart_at is None:
        u.on_msg(mq.q.pop(0), 0)
    assert u.restart_at is not None, u.state


def complete(st):
    slot = st.get("slot", "")
    if slot == "":
        return "cable"
    listed = ota.parse(slot + "/manifest")[1]
    for name, size, sha in listed:
        assert ota.sha_of(slot + "/" + name) == sha, (slot, name)
    return st.get("ver")


def pending():
    j = Journal("journal")
    j.open()
    return j.pending()


base = _os.getcwd()
k = 0
while True:
    d = base + "/cut%%d" %% k
    _os.mkdir(d)
    _os.chdir(d)
    j = Journal("journal")
    j.open()
    j.append(b"\x04\xa3\xc6\xca", 4, 100, None)
    j.append(b"\xde\xad\xbe\xef", 4, 200, None)
    left[0] = k
    count[0] = 0
    cut = False
    try:
        update(fwstate.state())
    except Cut:
        cut = True
    left[0] = -1
    changes = count[0]
    st = fwstate.choose(fwstate.state())  # power back: the loader's choice
    ran = complete(st)
    assert pending() == 2
    if not cut:
        assert ran == VER and not st["ok"]
        print("CUTS", k, "CHANGES", changes)
        break
    if ran != VER:
        update(st)  # offered again: resumes or starts over, and finishes
        st = fwstate.choose(fwstate.state())
        assert complete(st) == VER, st
    assert pending() == 2
    print("CUT", k, ran)
    _os.chdir(base)
    k += 1
"""


def test_a_power_cut_at_every_step_of_an_update_leaves_a_complete_version(mp, tmp_path):
    release: Release = make_release(tmp_path, "2.0.0")
    script = SCRIPT % {
        "rel": str(release.folder),
        "man": release.manifest,
        "sig": release.signature(KEY),
        "ver": release.version,
        "key": KEY,
    }
    out = mp(script, heap=400_000, timeout=600)
    done = re.search(r"CUTS (\d+) CHANGES (\d+)", out)
    assert done, out[-2000:]
    cuts = int(done.group(1))
    assert cuts == int(done.group(2)) and cuts > 2 * len(release.files)
    print(f"{cuts} cut points, every one left a complete version and the pending taps")
