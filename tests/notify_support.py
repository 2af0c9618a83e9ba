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


class PushService:
    """A push service on this machine: each POST to /push/<name> is checked (VAPID) and
    decrypted with the keys registered for <name>; `status` is what it answers."""

    def __init__(self, expected_vapid_key: str | None = None) -> None:
        self.keys: dict[str, BrowserKeys] = {}
        self.pushes: list[Push] = []
        self.errors: list[str] = []
        self.status = 201
        self.expected_vapid_key = expected_vapid_key
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = service.status
                try:
                    if status < 300:
                        service.receive(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                except Exception as exc:  # the test reads the errors
                    service.errors.append(f"{type(exc).__name__}: {exc}")
                    status = 400
                self.send_response(status)
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

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> None:
        name = path.rsplit("/", 1)[-1]
        keys = self.keys[name]
        auth = headers.get("authorization", "")
        vapid_ok = bool(Vapid.verify(auth))
        if self.expected_vapid_key is not None:
            vapid_ok = vapid_ok and f"k={self.expected_vapid_key}" in auth
        assert headers.get("content-encoding") == "aes128gcm", headers
        plain = http_ece.decrypt(
            body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm"
        )
        with self.lock:
            self.pushes.append(Push(path, headers, json.loads(plain), vapid_ok))

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
