"""The demo's mail server: aiosmtpd on this machine, with STARTTLS as a real one would offer,
keeping every mail in a Maildir under the demo's folder, which `/demo/mailbox` shows."""

from __future__ import annotations

import mailbox
import ssl
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from hub.ingest.certs import SiteCerts, init_certs

MAILBOX_LIMIT = 100
"""The newest mails the page shows."""


class DemoMailServer:
    """Started with the demo, stopped with it."""

    def __init__(self, folder: Path, port: int) -> None:
        self.maildir = folder / "mailbox"
        self.certs = SiteCerts(folder / "smtp-certs")
        if not self.certs.server_cert.exists():
            init_certs(self.certs, "demo", ["localhost"], ["127.0.0.1"])
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certs.server_cert, self.certs.server_key)
        self.port = port
        self._controller = Controller(
            Mailbox(self.maildir), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class Mail:
    received: float
    to: str
    subject: str
    text: str


def read_mailbox(maildir: Path, limit: int = MAILBOX_LIMIT) -> list[Mail]:
    """The newest mails first."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    mails = []
    for kept in box:
        parsed = message_from_bytes(kept.as_bytes(), policy=default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(("plain",))
        text = body.get_content() if isinstance(body, EmailMessage) else ""
        mails.append(Mail(kept.get_date(), str(parsed["To"] or ""), str(parsed["Subject"] or ""), text))
    return sorted(mails, key=lambda mail: mail.received, reverse=True)[:limit]
