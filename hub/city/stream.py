"""The city's stream: every site's events, kept on three nodes.

`city.<site>.taps` and `city.<site>.changes` (hub/city/events.py) go to one stream,
`CITY`, replicated ×3 so the loss of a node loses nothing and stops nothing. The duplicate
window drops a message sent again after a lost acknowledgement; the city service's own
store drops any later repeat by site and key.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

STREAM = "CITY"
SUBJECTS = ["city.>"]
REPLICAS = 3
DUPLICATE_WINDOW_S = 600.0


async def ensure_stream(js: JetStreamContext, replicas: int = REPLICAS) -> None:
    """Create the stream if it is missing (the city service does this at its start)."""
    config = StreamConfig(
        name=STREAM,
        subjects=SUBJECTS,
        num_replicas=replicas,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_S,
    )
    await js.add_stream(config)
