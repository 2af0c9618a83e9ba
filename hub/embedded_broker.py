"""The MQTT broker that runs inside the hub when no external broker is configured.

It is amqtt, a pure-Python broker, on its own asyncio loop in a background thread, so the
default set-up needs nothing installed on the system. It accepts anonymous clients: it is
meant for a demo or a single room on a trusted network. Production uses Mosquitto with
per-reader passwords and ACLs (see the README).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future

from amqtt.broker import Broker

log = logging.getLogger(__name__)
START_TIMEOUT_S = 15


class EmbeddedBroker:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._broker: Broker | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="embedded-broker", daemon=True)

    def start(self) -> None:
        """Start listening; raise if the port is taken or the broker fails to start."""
        self._thread.start()
        started: Future[None] = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        started.result(timeout=START_TIMEOUT_S)
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    async def _start(self) -> None:
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        self._broker = Broker(config, loop=self._loop)
        await self._broker.start()

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(
                timeout=START_TIMEOUT_S
            )
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_S)
