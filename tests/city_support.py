"""The city's engines for real, on one machine: a three-node NATS cluster with JetStream
(Debian's `nats-server`) and a PostgreSQL cluster (Debian's `postgresql`), each started in a
temporary directory on free ports and stopped after.

    with NatsCluster(tmp_path) as nats, Postgres() as pg:
        nats.kill(1); nats.start_node(1)   # a node lost and back
        psycopg.connect(pg.dsn)

PostgreSQL refuses to run as root, so as root its cluster is made and run by the `postgres`
system user the package creates, in a directory of its own outside pytest's (private) one.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlite_utils import Database

from hub.config import Settings
from hub.store import registry
from hub.store.db import open_database
from tests.journal_support import give_cards
from tests.support import free_port, wait_until

T = TypeVar("T")

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
POSTGRES_BIN = Path("/usr/lib/postgresql")


@dataclass
class NatsNode:
    name: str
    client_port: int
    cluster_port: int
    monitor_port: int
    store_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"


class NatsCluster:
    """Three `nats-server` processes routed into one cluster named `city`, JetStream on each."""

    def __init__(self, workdir: Path, size: int = 3) -> None:
        self.workdir = workdir / "nats"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.nodes = [
            NatsNode(f"n{i + 1}", free_port(), free_port(), free_port(), self.workdir / f"n{i + 1}")
            for i in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def __enter__(self) -> NatsCluster:
        for index in range(len(self.nodes)):
            self.start_node(index, wait=False)
        wait_until(self.ready, timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        for index in range(len(self.nodes)):
            self.kill(index)

    def start_node(self, index: int, *, wait: bool = True) -> None:
        node = self.nodes[index]
        config = self.workdir / f"{node.name}.conf"
        config.write_text(self._config(node))
        log = (self.workdir / f"{node.name}.log").open("ab")
        node.process = subprocess.Popen([NATS_SERVER, "-c", str(config)], stdout=log, stderr=log)
        if wait:
            wait_until(lambda: self._healthy(node), timeout=60)

    def kill(self, index: int) -> None:
        """Stop a node at once (SIGKILL: a machine lost, not a clean shutdown)."""
        node = self.nodes[index]
        if node.process and node.process.poll() is None:
            node.process.kill()
            node.process.wait(timeout=10)
        node.process = None

    def ready(self) -> bool:
        """Every running node healthy with JetStream, and the cluster has a meta leader."""
        running = [node for node in self.nodes if node.process]
        if not all(self._healthy(node) for node in running):
            return False
        meta = self._monitor(running[0], "/jsz").get("meta_cluster", {})
        return bool(meta.get("leader")) and meta.get("cluster_size") == len(self.nodes)

    def _healthy(self, node: NatsNode) -> bool:
        if node.process and node.process.poll() is not None:
            log = (self.workdir / f"{node.name}.log").read_text(errors="replace")
            raise RuntimeError(f"nats-server {node.name} exited: {log[-2000:]}")
        return self._monitor(node, "/healthz?js-enabled-only=true").get("status") == "ok"

    @staticmethod
    def _monitor(node: NatsNode, path: str) -> dict:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{node.monitor_port}{path}", timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError):
            return {}

    def _config(self, node: NatsNode) -> str:
        routes = ", ".join(
            f'"nats-route://127.0.0.1:{other.cluster_port}"' for other in self.nodes if other is not node
        )
        return (
            f'server_name: "{node.name}"\n'
            f"listen: 127.0.0.1:{node.client_port}\n"
            f"http: 127.0.0.1:{node.monitor_port}\n"
            "max_payload: 8MB\n"  # as deploy/city/city-n1.conf: a large site's closed month
            f'jetstream {{ store_dir: "{node.store_dir}", max_memory_store: 64MB, max_file_store: 2GB }}\n'
            f'cluster {{ name: "city", listen: 127.0.0.1:{node.cluster_port}, routes: [{routes}] }}\n'
        )


class Postgres:
    """A PostgreSQL cluster of its own on a Unix socket; `dsn` connects as the superuser `city`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ewidencjoner-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self.bin = max(POSTGRES_BIN.glob("*/bin"), key=lambda path: int(path.parent.name))

    @property
    def dsn(self) -> str:
        return f"host={self.root} port={self.port} user=city dbname=postgres"

    def __enter__(self) -> Postgres:
        self._run("initdb", "-D", str(self.data), "-U", "city", "--auth=trust", "--locale=C.UTF-8")
        self.start()
        return self

    def start(self) -> None:
        options = f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server at once, connections cut (a crash or a restart for an upgrade);
        `start` brings it back with its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own. Once any browser test has run, the session's
    Playwright (tests/conftest.py `browser`) keeps an event loop running in the main thread,
    where `asyncio.run` is refused; the city's tests talk to NATS through this instead."""
    with ThreadPoolExecutor(1, thread_name_prefix="nats-client") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def two_child_site(directory: Path, site: str) -> tuple[Settings, Database, dict[str, int]]:
    """A kindergarten `site` whose link the city tests drive: the group Motylki with Ania and
    Olek Żak, each holding a card (`tests.journal_support.ANIA_CARD`, `OLEK_CARD`)."""
    settings = Settings(database=directory / "site.db", site=site)
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
