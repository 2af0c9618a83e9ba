"""The broker given by name: the blocking lookup happens at most once a boot, with the
watchdog fed right before, is cached in flash and falls back to the last good address;
the TLS handshake is bounded. Real MicroPython, real Mosquitto; only `getaddrinfo` is a
stand-in (no DNS server here), wrapping the real socket module."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.support import Mosquitto

SETUP = """
import sys
import time
import socket as real_socket

class FakeDNS:
    # the real socket module, with getaddrinfo answering names from a table
    def __init__(self):
        self.socket = real_socket.socket
        self.names = {}
        self.fail = None  # an OSError to raise for a name
        self.calls = []
        self.fed = False

    def getaddrinfo(self, host, port, *a):
        if host[0].isdigit():
            return real_socket.getaddrinfo(host, port, *a)
        self.calls.append((host, self.fed))
        self.fed = False
        if self.fail is not None:
            raise self.fail
        return real_socket.getaddrinfo(self.names[host], port, *a)

dns = FakeDNS()
sys.modules["socket"] = dns
import mqtt
def check(cond, *msg):
    if not cond:
        raise AssertionError(" ".join(str(m) for m in msg))

def client(host, **kw):
    m = mqtt.MQTT("names-test", host, PORT, addr_file="broker.addr", **kw)
    def feed():
        dns.fed = True
    m.feed = feed
    return m

def run_until(m, cond, ms=10000):
    end = time.ticks_add(time.ticks_ms(), ms)
    while not cond():
        check(time.ticks_diff(end, time.ticks_ms()) > 0, "timed out", m.state, m.last_error)
        t = time.ticks_ms()
        m.step(t)
        check(time.ticks_diff(time.ticks_ms(), t) < 100, "a step blocked", m.last_error)
        time.sleep_ms(5)

def reconnect(m):
    m._fail("test", time.ticks_ms())
    m._next_try = time.ticks_ms()
    run_until(m, lambda: m.up)
"""


@pytest.fixture
def running_broker(tmp_path) -> Iterator[Mosquitto]:
    b = Mosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


def run(mp, port: int, body: str) -> str:
    out = mp(SETUP.replace("PORT", str(port)) + body)
    assert "OK" in out.split(), out
    return out


def test_an_ip_address_is_never_looked_up(mp, running_broker):
    run(
        mp,
        running_broker.port,
        """
m = client("127.0.0.1")
run_until(m, lambda: m.up)
reconnect(m)
check("broker_name" not in sys.modules, "an IP address needs no name module")
check(dns.calls == [] and m.name is None, dns.calls)
print("OK")
""",
    )


def test_a_name_is_looked_up_once_a_boot_with_the_watchdog_fed(mp, running_broker):
    run(
        mp,
        running_broker.port,
        """
dns.names["broker.local"] = "127.0.0.1"
m = client("broker.local")
run_until(m, lambda: m.up)
for _ in range(3):
    reconnect(m)
check(dns.calls == [("broker.local", True)], "looked up again, or without feeding", dns.calls)
check(open("broker.addr").read().split() == ["broker.local", "127.0.0.1"])
print("OK")
""",
    )


def test_a_failed_lookup_falls_back_to_the_last_good_address(mp, running_broker):
    # a slow failure (the lwIP timeout) is not tried again this boot: repeated, it
    # would be a reboot loop under the watchdog
    run(
        mp,
        running_broker.port,
        """
with open("broker.addr", "w") as f:
    f.write("broker.local 127.0.0.1\\n")
dns.fail = OSError(-202)
m = client("broker.local")
m.name.fast_ms = 0  # every failure counts as slow
run_until(m, lambda: m.up)
for _ in range(2):
    reconnect(m)
check(len(dns.calls) == 1, dns.calls)
print("OK")
""",
    )


def test_a_damaged_address_file_is_no_address(mp, running_broker):
    run(
        mp,
        running_broker.port,
        """
with open("broker.addr", "w") as f:
    f.write("broker.local evil.example.org\\n")  # a name here would be looked up: refused
dns.fail = OSError(-202)
m = client("broker.local")
m.name.fast_ms = 0
m.step(time.ticks_ms())
check(not m.up and m.last_error.startswith("dns"), m.last_error)
check(dns.calls == [("broker.local", True)], dns.calls)
print("OK")
""",
    )


def test_a_fast_failure_with_no_address_known_is_tried_again_later(mp, running_broker):
    run(
        mp,
        running_broker.port,
        """
dns.fail = OSError(-2)
m = client("broker.local")
m.name.retry_ms = 300
now = time.ticks_ms()
m.step(now)
check(not m.up and m.last_error.startswith("dns"), m.last_error)
check(len(dns.calls) == 1, dns.calls)
m._next_try = time.ticks_ms()
m.step(time.ticks_ms())  # within dns_retry_ms: no second lookup
check(len(dns.calls) == 1, dns.calls)
dns.fail = None
dns.names["broker.local"] = "127.0.0.1"
time.sleep_ms(350)
m._next_try = time.ticks_ms()
run_until(m, lambda: m.up)
check(len(dns.calls) == 2, dns.calls)
print("OK")
""",
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (a TLS handshake that stalls)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conns.append(srv.accept()[0])

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    for c in conns:
        c.close()
    srv.close()


def test_a_stalled_tls_handshake_is_bounded_and_never_blocks_a_step(mp, silent_server):
    run(
        mp,
        silent_server,
        """
m = client("127.0.0.1", tls=True)
m.connect_timeout = 1500
reasons = []
m.on_fail = reasons.append
run_until(m, lambda: reasons, 8000)
check(reasons == ["tls timeout"], reasons)
print("OK")
""",
    )
