"""The city service as the tests run it: in a thread of the test (`ServiceThread`) or as
`ewidencjoner city serve` in a process of its own (`ServiceProcess`, which a test may
SIGKILL), and what the tests read back from PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import nats
import psycopg
from sqlite_utils import Database

from hub.city.config import CityConfig
from hub.city.service import CityService
from hub.city.site_link import send_pending
from hub.city.stream import ensure_stream
from hub.cli.city_serve import READY
from tests.city_support import run_async
from tests.support import wait_until


class ServiceThread:
    """One instance run by `CityService` in a thread, ready when entered, stopped on exit."""

    def __init__(self, config: CityConfig, name: str = "t1") -> None:
        self.ready = threading.Event()
        self.service = CityService(config, name, on_ready=self.ready.set)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.service.run()), name=name, daemon=True
        )

    def __enter__(self) -> ServiceThread:
        self._thread.start()
        wait_until(self.ready.is_set, timeout=90)
        return self

    def __exit__(self, *exc: object) -> None:
        self.service.stop()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the service did not stop"


class ServiceProcess:
    """`ewidencjoner city serve --name NAME` in a process of its own, its log in `log`."""

    def __init__(self, config: CityConfig, name: str, workdir: Path) -> None:
        self.config, self.name = config, name
        self.log = workdir / f"city-serve-{name}.log"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> ServiceProcess:
        env = {**os.environ, "EWIDENCJONER_CITY_NATS": ",".join(self.config.nats),
               "EWIDENCJONER_CITY_POSTGRES": self.config.postgres}  # fmt: skip
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "web", "city", "serve", "--name", self.name],
                stdout=subprocess.PIPE, stderr=log, text=True, env=env,
            )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until ready, or "" if it died
        assert line.strip() == READY, f"{self.name} did not start: {line!r} {self.log.read_text()[-3000:]}"
        return self

    def kill(self) -> None:
        """SIGKILL: a machine lost mid-batch, nothing flushed or acknowledged after."""
        self._end(signal.SIGKILL)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; returns the exit status."""
        return self._end(signal.SIGTERM)

    def _end(self, signum: int) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
        return code

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


async def link_round(servers: list[str], db: Database, site: str, attempts: int = 120) -> int:
    """One round of the site's link as the hub runs it: send until everything is acknowledged."""
    client = await nats.connect(servers=servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        for _attempt in range(attempts):
            try:
                return await send_pending(db, site, client.jetstream())
            except (nats.errors.Error, TimeoutError):
                await asyncio.sleep(0.5)
        raise AssertionError("the city never acknowledged")
    finally:
        await client.close()


async def make_stream(servers: list[str]) -> None:
    client = await nats.connect(servers=servers)
    try:
        await ensure_stream(client.jetstream())
    finally:
        await client.close()


async def publish_raw(servers: list[str], messages: list[tuple[str, bytes]]) -> None:
    """Messages put on the stream as they are, as a forged or broken site would."""
    client = await nats.connect(servers=servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        js = client.jetstream()
        for subject, data in messages:
            await js.publish(subject, data, timeout=10)
    finally:
        await client.close()


def scalar(dsn: str, sql: str, params: list[Any] | None = None) -> Any:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(sql, params or []).fetchone()
    return row[0] if row else None


def rows(dsn: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def stream_count(servers: list[str]) -> int:
    """How many messages the stream holds (each event once: the link's ids dedupe)."""

    async def count() -> int:
        client = await nats.connect(servers=servers)
        try:
            return (await client.jetstream().stream_info("CITY")).state.messages
        finally:
            await client.close()

    return run_async(count())
