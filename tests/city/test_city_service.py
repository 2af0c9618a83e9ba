"""The city service (hub/city/service.py) with the real engines: a site's events, sent by
the site's own link, reach PostgreSQL once, and the city's view of each child's day is the
site's; a NATS node lost, forged messages, a second instance, an instance killed mid-stream
and PostgreSQL restarted neither lose nor double anything; changes applied out of order
end in the latest state."""

from __future__ import annotations

import asyncio
import json
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.city.config import CityConfig
from hub.config import Settings
from hub.rules.attendance import TapId
from hub.services import days, months
from hub.store import corrections, registry, site_settings
from hub.store.db import open_database
from tests.city.service_support import (
    ServiceThread,
    link_round,
    make_stream,
    publish_raw,
    rows,
    scalar,
    stream_count,
)
from tests.city_support import NatsCluster, Postgres
from tests.journal_support import ANIA_CARD, OLEK_CARD, give_cards, local, store_tap
from tests.support import wait_until

pytestmark = pytest.mark.city
SITE = "p12"
DAY = date(2026, 11, 18)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, Database, dict[str, int]]:
    settings = Settings(database=tmp_path / "site.db", site=SITE)
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ids = {
        name: registry.add_child(
            db, first_name=name, last_name="Żak", group=group, active_from="2026-09-01",
            birth_date="2021-05-04", author="test",
        )["id"]
        for name in ("Ania", "Olek")
    }  # fmt: skip
    give_cards(db, settings, ids["Ania"], ids["Olek"])
    return settings, db, ids


def tap(settings: Settings, db: Database, seq: int, uid: str, wall: time, day: date = DAY) -> None:
    store_tap(db, seq, uid, local(settings, day, wall))


def morning(settings: Settings, db: Database, ids: dict[str, int]) -> None:
    """Ania 07:00 (a second tap 20 s later is the same tap), gone at 15:00; Olek 07:30, still
    in; a teacher moves Ania's arrival to 06:55; the site's debounce is 90 s."""
    site_settings.set_value(db, "debounce_s", "90", author="test")
    tap(settings, db, 1, ANIA_CARD, time(7, 0, 5))
    tap(settings, db, 2, ANIA_CARD, time(7, 0, 25))
    tap(settings, db, 3, OLEK_CARD, time(7, 30))
    tap(settings, db, 4, ANIA_CARD, time(15, 0, 10))
    corrections.add_correction(
        db, child_id=ids["Ania"], day=DAY, kind="move", at=local(settings, DAY, time(6, 55)),
        target_tap=TapId("wejscie", 1), reason="przyszła wcześniej", author="test",
    )  # fmt: skip


def forged() -> list[tuple[str, bytes]]:
    """What no site sends: each must be kept aside with why, and stop nothing."""
    good_tap = {
        "site": SITE, "key": "tap:wejscie:99", "kind": "tap", "reader": "wejscie", "seq": 99,
        "at": "2026-11-18T06:00:00.000Z", "received_at": "2026-11-18T06:00:00.100Z",
        "time_quality": "clock", "child": 1, "mode": "toggle",
    }  # fmt: skip
    missing = {key: value for key, value in good_tap.items() if key != "received_at"}
    return [
        (f"city.{SITE}.taps", b"{not json"),
        (f"city.{SITE}.changes", json.dumps({**good_tap, "kind": "meteor"}).encode()),
        (f"city.{SITE}.taps", json.dumps(missing).encode()),
        (f"city.{SITE}.taps", json.dumps({**good_tap, "reader": "x" * 900_000}).encode()),
        ("city.zł0ty.taps", json.dumps({**good_tap, "site": "zł0ty"}).encode()),
        (f"city.{SITE}.taps", json.dumps({**good_tap, "site": "p13"}).encode()),  # another site's name
        (f"city.{SITE}.taps", json.dumps({**good_tap, "reader": "a\u0000b"}).encode()),
        (f"city.{SITE}.taps", json.dumps({**good_tap, "key": "tap:wejscie:1"}).encode()),
    ]


def assert_site_and_city_agree(settings: Settings, db: Database, dsn: str, ids: dict[str, int]) -> None:
    """Each child's day as the city keeps it is the site's own computation of it."""
    for child_day in days.compute_days(db, settings, DAY):
        visits = child_day.result.visits
        city = rows(
            dsn,
            "SELECT arrived_at, left_at, minutes, present_now FROM child_days WHERE site = %s "
            "AND child_id = %s AND day = %s",
            [SITE, child_day.child["id"], DAY],
        )
        assert city == [
            (
                visits[0].arrival.at if visits[0].arrival else None,
                visits[-1].departure.at if visits[-1].departure else None,
                child_day.result.minutes,
                visits[-1].departure is None,
            )
        ], child_day.child["first_name"]


def test_a_sites_events_reach_the_city_once_through_a_lost_node_and_forged_messages(
    tmp_path: Path, site: tuple[Settings, Database, dict[str, int]]
) -> None:
    settings, db, ids = site
    morning(settings, db, ids)
    with NatsCluster(tmp_path) as cluster, Postgres() as pg:
        config = CityConfig(tuple(cluster.urls), pg.dsn)
        asyncio.run(make_stream(cluster.urls))
        with ServiceThread(config):
            first = asyncio.run(link_round(cluster.urls, db, SITE))
            wait_until(lambda: scalar(pg.dsn, "SELECT count(*) FROM events") == first, timeout=60)

            cluster.kill(1)  # a node lost mid-morning: the service and the link carry on
            tap(settings, db, 5, OLEK_CARD, time(7, 31, 10))  # 70 s: within the site's debounce
            months.close(db, settings, 2026, 11, "dyrektor")
            second = asyncio.run(link_round(cluster.urls, db, SITE))
            asyncio.run(publish_raw(cluster.urls, forged()))
            asyncio.run(link_round(cluster.urls, db, SITE))  # nothing new: nothing twice
            wait_until(
                lambda: scalar(pg.dsn, "SELECT count(*) FROM rejected_events") == len(forged()), timeout=60
            )
            wait_until(lambda: scalar(pg.dsn, "SELECT count(*) FROM events") == first + second, timeout=60)
            cluster.start_node(1)
        assert stream_count(cluster.urls) == first + second + len(forged())

        assert first == 4 + 5  # the taps; the group, two children, the settings, the correction
        assert second == 1 + 1  # a tap and the month's closing
        assert_site_and_city_agree(settings, db, pg.dsn, ids)
        assert rows(pg.dsn, "SELECT child_id, mode FROM taps ORDER BY seq") == [
            (ids["Ania"], "toggle"), (ids["Ania"], "toggle"), (ids["Olek"], "toggle"),
            (ids["Ania"], "toggle"), (ids["Olek"], "toggle"),
        ]  # fmt: skip
        assert rows(pg.dsn, "SELECT debounce_s FROM site_rules") == [(90,)]
        for child in ids.values():
            billed = months.billed_month(db, child, 2026, 11)
            assert billed is not None
            assert rows(
                pg.dsn,
                "SELECT stay_fee, meals_charged, meals_refunded, minutes_billed, days_billed FROM statements "
                "WHERE site = %s AND child_id = %s AND (year, month, version) = (2026, 11, 1)",
                [SITE, child],
            ) == [
                (
                    billed.stay_fee, billed.meals_charged, billed.meals_refunded,
                    sum(d.minutes_billed for d in billed.days),
                    sum(1 for d in billed.days if d.minutes_billed),
                )
            ]  # fmt: skip
        assert scalar(pg.dsn, "SELECT stay_fee FROM statements WHERE child_id = %s", [ids["Ania"]]) > Decimal(
            0
        )
        assert scalar(pg.dsn, "SELECT last_event_at IS NOT NULL FROM sites WHERE site = %s", [SITE])
        reasons = [row[0] for row in rows(pg.dsn, "SELECT reason FROM rejected_events ORDER BY stream_seq")]
        for expected in (
            "not JSON", "unknown kind", "received_at: Field required", "reader: String should match",
            "site: String should match", "is not city.p13.taps", "NUL", "is not 'tap:wejscie:99'",
        ):  # fmt: skip
            assert any(expected in reason for reason in reasons), (expected, reasons)
        assert scalar(pg.dsn, "SELECT max(size) FROM rejected_events") > 900_000
        assert scalar(pg.dsn, "SELECT max(length(data)) FROM rejected_events") == 4096
