"""Property: whatever arrives on any topic ingest subscribes to, ingest never stops, and
every message ends stored, duplicate, a status or quarantined (issue 9).

A real hub (`Ingest`) behind a real Mosquitto; each example publishes a few arbitrary
messages, then a valid tap from the same client, which must be stored and acked.
"""

from __future__ import annotations

import json
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ingest.mqtt_client import Ingest
from hub.wire import reader_topic
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until

FIELDS = [
    "v",
    "uid",
    "seq",
    "boot",
    "ms",
    "now",
    "t",
    "online",
    "fw",
    "queue",
    "rssi",
    "heap",
    "up",
    "resets",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**62, max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["04A2B3C4", "04A2B3C4\n", "04A2B3C4D5E680", "1.0.0", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=10)


def near_valid_tap(data: dict) -> bytes:
    return json.dumps({"v": 1, "uid": "04A2B3C4", "seq": 1, "boot": 1, "ms": 1, **data}).encode()


payloads = st.one_of(
    st.binary(max_size=1500),
    objects.map(lambda data: json.dumps(data).encode()),
    objects.map(near_valid_tap),
    st.builds(lambda n: b'{"online":true,"up":%d}' % n, st.integers(min_value=-(2**70), max_value=2**70)),
    st.sampled_from([b"NaN", b'{"online":true,"up":Infinity}', b"[" * 600 + b"]" * 600, b"x" * 5000]),
)
topics = st.one_of(
    st.builds(reader_topic, st.just(SITE), st.sampled_from(["r1", "stranger", "bad id!", "żółw", "x" * 40]),
              st.sampled_from(["tap", "status"])),
)  # fmt: skip
messages = st.lists(st.tuples(topics, payloads), min_size=1, max_size=6)


pytestmark = pytest.mark.no_packet_limit  # the hub's own bounds, not the broker's


def handled(ingest: Ingest) -> int:
    stats = ingest.stats
    return stats.stored + stats.duplicates + stats.statuses + sum(stats.quarantined.values())


def test_arbitrary_messages_never_stop_ingest(ingest: Ingest, mosquitto: Mosquitto) -> None:
    client = FakeReaderClient(mosquitto.port, SITE, "r2")
    sentinel_seqs = count(1)
    published = [0]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(messages)
    def example(batch: list[tuple[str, bytes]]) -> None:
        received_before = ingest.stats.received
        for topic, payload in batch:
            client.publish("", payload, topic=topic)
        seq = next(sentinel_seqs)
        client.publish("tap", tap_payload(seq))
        published[0] += len(batch) + 1
        wait_until(lambda: seq in client.acked_seqs(), timeout=20)
        assert ingest.stats.received - received_before == len(batch) + 1
        assert handled(ingest) == ingest.stats.received  # stored, duplicate, status or quarantined
        assert not ingest.describe()["stalled"]

    example()
    assert ingest.stats.received == published[0]
    client.close()
