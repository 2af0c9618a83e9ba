"""The site's own certificate authority and the broker's certificate (`ewidencjoner certs init`).

A kindergarten's readers talk to a broker on the LAN, usually by IP address, which no public
CA certifies; so the site gets its own small CA. Its certificate goes onto every reader
(`reader provision --tls` copies `ca.der`), the broker presents `server.pem`, signed by it.

The server certificate names the broker by DNS name and by IP address, and every IP address a
second time as a DNS name: mbedTLS in older ESP32 firmware compares the name it was given
only with DNS entries. Certificates are valid from 2000-01-01, because a reader that has not
set its clock yet believes it is 2000 and must still accept the broker. Keys are ECDSA P-256,
which mbedTLS on the ESP32 handles fast; key files are readable by their owner only.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_FROM = datetime(2000, 1, 1, tzinfo=UTC)
CA_YEARS = 30
SERVER_YEARS = 10


class CertsError(ValueError):
    """Certificates cannot be made as asked."""


@dataclass(frozen=True)
class SiteCerts:
    """Where `certs init` puts its files."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_der(self) -> Path:
        """The CA in DER, as the reader firmware loads it."""
        return self.directory / "ca.der"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"


def init_certs(certs: SiteCerts, site: str, dns_names: list[str], ip_addresses: list[str]) -> bool:
    """Make the site CA (unless it exists) and a new server certificate; True if the CA is new.

    Keeping an existing CA lets a new server certificate (another IP address, say) be made
    without re-provisioning every reader."""
    if not dns_names and not ip_addresses:
        raise CertsError("name the broker: at least one --dns or --ip")
    try:
        ips = [ipaddress.ip_address(text) for text in ip_addresses]
    except ValueError as exc:
        raise CertsError(str(exc)) from exc
    certs.directory.mkdir(parents=True, exist_ok=True)
    made_ca = not certs.ca_key.exists()
    if made_ca:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _ca_certificate(ca_key, site)
        _write_key(certs.ca_key, ca_key)
        certs.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        certs.ca_der.write_bytes(ca_cert.public_bytes(serialization.Encoding.DER))
    else:
        loaded = serialization.load_pem_private_key(certs.ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(certs.ca_cert.read_bytes())
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise CertsError(f"{certs.ca_key} is not the EC key `certs init` makes")
        ca_key = loaded
    server_key = ec.generate_private_key(ec.SECP256R1())
    names = [*dns_names, *(str(ip) for ip in ips)]
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    sans += [x509.IPAddress(ip) for ip in ips]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(datetime.now(UTC) + timedelta(days=365 * SERVER_YEARS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(certs.server_key, server_key)
    certs.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    return made_ca


def _ca_certificate(key: ec.EllipticCurvePrivateKey, site: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ewidencjoner {site} CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(datetime.now(UTC) + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write a private key readable by its owner only, never briefly by others."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
