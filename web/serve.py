"""Running the whole hub in one process: broker (embedded if none is configured), ingest, web."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import uvicorn

from hub.city.site_link import SiteLink
from hub.config import Settings
from hub.ingest.embedded_broker import EmbeddedBroker
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.services.backup_schedule import BackupSchedule
from hub.services.notification_sender import NotificationSender
from hub.services.reply_reminders import ReplyReminders
from hub.store.db import connect, open_database
from web.app import create_app

log = logging.getLogger(__name__)
BROKER_WAIT_S = 15


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("transitions", "amqtt", "uvicorn.access", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_hub(
    settings: Settings,
    on_ready: Callable[[], Callable[[], None] | None] | None = None,
    demo_mailbox: Path | None = None,
) -> None:
    """Run until interrupted (Ctrl+C or SIGTERM).

    `on_ready` runs once ingest is connected; it may return a function to call at shutdown.
    """
    open_database(settings.database).close()  # create or upgrade the schema before anything else
    broker = None
    if settings.uses_embedded_broker:
        broker = EmbeddedBroker(settings)
        broker.start()
    events = EventBus()
    sender = NotificationSender(settings)
    sender.start()
    ingest = Ingest(settings, events, on_notified=sender.wake)
    ingest.start()
    if not ingest.wait_connected(BROKER_WAIT_S):
        log.warning(
            "broker %s:%d not reachable yet; ingest keeps trying", settings.broker.host, settings.broker.port
        )
    schedule = BackupSchedule(settings) if BackupSchedule.wanted(settings) else None
    if schedule:
        schedule.start()
    reminders = ReplyReminders(settings, wake_sender=sender.wake)
    reminders.start()
    city = (
        SiteLink(lambda: connect(settings.database), settings.site, settings.city_server_list)
        if settings.city_server_list
        else None
    )
    if city:
        city.start()
    on_stop = on_ready() if on_ready else None
    app = create_app(settings, events, ingest.describe, demo_mailbox=demo_mailbox, wake_sender=sender.wake)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.web_host,
            port=settings.web_port,
            log_config=None,
            timeout_graceful_shutdown=2,
            proxy_headers=False,  # the app believes forwarded headers from `trusted_proxies` only
        )
    )
    try:
        server.run()
    finally:
        if on_stop:
            on_stop()
        if schedule:
            schedule.stop()
        reminders.stop()
        if city:
            city.stop()
        ingest.stop()
        sender.stop()
        if broker:
            broker.stop()
