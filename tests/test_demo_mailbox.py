"""`make demo`'s mail: its own SMTP server (STARTTLS) keeps what the hub sends in a Maildir,
and `/demo/mailbox` shows it to whoever manages accounts, only in the demo."""

from __future__ import annotations

from pathlib import Path

from hub.config import Settings
from hub.devtools.demo_mail import DemoMailServer, read_mailbox
from hub.ingest.events import EventBus
from hub.services import mail
from hub.store.db import open_database
from tests.support import free_port
from tests.web_support import signed_in
from web.app import create_app


def test_the_demo_keeps_mail_and_shows_it_to_the_director(tmp_path: Path) -> None:
    server = DemoMailServer(tmp_path, free_port())
    settings = Settings(
        database=tmp_path / "demo.db",
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_ca_file=server.certs.ca_cert,
        public_url="http://127.0.0.1:8000",
    )
    open_database(settings.database).close()
    row = {"kind": "arrival", "path": "/parent/children/1", "email": "rodzic1@example.pl", "summary": "",
           "queued_at": "2026-12-07T06:45:00.000Z"}  # fmt: skip
    server.start()
    try:
        assert mail.send_all(settings, [(1, mail.compose(settings, row))]) == {}
    finally:
        server.stop()
    [kept] = read_mailbox(server.maildir)
    assert kept.to == "rodzic1@example.pl" and "Przyjście do przedszkola" in kept.subject
    app = create_app(settings, EventBus(), demo_mailbox=server.maildir)
    page = signed_in(app, settings.database, "director").get("/demo/mailbox")
    assert page.status_code == 200
    assert "Przyjście do przedszkola" in page.text and "http://127.0.0.1:8000/parent/children/1" in page.text
    assert signed_in(app, settings.database, "teacher").get("/demo/mailbox").status_code == 403
    outside_the_demo = create_app(settings, EventBus())
    assert signed_in(outside_the_demo, settings.database, "admin").get("/demo/mailbox").status_code == 404
