"""Notifications end to end at the servers: mail through a real SMTP server with STARTTLS,
pushes to a push service that checks the VAPID token and decrypts the RFC 8291 payload;
a server that is down keeps the outbox, a subscription gone is forgotten."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from hub.accounts import accounts
from hub.accounts.accounts import add_user
from hub.config import Settings
from hub.services import notification_sender, web_push
from hub.services.notification_sender import NotificationSender
from hub.services.notifications import AttendanceNotices, Attribution, notify
from hub.store import notifications, registry
from hub.store.db import open_database
from tests.notify_support import MailServer, PushService
from tests.support import free_port, wait_until
from web.cli import cli

NOW = datetime(2026, 12, 7, 6, 45, tzinfo=UTC)  # 07:45 in Warsaw
PARENT = "marta.kowalska@example.pl"


def kindergarten(db: Database) -> tuple[int, int]:
    """Ania in Motylki, her mother's account; returns (child id, account id)."""
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=group, active_from="2026-09-01", author="test"
    )["id"]
    user, _ = add_user(db, email=PARENT, name="Marta Kowalska", role="parent", children=[ania], author="test")
    return ania, user["id"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Settings, Database, int, int]]:
    settings = Settings(
        database=tmp_path / "hub.db",
        public_url="https://dziennik.example.pl",
        mail_from="dziennik@example.pl",
        push_allow_local_endpoints=True,
    )
    db = open_database(settings.database)
    ania, account = kindergarten(db)
    yield settings, db, ania, account
    db.close()


def with_mail(settings: Settings, server: MailServer, **more: Any) -> Settings:
    return replace(
        settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_ca_file=server.certs.ca_cert, **more
    )


def arrive(db: Database, settings: Settings, child: int) -> int:
    notices = AttendanceNotices(settings.tz, clock=lambda: NOW)
    return notices.record(db, child, "arrival", NOW, Attribution("card", reader="Wejście"))


def test_mail_says_only_that_something_waits(site, tmp_path: Path) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "email"), ("message", "email")}, NOW)
    with MailServer(tmp_path) as server:
        settings = with_mail(settings, server)
        assert arrive(db, settings, ania) == 1
        notify(db, [account], "message", "/messages/7", now=NOW)
        sender = NotificationSender(settings, clock=lambda: NOW)
        assert sender.run_once(db) == 2
    assert len(server.mails) == 2
    texts = [mail.get_content() for mail in server.mails]
    for mail, text in zip(server.mails, texts, strict=True):
        assert mail["To"] == PARENT
        assert "Ania" not in text and "Kowalska" not in text and "07:45" not in text
        assert "https://dziennik.example.pl/" in text
    assert "https://dziennik.example.pl/messages/7" in texts[1]
    assert all(row["sent_at"] for row in notifications.outbox(db))


def test_mail_names_the_child_when_the_site_says_so(site, tmp_path: Path) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "email")}, NOW)
    with MailServer(tmp_path) as server:
        settings = with_mail(settings, server, mail_child_data=True)
        arrive(db, settings, ania)
        NotificationSender(settings, clock=lambda: NOW).run_once(db)
    text = server.mails[0].get_content()
    assert "Ania Kowalska: przyjście 07:45 (karta, czytnik Wejście)" in text


def test_a_server_without_starttls_is_not_used(site, tmp_path: Path) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "email")}, NOW)
    with MailServer(tmp_path, starttls=False) as server:
        settings = with_mail(settings, server)
        arrive(db, settings, ania)
        NotificationSender(settings, clock=lambda: NOW).run_once(db)
    assert server.mails == []
    [row] = notifications.outbox(db)
    assert row["sent_at"] is None and "STARTTLS" in row["last_error"] and row["attempts"] == 1


def test_mail_waits_while_the_server_is_down_and_goes_later(site, tmp_path: Path) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "email")}, NOW)
    down = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port())
    arrive(db, down, ania)
    clock = [NOW]
    NotificationSender(down, clock=lambda: clock[0]).run_once(db)
    [row] = notifications.outbox(db)
    assert row["sent_at"] is None and row["attempts"] == 1 and row["last_error"]
    assert row["next_attempt_at"] > "2026-12-07T06:45:29"
    with MailServer(tmp_path) as server:
        sender = NotificationSender(with_mail(settings, server), clock=lambda: clock[0])
        assert sender.run_once(db) == 0  # not due yet: the backoff holds
        clock[0] = NOW + notification_sender.retry_wait(1)
        assert sender.run_once(db) == 1
    assert len(server.mails) == 1
    assert notifications.outbox(db)[0]["sent_at"]


def test_push_is_encrypted_for_the_browser_and_signed(site) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "push")}, NOW)
    vapid = web_push.public_key(web_push.vapid_key(settings))
    with PushService(expected_vapid_key=vapid) as service:
        sub = web_push.parse_subscription(service.new_subscription("phone"), allow_local=True)
        notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, NOW)
        arrive(db, settings, ania)
        NotificationSender(settings, clock=lambda: NOW).run_once(db)
    [push] = service.pushes
    assert service.errors == []
    assert push.vapid_ok
    assert push.payload["body"] == "Ania Kowalska: przyjście 07:45 (karta, czytnik Wejście)"
    assert push.payload["url"] == f"/parent/children/{ania}"
    assert notifications.subscriptions_of(db, account)[0]["last_success_at"]


def test_a_subscription_gone_is_forgotten(site) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "push")}, NOW)
    with PushService() as service:
        service.status = 410
        sub = web_push.parse_subscription(service.new_subscription("old"), allow_local=True)
        notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, NOW)
        arrive(db, settings, ania)
        NotificationSender(settings, clock=lambda: NOW).run_once(db)
    assert notifications.subscriptions_of(db, account) == []
    [row] = notifications.outbox(db)
    assert row["given_up_at"] and row["last_error"] == "subscription gone"


def test_a_failing_push_service_is_tried_again(site) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "push")}, NOW)
    with PushService() as service:
        service.status = 503
        sub = web_push.parse_subscription(service.new_subscription("phone"), allow_local=True)
        notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, NOW)
        arrive(db, settings, ania)
        sender = NotificationSender(settings, clock=lambda: NOW + timedelta(hours=1))
        sender.run_once(db)
        assert notifications.outbox(db)[0]["last_error"] == "HTTP 503"
        service.status = 201
        sender.clock = lambda: NOW + timedelta(hours=2)
        sender.run_once(db)
    assert len(service.pushes) == 1
    assert notifications.outbox(db)[0]["sent_at"]


def test_a_second_tap_the_same_way_tells_nothing_new(site) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "push"), ("arrival", "email")}, NOW)
    notices = AttendanceNotices(settings.tz, clock=lambda: NOW)
    how = Attribution("card", reader="Wejście")
    assert notices.record(db, ania, "arrival", NOW, how) == 1
    assert notices.record(db, ania, "arrival", NOW + timedelta(seconds=5), how) == 0
    assert notices.record(db, ania, "departure", NOW + timedelta(hours=8), how) == 0  # not chosen
    assert notices.record(db, ania, "arrival", NOW + timedelta(hours=9), how) == 1


def test_nobody_who_did_not_opt_in_is_told(site) -> None:
    settings, db, ania, account = site
    assert arrive(db, settings, ania) == 0
    assert notify(db, [account], "announcement", "/announcements") == 0


def test_a_blocked_account_is_told_nothing(site) -> None:
    _settings, db, _ania, account = site
    notifications.set_choices(db, account, {("message", "email")}, NOW)
    accounts.block(db, account, author="dyrektor")
    assert notify(db, [account], "message", "/messages/1") == 0


def test_notify_takes_only_known_kinds_and_the_journals_own_pages(site) -> None:
    _settings, db, _ania, account = site
    with pytest.raises(ValueError):
        notify(db, [account], "sms", "/messages/1")
    for path in ("https://evil.example/", "//evil.example/x", "messages"):
        with pytest.raises(ValueError):
            notify(db, [account], "message", path)


def test_the_command_line_makes_the_key_shows_the_outbox_and_tests_the_mail(site, tmp_path: Path) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "email")}, NOW)
    arrive(db, settings, ania)
    base = ["--database", str(settings.database), "notifications"]
    made = CliRunner().invoke(cli, [*base, "vapid-keys"], catch_exceptions=False)
    assert made.exit_code == 0 and "Public key (applicationServerKey): B" in made.output
    [row] = json.loads(CliRunner().invoke(cli, [*base, "outbox", "--json"], catch_exceptions=False).output)
    assert (row["email"], row["kind"], row["sent_at"]) == (PARENT, "arrival", None)
    with MailServer(tmp_path) as server:
        env = {
            "EWIDENCJONER_SMTP_HOST": "127.0.0.1",
            "EWIDENCJONER_SMTP_PORT": str(server.port),
            "EWIDENCJONER_SMTP_CA_FILE": str(server.certs.ca_cert),
        }
        sent = CliRunner(env=env).invoke(cli, [*base, "test-mail", "ktos@example.pl"], catch_exceptions=False)
    assert sent.exit_code == 0, sent.output
    assert [mail["To"] for mail in server.mails] == ["ktos@example.pl"]


def test_a_mail_server_that_hangs_holds_up_no_push(site) -> None:
    """A server that takes the connection and never greets keeps the mail loop waiting for
    its timeout (15 s); a push queued meanwhile goes at once."""
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("message", "email"), ("arrival", "push")}, NOW)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    silent.settimeout(10)
    with silent, PushService() as service:
        sub = web_push.parse_subscription(service.new_subscription("phone"), allow_local=True)
        notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, NOW)
        sender = NotificationSender(
            replace(settings, smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1])
        )
        sender.start()
        try:
            notify(db, [account], "message", "/messages/1")
            sender.wake()
            connection, _ = silent.accept()  # the mail loop is now waiting for a greeting
            notify(db, [account], "arrival", f"/parent/children/{ania}", summary="Ania Kowalska: przyjście")
            sender.wake()
            wait_until(lambda: len(service.pushes) == 1, timeout=5)
            [mail_row] = [row for row in notifications.outbox(db) if row["channel"] == "email"]
            assert mail_row["sent_at"] is None and mail_row["attempts"] == 0
            connection.close()
        finally:
            sender.stop()


def test_mail_waiting_for_a_server_starves_no_push(site) -> None:
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("message", "email"), ("arrival", "push")}, NOW)
    for number in range(notification_sender.BATCH + 50):  # no smtp_host: all of them wait
        notify(db, [account], "message", f"/messages/{number}", now=NOW)
    with PushService() as service:
        sub = web_push.parse_subscription(service.new_subscription("phone"), allow_local=True)
        notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, NOW)
        arrive(db, settings, ania)
        NotificationSender(settings, clock=lambda: NOW).run_once(db)
        assert len(service.pushes) == 1


def test_a_row_no_library_can_send_fails_alone(site, tmp_path: Path) -> None:
    """Keys stored before their check (or damaged) and an address no mail header can carry:
    each is that row's failure, retried later; the loop and the other rows go on."""
    settings, db, ania, account = site
    notifications.set_choices(db, account, {("arrival", "push"), ("arrival", "email")}, NOW)
    notifications.add_subscription(db, account, "http://127.0.0.1:9/push/broken", "k", "a", NOW)
    db.execute("UPDATE users SET email = ? WHERE id = ?", ["marta@example.pl\nBcc: all@example.pl", account])
    arrive(db, settings, ania)
    with MailServer(tmp_path) as server:
        NotificationSender(with_mail(settings, server), clock=lambda: NOW).run_once(db)
    assert server.mails == []
    rows = notifications.outbox(db)
    assert len(rows) == 2 and all(row["last_error"] and row["attempts"] == 1 for row in rows), rows
