"""TLS to a real Mosquitto: the reader verifies the broker against its CA file."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.firmware.conftest import wait_until
from tests.support import Mosquitto

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl CLI needed to make certificates"
)


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d: Path, name: str) -> None:
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}", cwd=d)  # fmt: skip
    openssl("x509", "-in", f"{name}.pem", "-outform", "der", "-out", f"{name}.der", cwd=d)


@pytest.fixture
def tls_broker(tmp_path: Path):
    d = tmp_path / "pki"
    d.mkdir()
    make_ca(d, "ca")
    make_ca(d, "other")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "srv.pem", "-days", "2", "-extfile", "ext", cwd=d)  # fmt: skip
    for key in d.glob("*.key"):
        key.chmod(0o644)  # mosquitto may drop root before reading it
    b = Mosquitto(tmp_path / "broker")
    with b.conf.open("a") as f:
        f.write(f"cafile {d}/ca.pem\ncertfile {d}/srv.pem\nkeyfile {d}/srv.key\n")
    b.start()
    yield b, d
    b.stop()


def test_tls_with_the_right_ca_connects_and_the_wrong_one_does_not(tls_broker, bundle, tmp_path):
    from hub.devtools.virtual_reader import VirtualReader

    broker, pki = tls_broker
    readers = []
    for rid, ca in (("good", "ca.der"), ("bad", "other.der")):
        r = VirtualReader(rid, "fwtest", "127.0.0.1", broker.port, workdir=tmp_path / rid, bundle=bundle,
                          config={"tls": True, "ca_file": ca})  # fmt: skip
        r.prepare()
        shutil.copy(pki / ca, tmp_path / rid / ca)
        r.start()
        readers.append(r)
    good, bad = readers
    try:
        good.wait_for("mqtt", timeout=20)
        bad.wait_for(lambda w: w[:2] == ["mqtt", "fail"] and w[2] == "tls", timeout=20)
        time.sleep(1)
        assert not [w for w in bad.lines("mqtt") if w[1] == "up"]
        wait_until(lambda: good.state()["mqtt"])
    finally:
        for r in readers:
            r.stop()
    for r in readers:
        assert "Traceback" not in "\n".join(line for _, line in r.events)


def test_tls_with_ntp_on(tls_broker, bundle, tmp_path):
    """NTP on a TLS reader: the handshake is the heap's biggest moment.

    112 KB, not 100: on the unix port mbedTLS takes its buffers (tens of KB) from the
    MicroPython heap and every object is 64-bit; on an ESP32 mbedTLS allocates from the
    IDF heap, outside MicroPython's. The NTP module costs ~4 KB here (about half on the
    device), and with it the reader's names pass the unix port's 621st, which costs one
    7.1 KB block (firmware/README.md, "Heap budget")."""
    from hub.devtools.virtual_reader import VirtualReader
    from tests.firmware.test_ntp import SntpServer

    broker, pki = tls_broker
    sntp = SntpServer()
    r = VirtualReader("r1", "fwtest", "127.0.0.1", broker.port, workdir=tmp_path / "r1", bundle=bundle,
                      heap=112_000, config={"tls": True, "ca_file": "ca.der", "ntp_host": "127.0.0.1",
                                            "ntp_port": sntp.port})  # fmt: skip
    r.prepare()
    shutil.copy(pki / "ca.der", tmp_path / "r1" / "ca.der")
    r.start()
    try:
        r.wait_for(lambda w: w[:2] == ["ntp", "ok"], timeout=20)
        r.wait_for(lambda w: w[:2] == ["mqtt", "up"], timeout=20)
        r.tap("04A3C6CAE26180")
        r.wait_for("tap")
    finally:
        r.stop()
        sntp.close()
    text = "\n".join(line for _, line in r.events)
    assert "MemoryError" not in text and "Traceback" not in text, text[-3000:]
