"""The city's engines as the tests start them (tests/city_support.py): a stream replicated
on three NATS nodes keeps every message through the loss of one node, and a PostgreSQL
cluster takes a connection. Everything the city tier builds stands on these two."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import nats
import psycopg
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from tests.city_support import NatsCluster, Postgres, run_async

T = TypeVar("T")

pytestmark = pytest.mark.city


RETRIED = (nats.errors.TimeoutError, nats.js.errors.NoStreamResponseError, nats.errors.NoRespondersError)


async def answered(request: Callable[[], Awaitable[T]]) -> T:
    """Ask until the cluster answers: after a node's loss the client reconnects and the
    stream (or the cluster's meta group) may elect a new leader first. Publishing again is
    safe: the message id dedupes."""
    for _attempt in range(120):
        try:
            return await request()
        except RETRIED:
            await asyncio.sleep(0.5)
    raise AssertionError("the cluster never answered")


async def publish(js: JetStreamContext, number: int) -> None:
    await answered(
        lambda: js.publish("smoke.site", str(number).encode(), headers={"Nats-Msg-Id": f"m{number}"})
    )


def test_a_stream_replicated_three_times_keeps_every_message_when_a_node_dies(tmp_path: Path) -> None:
    async def journey(cluster: NatsCluster) -> list[bytes]:
        client = await nats.connect(servers=cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = client.jetstream()
        await js.add_stream(StreamConfig(name="SMOKE", subjects=["smoke.>"], num_replicas=3))
        for number in range(50):
            await publish(js, number)
        cluster.kill(1)
        for number in range(50, 100):
            await publish(js, number)
        await publish(js, 99)  # a duplicate: dropped
        subscription = await answered(lambda: js.pull_subscribe("smoke.>", durable="reader"))
        received: list[bytes] = []
        while len(received) < 100:
            for message in await answered(lambda: subscription.fetch(100, timeout=5)):
                received.append(message.data)
                await message.ack()
        info = await answered(lambda: js.stream_info("SMOKE"))
        await client.close()
        assert info.state.messages == 100
        return received

    with NatsCluster(tmp_path) as cluster:
        received = run_async(journey(cluster))
        cluster.start_node(1)
    assert received == [str(number).encode() for number in range(100)]


def test_postgres_takes_a_connection() -> None:
    with Postgres() as postgres, psycopg.connect(postgres.dsn) as connection:
        connection.execute("CREATE TABLE smoke (site text, key text, PRIMARY KEY (site, key))")
        connection.execute("INSERT INTO smoke VALUES ('p12', 'tap:1') ON CONFLICT DO NOTHING")
        connection.execute("INSERT INTO smoke VALUES ('p12', 'tap:1') ON CONFLICT DO NOTHING")
        assert connection.execute("SELECT count(*) FROM smoke").fetchone() == (1,)
