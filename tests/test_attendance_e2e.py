"""Attendance end to end through a real broker: acks name the child, late taps reorder a day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.config import Settings
from hub.ingest.mqtt_client import Ingest
from hub.services.days import compute_days
from hub.store import cards, registry
from hub.store.db import open_database
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until

DAY = date(2026, 11, 18)
UID = "04A2B3C4D5E680"


def at(hour: int, minute: int) -> int:
    """Epoch seconds of a Warsaw wall-clock time on DAY (CET, UTC+1)."""
    return int(datetime(2026, 11, 18, hour - 1, minute, tzinfo=UTC).timestamp())


def enrol(settings: Settings) -> None:
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author="test")
    child = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group="Motylki", active_from="2026-09-01", author="test"
    )
    cards.assign_card_from_day(
        db, uid=UID, child_id=child["id"], author="test", day=date(2026, 9, 1), tz=settings.tz, holder="mama"
    )
    db.close()


def visits(settings: Settings) -> list[tuple[str, str | None]]:
    db = open_database(settings.database)
    try:
        [child_day] = compute_days(db, settings, DAY)
    finally:
        db.close()

    def clock(event) -> str | None:
        return event.at.astimezone(settings.tz).strftime("%H:%M") if event else None

    return [(clock(v.arrival), clock(v.departure)) for v in child_day.result.visits]


def test_acks_say_in_and_out_with_the_childs_name(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    enrol(settings)
    reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    reader.publish("tap", tap_payload(1, uid=UID, t=at(7, 42)))
    wait_until(lambda: len(reader.acks) == 1)
    reader.publish("tap", tap_payload(2, uid=UID, t=at(7, 42) + 20))  # a second tap in the same minute
    reader.publish("tap", tap_payload(3, uid=UID, t=at(15, 5)))
    reader.publish("tap", tap_payload(4, uid="04FFFFFF", t=at(15, 6)))
    wait_until(lambda: len(reader.acks) == 4)
    assert reader.acks == [
        {"seq": 1, "r": "in", "name": "Ania K.", "at": "07:42"},
        {"seq": 2, "r": "in", "name": "Ania K.", "at": "07:42"},  # debounced: shows what the first showed
        {"seq": 3, "r": "out", "name": "Ania K.", "at": "15:05"},
        {"seq": 4, "r": "unknown", "at": "15:06"},
    ]
    reader.close()


def test_an_offline_readers_late_taps_reorder_a_finished_day(
    ingest: Ingest, settings: Settings, mosquitto: Mosquitto
) -> None:
    enrol(settings)
    door = FakeReaderClient(mosquitto.port, SITE, "r1")
    door.publish("tap", tap_payload(1, uid=UID, t=at(7, 30)))
    door.publish("tap", tap_payload(2, uid=UID, t=at(16, 0)))
    wait_until(lambda: len(door.acks) == 2)
    assert visits(settings) == [("07:30", "16:00")]
    # The garden gate's reader was offline: she went to the doctor at 12:00 and came back at 13:00.
    gate = FakeReaderClient(mosquitto.port, SITE, "r2")
    gate.publish("tap", tap_payload(7, uid=UID, t=at(13, 0)))
    gate.publish("tap", tap_payload(6, uid=UID, t=at(12, 0)))
    wait_until(lambda: len(gate.acks) == 2)
    assert visits(settings) == [("07:30", "12:00"), ("13:00", "16:00")]
    door.close()
    gate.close()
