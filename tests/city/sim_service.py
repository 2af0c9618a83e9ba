"""The city service as the gmina runs it, `ewidencjoner city serve`, in a process of its own
(so a test can SIGKILL it), and what the city's PostgreSQL holds, read per site."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

import psycopg

from tests.support import wait_until

READY = "city service ready"


class CityService:
    """One instance of `city serve`; `start` waits until it says it is ready."""

    def __init__(self, workdir: Path, name: str, nats: list[str], postgres: str) -> None:
        self.workdir, self.name = workdir, name
        self.command = [sys.executable, "-m", "web", "city", "serve", "--postgres", postgres]
        for url in nats:
            self.command += ["--nats", url]
        self.process: subprocess.Popen[str] | None = None
        self.starts = 0
        self._ready = threading.Event()

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        self._ready.clear()
        log = (self.workdir / f"{self.name}-{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.workdir
        )
        assert self.process.stdout is not None
        threading.Thread(target=self._watch, args=(self.process.stdout, log), daemon=True).start()
        wait_until(self._is_ready, timeout=timeout, interval=0.1)

    def _watch(self, stdout: IO[str], log: IO[str]) -> None:
        """Copy the output to the log, noting the ready line (a pipe left unread would fill)."""
        for line in stdout:
            log.write(line)
            log.flush()
            if READY in line:
                self._ready.set()

    def _is_ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log_text()[-3000:]}")
        return self._ready.is_set()

    def kill(self) -> None:
        """SIGKILL: the machine lost, nothing flushed, no consumer left cleanly."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.workdir.glob(f"{self.name}-*.log")))


class CityView:
    """The city's PostgreSQL as a test reads it."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def counts(self, table: str) -> dict[str, int]:
        """Rows of `events` or `taps` per site (no table exists before the service made it)."""
        assert table in ("events", "taps")
        exists = self.conn.execute("SELECT to_regclass(%s)", [table]).fetchone()
        if not exists or exists[0] is None:
            return {}
        rows = self.conn.execute(f"SELECT site, count(*) FROM {table} GROUP BY site").fetchall()
        return {site: count for site, count in rows}

    def total(self, table: str) -> int:
        return sum(self.counts(table).values())

    def keys(self, site: str) -> set[str]:
        rows = self.conn.execute("SELECT key FROM events WHERE site = %s", [site]).fetchall()
        return {row[0] for row in rows}

    def statements(self, year: int, month: int) -> dict[str, dict[tuple[int, int], dict[str, Any]]]:
        """Each site's statements of the month, by child and version, as the city holds them."""
        rows = self.conn.execute(
            """SELECT site, child_id, version, stay_fee, meals_charged, meals_refunded, minutes_billed
               FROM statements WHERE year = %s AND month = %s""",
            [year, month],
        ).fetchall()
        found: dict[str, dict[tuple[int, int], dict[str, Any]]] = defaultdict(dict)
        for site, child, version, stay, charged, refunded, minutes in rows:
            found[site][(child, version)] = {
                "stay_fee": stay, "meals_charged": charged,
                "meals_refunded": refunded, "minutes_billed": minutes,
            }  # fmt: skip
        return found
