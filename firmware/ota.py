# Over-the-air update, the reader's side (firmware/README.md "Updates over the air").
#
# The hub offers a release: its version, the size of its manifest (version, then
# SHA-256, size and name of every file) and an HMAC-SHA256 of the manifest under
# this reader's own key (`ota_key`, given at provisioning). The reader fetches the
# manifest into fw/new, checks the HMAC, then the files: it asks for one chunk at
# a time ("need": file, offset; messages stay under ~700 bytes, as a fragmented
# ESP32 heap has no larger free block to spare) and appends each chunk
# that continues a file, so one chunk is in flight and a power cut or a lost
# message only means asking again from the staged file's length. A finished file
# is checked against its hash (a mismatch is fetched again). With every file
# right, fw/new is renamed to the free slot and fwstate's fw.json (renamed into
# place) puts the new slot on trial: the reader restarts into it, and the loader
# and app.health() roll it back unless it becomes healthy.
import binascii
import hashlib
import os
import time

from micropython import const

import fwstate

_ASK_MS = const(3000)  # no chunk within this: ask again
_MAX_FILE = const(262144)
_MAX_CHUNK = const(512)  # raw bytes per data message: a fragmented heap has ~1.5 KB blocks
_MAX_MANIFEST = const(4096)
_RESTART_MS = const(500)  # after the switch: time to send the last report
_NAME_OK = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."


def _pads(key):
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key + bytes(64 - len(key))
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_file(key, path):
    """HMAC-SHA256 (RFC 2104) of a file's bytes, read in small pieces: MicroPython has
    hashlib.sha256 but no hmac module, and a fragmented heap has no room for the file."""
    ipad, opad = _pads(key)
    inner = hashlib.sha256(ipad)
    _feed(inner, path)
    outer = hashlib.sha256(opad)
    outer.update(inner.digest())
    return outer.digest()


def same(a, b):
    """Compare two digests in time independent of where they differ."""
    if len(a) != len(b):
        return False
    d = 0
    for i in range(len(a)):
        d |= a[i] ^ b[i]
    return d == 0


def parse(path):
    """The manifest's (version, [[name, size, sha256 hex]]); ValueError if malformed."""
    files = []
    ver = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if ver is None:
                head = line.split(" ")
                if len(head) != 2 or head[0] != "ewidencjoner-fw" or not head[1]:
                    raise ValueError("head")
                ver = head[1]
                continue
            if not line:
                continue
            sha, size, name = line.split(" ")
            size = int(size)
            if len(sha) != 64 or not 0 <= size <= _MAX_FILE or not name or name[0] == ".":
                raise ValueError("line")
            for ch in name:
                if ch not in _NAME_OK:
                    raise ValueError("name")
            if name in ("manifest", "main.py", "fwstate.mpy", "config.json"):
                raise ValueError("name")
            files.append([name, size, sha])
    if not files:
        raise ValueError("empty")
    return ver, files


def size_of(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return -1


def _feed(h, path):
    buf = bytearray(128)
    with open(path, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(buf if n == 128 else buf[:n])


def sha_of(path):
    h = hashlib.sha256()
    _feed(h, path)
    return binascii.hexlify(h.digest()).decode()


def clear(folder):
    """Remove `folder` and the files in it (slots hold no sub-folders)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    if "manifest" in names:  # first: a slot without it is never booted
        os.remove(folder + "/manifest")
    for name in names:
        if name != "manifest":
            os.remove(folder + "/" + name)
    os.rmdir(folder)


def _mkdir(path):
    try:
        os.mkdir(path)
    except OSError:
        pass


class Updater:
    def __init__(self, mq, topic, key_hex, slot, tries):
        self.mq = mq
        self.topic = topic
        self.key = binascii.unhexlify(key_hex)
        self.fw = slot.get("ver")
        self.slot = slot
        self.tries = tries
        self.state = "idle"  # idle | fetching | switching | current | refused
        self.ver = None
        self.sig = None  # the offer being fetched (its manifest's HMAC)
        self.files = []  # [name, size, sha256 hex]; first the manifest (sha None: the HMAC checks it)
        self.good = []  # files verified
        self.i = 0  # the file being fetched
        self.asked = 0
        self.restart_at = None

    def busy(self):
        return self.state in ("fetching", "switching")

    def report(self, st, why=None):
        self.state = st
        s = '{"op":"state","ver":"%s","st":"%s"' % (self.ver or "", st)
        if why:
            s += ',"why":"%s"' % why
        self.mq.publish(self.topic, s + "}", 0)
        print("EV ota", st, self.ver, why or "")

    # ---- the hub's messages -------------------------------------------------
    def on_msg(self, msg, now):
        op = msg.get("op")
        if op == "offer":
            self.offer(msg, now)
        elif op == "data" and self.state == "fetching":
            self.data(msg, now)

    def offer(self, msg, now):
        """An offer names the version, the manifest's size and its HMAC; the manifest
        comes first, chunk by chunk like the files, and is checked before anything else."""
        ver, size, sig = msg.get("ver"), msg.get("size"), msg.get("sig")
        if not isinstance(ver, str) or not isinstance(size, int) or not isinstance(sig, str):
            return
        if not 0 < size <= _MAX_MANIFEST or len(sig) != 64 or self.state == "switching":
            return
        self.ver = ver
        if ver == self.fw:
            self.report("current")
            return
        if not self.slot.get("ok"):
            self.report("refused", "on trial")
            return
        if sig != self.sig:
            self.sig = sig
            self.files = [["manifest", size, None]]
            self.good = [False]
            if not self.staged(size):
                clear(fwstate.STAGING)
                _mkdir("fw")
                _mkdir(fwstate.STAGING)
        self.state = "fetching"
        print("EV ota offer", ver)
        self.next(now)

    def staged(self, size):
        """Is this offer's manifest already in fw/new (a download cut short)? Then resume."""
        path = fwstate.STAGING + "/manifest"
        return size_of(path) == size and self.signed(path)

    def signed(self, path):
        sig = self.sig
        if sig is None:
            return False
        try:
            return same(hmac_file(self.key, path), binascii.unhexlify(sig))
        except ValueError:
            return False

    def data(self, msg, now):
        name, size, _ = self.files[self.i]
        if msg.get("ver") != self.ver or msg.get("f") != name:
            return
        d = msg.get("d")
        if not isinstance(d, str) or len(d) > _MAX_CHUNK * 4 // 3 + 4:
            return
        path = fwstate.STAGING + "/" + name
        have = max(size_of(path), 0)
        if msg.get("off") != have:
            return  # a late or repeated chunk: what we asked for comes next
        try:
            raw = binascii.a2b_base64(d)
        except ValueError:
            return
        if not raw or have + len(raw) > size:
            return
        with open(path, "ab") as f:
            f.write(raw)
        self.next(now)

    # ---- fetching -----------------------------------------------------------
    def next(self, now):
        """Ask for the next missing bytes, or switch when every file is right."""
        files = self.files
        i = 0
        while i < len(files):
            if self.good[i]:
                i += 1
                continue
            name, size, sha = files[i]
            path = fwstate.STAGING + "/" + name
            have = size_of(path)
            if have == size:
                if sha is None:  # the manifest: signed by the hub with our key?
                    if not self.signed(path):
                        clear(fwstate.STAGING)
                        self.sig = None
                        self.report("refused", "signature")
                        return
                    if not self.listed(path):
                        return
                    continue
                if sha_of(path) == sha:
                    self.good[i] = True
                    continue
                print("EV ota hash", name)
                have = size + 1
            if have > size:
                os.remove(path)
                have = 0
            self.i = i
            self.ask(now, name, max(have, 0))
            return
        self.switch(now)

    def listed(self, path):
        """Read the verified manifest: its files follow it in the fetch list."""
        try:
            ver, files = parse(path)
        except ValueError as e:
            ver, files = None, None
            why = "manifest %s" % e
        if files is None or ver != self.ver:
            clear(fwstate.STAGING)
            self.sig = None
            self.report("refused", why if files is None else "version")
            return False
        self.good[0] = True
        self.files += files
        self.good += [False] * len(files)
        return True

    def ask(self, now, name, off):
        self.asked = now
        self.mq.publish(self.topic, '{"op":"need","ver":"%s","f":"%s","off":%d}' % (self.ver, name, off), 0)

    def step(self, now):
        """Ask again after a silence; True once the reader should restart into the new version."""
        if self.state == "fetching" and time.ticks_diff(now, self.asked) >= _ASK_MS:
            self.next(now)
        return self.restart_at is not None and time.ticks_diff(now, self.restart_at) >= 0

    def switch(self, now):
        """fw/new becomes the free slot; fw.json (renamed into place) puts it on trial."""
        cur = self.slot.get("slot", "")
        dest = fwstate.SLOTS[1] if cur == fwstate.SLOTS[0] else fwstate.SLOTS[0]
        clear(dest)
        os.rename(fwstate.STAGING, dest)
        fwstate.write(
            fwstate.STATE,
            {"slot": dest, "prev": cur, "ver": self.ver, "prev_ver": self.fw, "ok": False, "tries": self.tries},  # noqa: E501
        )
        self.report("switching")
        self.restart_at = time.ticks_add(now, _RESTART_MS)
