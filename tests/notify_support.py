"""Real servers for notification tests: an SMTP server with STARTTLS (aiosmtpd) and a Web
Push service (a small HTTP server) that checks the VAPID token and decrypts each push as
the browser would, with the subscription's private key made here."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from hub.ingest.certs import SiteCerts, init_certs
from tests.support import free_port


class _Collect:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        raw = envelope.original_content or b""
        self.mails.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


class MailServer:
    """aiosmtpd on a free port, offering STARTTLS with a certificate of a CA made here, and
    refusing mail before STARTTLS."""

    def __init__(self, workdir: Path, *, starttls: bool = True) -> None:
        self.certs = SiteCerts(workdir / "smtp-certs")
        init_certs(self.certs, "test", ["localhost"], ["127.0.0.1"])
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certs.server_cert, self.certs.server_key)
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context if starttls else None,
            require_starttls=starttls,
            ready_timeout=10,
        )

    @property
    def mails(self) -> list[EmailMessage]:
        return self.handler.mails

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class BrowserKeys:
    """What a browser keeps for one push subscription: its ECDH key and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    vapid_ok: bool
    received: float
    """When it arrived (`time.perf_counter`)."""


class PushService:
    """A push service on this machine: each POST to /push/<name> is kept as it arrived (with
    the time) and answered `status`; reading `pushes` checks each one's VAPID token and
    decrypts it with the keys registered for <name> (after the answer, so the service is as
    quick as a real one and a benchmark times the hub, not this server's cryptography)."""

    def __init__(self, expected_vapid_key: str | None = None) -> None:
        self.keys: dict[str, BrowserKeys] = {}
        self.errors: list[str] = []
        self.status = 201
        self.expected_vapid_key = expected_vapid_key
        self.lock = threading.Lock()
        self._arrived: list[tuple[str, dict[str, str], bytes, float]] = []
        self._read: list[Push] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.perf_counter()
                if service.status < 300:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    with service.lock:
                        service._arrived.append((self.path, headers, body, arrived))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def new_subscription(self, name: str) -> dict[str, Any]:
        keys = self.keys[name] = BrowserKeys()
        return keys.subscription(f"{self.url}/push/{name}")

    @property
    def pushes(self) -> list[Push]:
        """Every push received so far, checked and decrypted."""
        with self.lock:
            new, self._arrived = self._arrived, []
        for path, headers, body, arrived in new:
            try:
                self._read.append(self._open(path, headers, body, arrived))
            except Exception as exc:  # the test reads the errors
                self.errors.append(f"{type(exc).__name__}: {exc}")
        return list(self._read)

    def _open(self, path: str, headers: dict[str, str], body: bytes, arrived: float) -> Push:
        keys = self.keys[path.rsplit("/", 1)[-1]]
        auth = headers.get("authorization", "")
        vapid_ok = bool(Vapid.verify(auth))
        if self.expected_vapid_key is not None:
            vapid_ok = vapid_ok and f"k={self.expected_vapid_key}" in auth
        assert headers.get("content-encoding") == "aes128gcm", headers
        plain = http_ece.decrypt(
            body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm"
        )
        return Push(path, headers, json.loads(plain), vapid_ok, arrived)

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
