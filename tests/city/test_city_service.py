"""The city service (hub/city/service.py) with the real engines: a site's events, sent by
the site's own link, reach PostgreSQL once, and the city's view of each child's day is the
site's; a NATS node lost, forged messages, a second instance, an instance killed mid-stream
and PostgreSQL restarted neither lose nor double anything; changes applied out of order
end in the latest state."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlite_utils import Database

from hub.city.config import CityConfig
from hub.city.pg_schema import migrate
from hub.city.service import apply_event
from hub.config import Settings
from hub.rules.attendance import TapId
from hub.services import days, months
from hub.store import corrections, site_settings
from tests.city.service_support import (
    ServiceProcess,
    ServiceThread,
    link_round,
    make_stream,
    publish_raw,
    rows,
    scalar,
    stream_count,
)
from tests.city_support import NatsCluster, Postgres, run_async, two_child_site
from tests.journal_support import ANIA_CARD, OLEK_CARD, local, store_tap
from tests.support import wait_until

pytestmark = pytest.mark.city
SITE = "p12"
DAY = date(2026, 11, 18)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, Database, dict[str, int]]:
    return two_child_site(tmp_path, SITE)


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


def assert_site_and_city_agree(settings: Settings, db: Database, dsn: str, day: date = DAY) -> None:
    """Each child's day as the city keeps it is the site's own computation of it."""
    for child_day in days.compute_days(db, settings, day):
        visits = child_day.result.visits
        city = rows(
            dsn,
            "SELECT arrived_at, left_at, minutes, present_now FROM child_days WHERE site = %s "
            "AND child_id = %s AND day = %s",
            [SITE, child_day.child["id"], day],
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
        run_async(make_stream(cluster.urls))
        with ServiceThread(config):
            first = run_async(link_round(cluster.urls, db, SITE))
            wait_until(lambda: scalar(pg.dsn, "SELECT count(*) FROM events") == first, timeout=60)

            cluster.kill(1)  # a node lost mid-morning: the service and the link carry on
            tap(settings, db, 5, OLEK_CARD, time(7, 31, 10))  # 70 s: within the site's debounce
            months.close(db, settings, 2026, 11, "dyrektor")
            second = run_async(link_round(cluster.urls, db, SITE))
            run_async(publish_raw(cluster.urls, forged()))
            run_async(link_round(cluster.urls, db, SITE))  # nothing new: nothing twice
            wait_until(
                lambda: scalar(pg.dsn, "SELECT count(*) FROM rejected_events") == len(forged()), timeout=60
            )
            wait_until(lambda: scalar(pg.dsn, "SELECT count(*) FROM events") == first + second, timeout=60)
            cluster.start_node(1)

            for index in range(3):  # the whole cluster lost: the service waits, then goes on
                cluster.kill(index)
            tap(settings, db, 6, OLEK_CARD, time(16, 0))
            for index in range(3):
                cluster.start_node(index, wait=False)
            wait_until(cluster.ready, timeout=60)
            third = run_async(link_round(cluster.urls, db, SITE))
            wait_until(
                lambda: scalar(pg.dsn, "SELECT count(*) FROM events") == first + second + third, timeout=90
            )
        assert stream_count(cluster.urls) == first + second + third + len(forged())

        assert first == 4 + 5  # the taps; the group, two children, the settings, the correction
        assert second == 1 + 1  # a tap and the month's closing
        assert third == 1
        assert_site_and_city_agree(settings, db, pg.dsn)
        assert rows(pg.dsn, "SELECT child_id, mode FROM taps ORDER BY seq") == [
            (ids["Ania"], "toggle"), (ids["Ania"], "toggle"), (ids["Olek"], "toggle"),
            (ids["Ania"], "toggle"), (ids["Olek"], "toggle"), (ids["Olek"], "toggle"),
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


def change(number: int, kind: str, state: dict | None, at: str = "2026-11-18T06:00:00.000Z") -> bytes:
    return json.dumps(
        {
            "site": SITE,
            "key": f"change:{number}",
            "at": at,
            "action": f"{kind}.update",
            "kind": kind,
            kind: state,
        }
    ).encode()


def tap_message(seq: int, child: int, at: str, mode: str = "toggle") -> bytes:
    return json.dumps(
        {
            "site": SITE, "key": f"tap:wejscie:{seq}", "kind": "tap", "reader": "wejscie", "seq": seq,
            "at": at, "received_at": at, "time_quality": "clock", "child": child, "mode": mode,
        }
    ).encode()  # fmt: skip


def test_changes_applied_out_of_order_end_in_the_latest_state_each_once() -> None:
    """Two instances may apply a child's changes in either order, a message may come twice:
    the later change (by the site's audit id) wins, a repeat changes nothing."""
    older = {"id": 7, "group": 1, "birth_year": 2021, "active_from": "2026-09-01", "active_to": None}
    newer = {**older, "group": 2, "active_to": "2026-11-30"}
    fix = {"id": 3, "child": 7, "day": "2026-11-18", "type": "cancel", "at": None,
           "created_at": "2026-11-18T10:00:00.000Z", "target": {"reader": "wejscie", "seq": 2}}  # fmt: skip
    with Postgres() as pg, psycopg.connect(pg.dsn, autocommit=True) as conn:
        migrate(conn)
        seq = iter(range(1, 100))
        assert apply_event(conn, f"city.{SITE}.changes", next(seq), change(20, "child", newer))
        assert apply_event(conn, f"city.{SITE}.changes", next(seq), change(10, "child", older))
        assert not apply_event(conn, f"city.{SITE}.changes", next(seq), change(20, "child", newer))
        assert rows(pg.dsn, "SELECT group_id, active_to, change_id FROM children") == [
            (2, date(2026, 11, 30), 20)
        ]

        # Olek's 07:00 and 15:00 taps, and a teacher's cancel of the second made, then revoked:
        # the revocation (change 31) arrives first, the creation (30) after, the taps last.
        subject = f"city.{SITE}.taps"
        assert apply_event(
            conn, f"city.{SITE}.changes", next(seq), change(31, "correction", {**fix, "revoked": True})
        )
        assert apply_event(
            conn, f"city.{SITE}.changes", next(seq), change(30, "correction", {**fix, "revoked": False})
        )
        assert apply_event(conn, subject, next(seq), tap_message(2, 7, "2026-11-18T14:00:00.000Z"))
        assert apply_event(conn, subject, next(seq), tap_message(1, 7, "2026-11-18T06:00:00.000Z"))
        assert not apply_event(conn, subject, next(seq), tap_message(1, 7, "2026-11-18T06:00:00.000Z"))
        assert rows(pg.dsn, "SELECT revoked, change_id FROM corrections") == [(True, 31)]
        assert rows(pg.dsn, "SELECT minutes, present_now FROM child_days") == [(8 * 60, False)]
        assert scalar(pg.dsn, "SELECT count(*) FROM events") == 6


def autumn(settings: Settings, db: Database, first: int, count: int) -> None:
    """`count` taps of Ania and Olek spread over October and early November, ten a day each."""
    for seq in range(first, first + count):
        day = date(2026, 10, 1) + timedelta(days=seq // 20 % 45)
        tap(settings, db, seq, ANIA_CARD if seq % 2 else OLEK_CARD, time(7 + seq % 20 // 2, seq % 60), day)


def test_two_instances_one_killed_and_postgres_restarted_store_each_event_once(
    tmp_path: Path, site: tuple[Settings, Database, dict[str, int]]
) -> None:
    settings, db, _ids = site
    autumn(settings, db, 1, 2000)
    count = "SELECT count(*) FROM events"
    with NatsCluster(tmp_path) as cluster, Postgres() as pg:
        config = CityConfig(tuple(cluster.urls), pg.dsn)
        run_async(make_stream(cluster.urls))
        sent = run_async(link_round(cluster.urls, db, SITE))
        a = ServiceProcess(config, "a", tmp_path).start()
        with ServiceProcess(config, "b", tmp_path):
            assert wait_until(lambda: scalar(pg.dsn, count), timeout=60) < sent
            a.kill()  # mid-stream: what it had fetched and not acknowledged comes again, to b
            wait_until(lambda: scalar(pg.dsn, count) == sent, timeout=120)
            a.start()

            pg.stop()  # both instances wait for it, acknowledging nothing meanwhile
            autumn(settings, db, 2001, 300)
            sent += run_async(link_round(cluster.urls, db, SITE))
            pg.start()
            wait_until(lambda: scalar(pg.dsn, count) == sent, timeout=120)
            assert a.stop() == 0
        assert sent == 2300 + 3  # the taps; the group and the two children
        assert stream_count(cluster.urls) == sent
        assert scalar(pg.dsn, "SELECT count(*) FROM taps") == 2300
        assert scalar(pg.dsn, "SELECT count(*) FROM rejected_events") == 0
        for day in (date(2026, 10, 1), date(2026, 10, 20), date(2026, 11, 14)):
            assert_site_and_city_agree(settings, db, pg.dsn, day)
    logs = (tmp_path / "city-serve-a.log").read_text() + (tmp_path / "city-serve-b.log").read_text()
    assert "PostgreSQL did not answer" in logs and "PostgreSQL is back" in logs
