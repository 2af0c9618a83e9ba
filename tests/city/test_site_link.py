"""The site's link to its city (hub/city/site_link.py) against a real three-node NATS
cluster: every tap and change arrives once and in order; a node killed mid-morning stops
nothing; a site cut off from the city keeps working and, when the city is back, sends
exactly what it had not had acknowledged; acknowledgements lost make no duplicate; and
nothing that names a child leaves the site."""

from __future__ import annotations

import asyncio
import json
from datetime import date, time
from pathlib import Path

import nats
import pytest
from sqlite_utils import Database

from hub.city.site_link import SiteLink, send_pending
from hub.city.stream import STREAM, ensure_stream
from hub.config import ConfigError, Settings
from hub.store import city_link, corrections, registry
from hub.store.db import connect
from tests.city_support import NatsCluster, run_async, two_child_site
from tests.journal_support import ANIA_CARD, OLEK_CARD, local, store_tap
from tests.support import wait_until

pytestmark = pytest.mark.city
SITE = "p12"
DAY = date(2026, 11, 18)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, Database, dict[str, int]]:
    return two_child_site(tmp_path, SITE)


def morning(settings: Settings, db: Database, first_seq: int, count: int) -> None:
    for seq in range(first_seq, first_seq + count):
        uid = ANIA_CARD if seq % 2 else OLEK_CARD
        store_tap(
            db, seq, uid, local(settings, DAY, time(7, 0)).replace(second=seq % 60, minute=seq // 60 % 60)
        )


async def stream_messages(servers: list[str]) -> list[dict]:
    client = await nats.connect(servers=servers)
    js = client.jetstream()
    subscription = await js.pull_subscribe("city.>", durable=None)
    found: list[dict] = []
    info = await js.stream_info(STREAM)
    while len(found) < info.state.messages:
        for message in await subscription.fetch(500, timeout=10):
            found.append(json.loads(message.data))
            await message.ack()
    await client.close()
    return found


async def link_round(servers: list[str], db: Database, attempts: int = 120) -> int:
    """One round of the link as the hub runs it: send until everything is acknowledged."""
    client = await nats.connect(servers=servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = client.jetstream()
    try:
        for _attempt in range(attempts):
            try:
                return await send_pending(db, SITE, js)
            except (nats.errors.Error, TimeoutError):
                await asyncio.sleep(0.5)
        raise AssertionError("the city never acknowledged")
    finally:
        await client.close()


async def cut_off_for_a_day(
    cluster: NatsCluster, settings: Settings, db: Database, ids: dict[str, int]
) -> None:
    """The link is connected when every city node goes down; the site keeps working, and
    the link's next round fails without moving its cursor."""
    client = await nats.connect(servers=cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        for index in range(3):
            cluster.kill(index)
        morning(settings, db, 81, 40)
        registry.update_child(db, ids["Olek"], active_to="2026-11-30", author="test")
        with pytest.raises((nats.errors.Error, TimeoutError)):
            await send_pending(db, SITE, client.jetstream())
    finally:
        await client.close()


async def make_stream(servers: list[str]) -> None:
    client = await nats.connect(servers=servers)
    await ensure_stream(client.jetstream())
    await client.close()


def test_a_morning_arrives_once_in_order_through_a_lost_node_and_a_day_offline(
    tmp_path: Path, site: tuple[Settings, Database, dict[str, int]]
) -> None:
    settings, db, ids = site
    with NatsCluster(tmp_path) as cluster:
        run_async(make_stream(cluster.urls))
        morning(settings, db, 1, 40)
        corrections.add_correction(
            db, child_id=ids["Ania"], day=DAY, kind="add_departure", at=local(settings, DAY, time(15)),
            reason="wyszła z babcią", author="test",
        )  # fmt: skip
        assert (
            run_async(link_round(cluster.urls, db)) == 40 + 4
        )  # the taps; the group, two children, the correction
        assert run_async(link_round(cluster.urls, db)) == 0  # nothing twice

        cluster.kill(1)  # a node lost mid-morning
        morning(settings, db, 41, 40)
        assert run_async(link_round(cluster.urls, db)) == 40
        cluster.start_node(1)

        before = city_link.cursor(db, "taps")
        run_async(cut_off_for_a_day(cluster, settings, db, ids))
        assert city_link.cursor(db, "taps") == before
        for index in range(3):
            cluster.start_node(index, wait=False)
        assert run_async(link_round(cluster.urls, db)) == 41

        db.execute("DELETE FROM city_link_cursors")  # every acknowledgement lost: all sent again
        db.conn.commit()
        run_async(link_round(cluster.urls, db))
        received = run_async(stream_messages(cluster.urls))

    keys = [message["key"] for message in received]
    assert len(keys) == len(set(keys)) == 120 + 4 + 1  # each once, the repeats dropped
    taps = [message for message in received if message["kind"] == "tap"]
    assert [message["seq"] for message in taps] == list(range(1, 121))  # in order
    assert {message["child"] for message in taps} == set(ids.values())
    [olek] = [
        m
        for m in received
        if m["kind"] == "child" and m["child"]["id"] == ids["Olek"] and m["child"]["active_to"]
    ]
    assert olek["child"] == {
        "id": ids["Olek"], "group": olek["child"]["group"], "birth_year": 2021,
        "active_from": "2026-09-01", "active_to": "2026-11-30",
    }  # fmt: skip
    text = json.dumps(received, ensure_ascii=False)
    for personal in ("Ania", "Olek", "Żak", ANIA_CARD, OLEK_CARD, "babcią", "2021-05-04"):
        assert personal not in text, personal


def test_the_running_hub_sends_by_itself(
    tmp_path: Path, site: tuple[Settings, Database, dict[str, int]]
) -> None:
    """`serve` runs the link as a thread (`SiteLink`) when `city_servers` names the city."""
    settings, db, _ids = site
    morning(settings, db, 1, 10)
    with NatsCluster(tmp_path) as cluster:
        run_async(make_stream(cluster.urls))
        configured = Settings(database=settings.database, site=SITE, city_servers=",".join(cluster.urls))
        link = SiteLink(lambda: connect(configured.database), SITE, configured.city_server_list)
        link.start()
        try:
            wait_until(
                lambda: city_link.cursor(db, "taps") > 0 and city_link.cursor(db, "changes") > 0, timeout=60
            )
        finally:
            link.stop()
        received = run_async(stream_messages(cluster.urls))
    assert sum(message["kind"] == "tap" for message in received) == 10


@pytest.mark.parametrize("servers", ["http://city:4222", "nats://city:4222/x", "nats://", "nats://a b"])
def test_a_city_server_that_is_no_nats_url_is_refused(servers: str) -> None:
    with pytest.raises(ConfigError, match="city_servers"):
        Settings(city_servers=servers)
