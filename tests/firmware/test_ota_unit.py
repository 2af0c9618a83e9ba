"""The reader's updater (firmware/ota.py) on MicroPython against what an attacker or a bad
network could send: its HMAC equals CPython's, a manifest signed with another key or naming
a path is refused, a corrupted chunk is fetched again, and chunks out of place are ignored."""

from __future__ import annotations

import hashlib
import hmac

KEY = "a1" * 32

PRELUDE = r"""
import binascii, json, os
import fwstate, ota

KEY = %(key)r
sent = []


class MQ:
    def publish(self, topic, payload, qos=0):
        sent.append(json.loads(payload))
        return 1


def offer(man, sig, ver="2.0.0"):
    u = ota.Updater(MQ(), "t", KEY, {"slot": "", "ok": True, "ver": "1.0.0"}, 3)
    u.on_msg({"op": "offer", "ver": ver, "size": len(man), "sig": sig}, 0)
    return u


def chunk(u, name, off, data):
    u.on_msg({"op": "data", "ver": u.ver, "f": name, "off": off, "d": binascii.b2a_base64(data).decode()}, 0)
"""


def sign(text: str, key: str = KEY) -> str:
    return hmac.new(bytes.fromhex(key), text.encode(), hashlib.sha256).hexdigest()


def run(mp, body: str) -> list[str]:
    out = mp(PRELUDE % {"key": KEY} + body)
    return [line for line in out.splitlines() if not line.startswith("EV")]


def test_hmac_equals_cpythons(mp) -> None:
    text = "ewidencjoner-fw 2.0.0\n" + "ab" * 600
    script = f"open('m', 'w').write({text!r})\n"
    script += "print(binascii.hexlify(ota.hmac_file(binascii.unhexlify(KEY), 'm')).decode())"
    out = run(mp, script)
    assert out == [sign(text)]


def test_a_manifest_signed_with_another_key_or_naming_a_path_is_refused(mp) -> None:
    good = "ewidencjoner-fw 2.0.0\n" + f"{'0' * 64} 3 app.mpy\n"
    evil = "ewidencjoner-fw 2.0.0\n" + f"{'0' * 64} 3 x/../../main.py\n"
    other = "b2" * 32
    body = f"""
for man, sig in (({good!r}, {sign(good, other)!r}), ({evil!r}, {sign(evil)!r})):
    sent.clear()
    u = offer(man, sig)
    chunk(u, "manifest", 0, man.encode())
    print(u.state, sent[-1].get("why"), "new" in os.listdir("fw"))
"""
    assert run(mp, body) == ["refused signature False", "refused manifest name False"]


def test_a_corrupted_file_is_fetched_again_and_stray_chunks_are_ignored(mp) -> None:
    data = bytes(range(200))
    man = "ewidencjoner-fw 2.0.0\n" + f"{hashlib.sha256(data).hexdigest()} 200 app.mpy\n"
    body = f"""
man = {man!r}
data = {data!r}
u = offer(man, {sign(man)!r})
chunk(u, "manifest", 0, man.encode())
print(sent[-1]["f"], sent[-1]["off"])
chunk(u, "app.mpy", 50, data[50:])  # not where the file ends: ignored
chunk(u, "app.mpy", 0, b"\\x00" * 300)  # longer than the file: ignored
print(sent[-1]["f"], sent[-1]["off"], len(sent))
chunk(u, "app.mpy", 0, b"X" + data[1:])  # corrupted on the way
print(sent[-1]["f"], sent[-1]["off"])
chunk(u, "app.mpy", 0, data)
print(u.state, fwstate.state()["slot"], open("fw/a/app.mpy", "rb").read() == data)
"""
    out = run(mp, body)
    assert out[0] == "app.mpy 0"
    assert out[1].startswith("app.mpy 0")
    assert out[2] == "app.mpy 0"  # asked again from the start
    assert out[3] == "switching fw/a True"
