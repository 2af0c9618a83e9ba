"""The journey of issue 11: a guardian opts in on her phone, the page's service worker is
registered, her browser's subscription (keys made here, the push service on this machine)
reaches the hub, her child taps a reader through Mosquitto, and the push service decrypts a
push naming the child and the time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.services.notification_sender import NotificationSender
from hub.store import cards, registry
from hub.store.db import open_database
from hub.timefmt import local_clock
from tests.conftest import SITE
from tests.notify_support import PushService
from tests.support import FakeReaderClient, Mosquitto, WebServer, tap_payload, wait_until
from tests.web_support import PASSWORD, add_account, log_in_browser
from web.app import create_app

UID = "04A2B3C4D5E680"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def hub(settings: Settings, mosquitto: Mosquitto) -> Iterator[tuple[Settings, WebServer]]:
    """Ingest on Mosquitto, the web app and the sender, as `serve` runs them, around Ania
    (card held by her mother) and her mother's account."""
    settings = replace(settings, push_allow_local_endpoints=True, cookie_secure=False)
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author="test")
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group="Motylki", active_from="2026-09-01", author="test"
    )["id"]
    cards.assign_card_from_day(
        db, uid=UID, child_id=ania, author="test", day=date(2026, 9, 1), tz=settings.tz, holder="mama"
    )
    db.close()
    add_account(settings.database, "parent", email="marta@example.pl", children=[ania])
    events = EventBus()
    ingest = Ingest(settings, events)
    ingest.start()
    assert ingest.wait_connected(10)
    sender = NotificationSender(settings, poll_s=0.1)
    sender.start()
    try:
        with WebServer(create_app(settings, events)) as server:
            yield settings, server
    finally:
        sender.stop()
        ingest.stop()


def test_a_guardian_who_opted_in_gets_a_push_when_her_child_taps(
    hub: tuple[Settings, WebServer], mosquitto: Mosquitto, browser: Browser
) -> None:
    settings, server = hub
    context = browser.new_context(locale="pl-PL", **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    log_in_browser(page, server.url, "marta@example.pl", PASSWORD)
    page.goto(f"{server.url}/account/notifications")
    page.get_by_role("group", name="Dziecko przyszło").get_by_label("Push").check()
    page.get_by_role("button", name="Zapisz").click()
    page.wait_for_url("**/account/notifications?saved")
    assert page.get_by_role("group", name="Dziecko przyszło").get_by_label("Push").is_checked()
    # The page's script found Web Push here and registered the service worker
    assert page.locator("#push").is_visible()
    scope = page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistration('/static/'))?.scope ?? null"
    )
    assert scope == f"{server.url}/static/"
    with PushService() as service:
        subscription = service.new_subscription("phone")
        answer = page.evaluate(
            """async (subscription) => {
                const token = document.querySelector('meta[name="csrf-token"]').content;
                const response = await fetch("/api/push-subscriptions", {
                    method: "POST",
                    headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
                    body: JSON.stringify(subscription),
                });
                return [response.status, await response.json()];
            }""",
            subscription,
        )
        assert answer[0] == 201, answer
        page.reload()
        assert "1 Twoje urządzenie dostaje powiadomienia push." in page.content()
        reader = FakeReaderClient(mosquitto.port, SITE, "r1")
        tapped = int(time.time())
        reader.publish("tap", tap_payload(1, uid=UID, t=tapped))
        wait_until(lambda: len(service.pushes) == 1, timeout=20)
        reader.close()
    context.close()
    [push] = service.pushes
    clock = local_clock(datetime.fromtimestamp(tapped, UTC), settings.tz)
    assert push.vapid_ok and service.errors == []
    assert push.payload["title"] == "Przyjście"
    assert push.payload["body"] == f"Ania Kowalska: przyjście {clock} (karta: mama, czytnik Czytnik r1)"
