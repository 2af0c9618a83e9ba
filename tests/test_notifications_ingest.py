"""A real tap through Mosquitto and ingest reaches a guardian's phone as a push naming the
child, the time and the reader; the sender runs in its own thread as `serve` runs it."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from hub.accounts.accounts import add_user
from hub.config import Settings
from hub.ingest.intake import Incoming, Intake
from hub.ingest.mqtt_client import Ingest
from hub.services import web_push
from hub.services.notification_sender import NotificationSender
from hub.services.notifications import AttendanceNotices
from hub.store import cards, notifications, readers, registry
from hub.store.db import open_database
from hub.timefmt import local_clock
from tests.conftest import SITE
from tests.notify_support import PushService
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until

UID = "04A2B3C4D5E680"


def test_a_tap_is_pushed_to_the_guardian_who_opted_in(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    settings = replace(settings, push_allow_local_endpoints=True)
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author="test")
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group="Motylki", active_from="2026-09-01", author="test"
    )["id"]
    cards.assign_card_from_day(
        db, uid=UID, child_id=ania, author="test", day=date(2026, 9, 1), tz=settings.tz, holder="mama"
    )
    mother, _ = add_user(
        db, email="marta@example.pl", name="Marta", role="parent", children=[ania], author="t"
    )
    father, _ = add_user(db, email="jan@example.pl", name="Jan", role="parent", children=[ania], author="t")
    now = datetime.now(UTC)
    notifications.set_choices(db, mother["id"], {("arrival", "push"), ("departure", "push")}, now)
    with PushService() as service:
        for account, name in ((mother["id"], "mother"), (father["id"], "father")):
            sub = web_push.parse_subscription(service.new_subscription(name), allow_local=True)
            notifications.add_subscription(db, account, sub.endpoint, sub.p256dh, sub.auth, now)
        sender = NotificationSender(settings, poll_s=0.1)
        sender.start()
        try:
            reader = FakeReaderClient(mosquitto.port, SITE, "r1")
            tapped = int(time.time())
            reader.publish("tap", tap_payload(1, uid=UID, t=tapped))
            wait_until(lambda: len(service.pushes) == 1, timeout=20)
            reader.publish("tap", tap_payload(2, uid=UID, t=tapped + 1))  # the same tap, debounced
            reader.publish("tap", tap_payload(3, uid=UID, t=tapped + 120))
            wait_until(lambda: len(service.pushes) == 2, timeout=20)
            reader.close()
        finally:
            sender.stop()
    assert service.errors == []
    clock = local_clock(datetime.fromtimestamp(tapped, UTC), settings.tz)
    later = local_clock(datetime.fromtimestamp(tapped + 120, UTC), settings.tz)
    assert [push.path for push in service.pushes] == ["/push/mother", "/push/mother"]
    assert [push.payload["body"] for push in service.pushes] == [
        f"Ania Kowalska: przyjście {clock} (karta: mama, czytnik Czytnik r1)",
        f"Ania Kowalska: wyjście {later} (karta: mama, czytnik Czytnik r1)",
    ]
    assert all(push.vapid_ok for push in service.pushes)
    db.close()


def test_a_notification_that_cannot_be_queued_costs_the_tap_nothing(tmp_path: Path) -> None:
    """The hook's promise (`Intake._tell_hook`): an outbox that refuses the row leaves the tap
    stored and answered, and the rest of the batch with it."""
    settings = Settings(database=tmp_path / "hub.db")
    db = open_database(settings.database)
    readers.add_reader(db, "r1", "Wejście")
    registry.add_group(db, "Motylki", author="test")
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group="Motylki", active_from="2026-09-01", author="test"
    )["id"]
    cards.assign_card_from_day(db, uid=UID, child_id=ania, author="t", day=date(2026, 9, 1), tz=settings.tz)
    mother, _ = add_user(
        db, email="marta@example.pl", name="Marta", role="parent", children=[ania], author="t"
    )
    notifications.set_choices(db, mother["id"], {("arrival", "email")}, datetime.now(UTC))
    db.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON notification_outbox BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    intake = Intake(
        SITE, settings.tz, lambda db, row: ("in", "Ania K."), on_tap=AttendanceNotices(settings.tz).tap_stored
    )
    now = datetime.now(UTC)
    topic = f"ewidencjoner/{SITE}/reader/r1/tap"
    batch = [
        Incoming(topic, tap_payload(seq, uid=UID, t=int(now.timestamp())), 1, seq, False, now)
        for seq in (1, 2)
    ]
    with db.atomic():
        outcomes = intake.handle_batch(db, batch)
    assert [outcome.result for outcome in outcomes] == ["stored", "stored"]
    assert all(outcome.ack for outcome in outcomes)
    assert db["taps"].count == 2 and db["notification_outbox"].count == 0
    db.close()
