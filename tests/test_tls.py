"""TLS end to end with the certificates `ewidencjoner certs init` makes.

A reader (paho, and the real firmware on MicroPython) and the hub reach Mosquitto's and the
embedded broker's TLS listeners and verify them against the site CA; a client holding
another CA is refused.
"""

from __future__ import annotations

import ipaddress
import shutil
import ssl
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509

from hub.config import Settings
from hub.devtools.virtual_reader import VirtualReader
from hub.ingest.certs import SiteCerts
from hub.ingest.embedded_broker import EmbeddedBroker
from hub.ingest.events import EventBus
from hub.ingest.mosquitto_conf import TlsListener
from hub.ingest.mqtt_client import Ingest
from hub.store import broker_credentials, readers
from hub.store.db import open_database
from tests.support import FakeReaderClient, Mosquitto, free_port, tap_payload, wait_until
from web.cli import cli

SITE = "tls"


def certs_init(directory: Path, *names: str) -> SiteCerts:
    result = CliRunner().invoke(cli, ["certs", "init", "--dir", str(directory), *names])
    assert result.exit_code == 0, result.output
    return SiteCerts(directory)


@pytest.fixture
def site_certs(tmp_path: Path) -> SiteCerts:
    return certs_init(tmp_path / "certs", "--dns", "localhost", "--ip", "127.0.0.1")


def test_certs_init_names_the_broker_for_every_client_and_hides_the_keys(site_certs: SiteCerts) -> None:
    server = x509.load_pem_x509_certificate(site_certs.server_cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "127.0.0.1"}  # DNS:<ip> for mbedTLS
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert server.not_valid_before_utc.year == 2000  # a reader whose clock is not set yet
    for key in (site_certs.ca_key, site_certs.server_key):
        assert key.stat().st_mode & 0o777 == 0o600
    ca = site_certs.ca_cert.read_bytes()
    renewed = certs_init(site_certs.directory, "--ip", "192.168.1.2")  # a new address: CA kept
    assert renewed.ca_cert.read_bytes() == ca
    result = CliRunner().invoke(cli, ["certs", "init", "--dir", str(site_certs.directory)])
    assert result.exit_code == 1 and "--dns or --ip" in result.output


def _database(tmp_path: Path) -> tuple[Path, str]:
    database = tmp_path / "hub.db"
    db = open_database(database)
    readers.add_reader(db, "r1", "Wejście")
    password = broker_credentials.issue(db, "r1")
    db.close()
    return database, password


@pytest.fixture
def mosquitto_tls(tmp_path: Path, site_certs: SiteCerts):
    database, password = _database(tmp_path)
    config = tmp_path / "hub.toml"
    config.write_text(f'site = "{SITE}"\ndatabase = "{database}"\n')
    runner = CliRunner()
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    assert runner.invoke(cli, ["--config", str(config), "broker-passwords", "-o", str(passwd)]).exit_code == 0
    acl.write_text(runner.invoke(cli, ["--config", str(config), "broker-acl"]).output)
    tls_port = free_port()
    listener = TlsListener(
        tls_port, site_certs.ca_cert, site_certs.server_cert, site_certs.server_key, bind="127.0.0.1"
    )
    broker = Mosquitto(tmp_path, password_file=passwd, acl_file=acl, tls=listener)
    broker.start()
    yield database, password, tls_port
    broker.stop()


def _hub_over_tls(database: Path, tls_port: int, ca: Path) -> Ingest:
    settings = Settings(
        database=database, site=SITE, broker_url=f"mqtts://hub@127.0.0.1:{tls_port}", broker_ca_file=ca
    )
    ingest = Ingest(settings, EventBus())
    ingest.start()
    return ingest


def _tap_over_tls(tls_port: int, password: str, ca: Path) -> None:
    reader = FakeReaderClient(tls_port, SITE, "r1", password, tls_ca=ca)
    reader.publish("tap", tap_payload(1))
    wait_until(lambda: reader.acked_seqs() == [1])
    reader.close()


def test_hub_and_reader_through_mosquitto_tls(mosquitto_tls, site_certs: SiteCerts, tmp_path: Path) -> None:
    database, password, tls_port = mosquitto_tls
    ingest = _hub_over_tls(database, tls_port, site_certs.ca_cert)
    try:
        assert ingest.wait_connected(10)
        _tap_over_tls(tls_port, password, site_certs.ca_cert)
    finally:
        ingest.stop()
    other = certs_init(tmp_path / "other", "--ip", "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError):
        FakeReaderClient(tls_port, SITE, "r1", password, tls_ca=other.ca_cert)


def test_hub_and_reader_through_the_embedded_brokers_tls(site_certs: SiteCerts, tmp_path: Path) -> None:
    database, password = _database(tmp_path)
    tls_port = free_port()
    broker = EmbeddedBroker(
        Settings(
            database=database,
            site=SITE,
            embedded_broker_port=free_port(),
            embedded_broker_tls_host="127.0.0.1",
            embedded_broker_tls_port=tls_port,
            tls_cert_file=site_certs.server_cert,
            tls_key_file=site_certs.server_key,
        )
    )
    broker.start()
    ingest = _hub_over_tls(database, tls_port, site_certs.ca_cert)  # the hub's password file is shared
    try:
        assert ingest.wait_connected(10)
        _tap_over_tls(tls_port, password, site_certs.ca_cert)
        other = certs_init(tmp_path / "other", "--ip", "127.0.0.1")
        with pytest.raises(ssl.SSLCertVerificationError):
            FakeReaderClient(tls_port, SITE, "r1", password, tls_ca=other.ca_cert)
    finally:
        ingest.stop()
        broker.stop()


def test_the_firmware_verifies_the_broker_with_the_provisioned_ca(
    mosquitto_tls, site_certs: SiteCerts, tmp_path: Path
) -> None:
    """The real firmware (MicroPython's ssl, mbedTLS) with the CA and login as `reader
    provision --tls` writes them; a reader holding another CA never connects."""
    database, password, tls_port = mosquitto_tls
    other = certs_init(tmp_path / "other", "--ip", "127.0.0.1")
    ingest = _hub_over_tls(database, tls_port, site_certs.ca_cert)
    started = []
    try:
        assert ingest.wait_connected(10)
        for name, ca in (("good", site_certs.ca_der), ("bad", other.ca_der)):
            reader = VirtualReader(
                "r1",
                SITE,
                "127.0.0.1",
                tls_port,
                workdir=tmp_path / name,
                username="r1",
                password=password,
                config={"tls": True, "ca_file": "ca.der"},
            )
            reader.prepare()
            shutil.copy(ca, tmp_path / name / "ca.der")
            reader.start()
            started.append(reader)
        good, bad = started
        good.wait_for(lambda words: words[:2] == ["mqtt", "up"], timeout=30)
        good.tap("04A3C6CAE26180")
        good.wait_for("ack", timeout=20)
        bad.wait_for(lambda words: words[:3] == ["mqtt", "fail", "tls"], timeout=30)
        assert not [words for words in bad.lines("mqtt") if words[1] == "up"]
    finally:
        for reader in started:
            reader.stop()
        ingest.stop()
