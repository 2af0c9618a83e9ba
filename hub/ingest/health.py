"""Is ingest keeping up? Its state as the writer thread sees it, readable by another process.

Ingest is *stalled* when a message has waited longer than `STALL_AFTER_S` and nothing was
committed for as long: the writer keeps failing (the database is full, locked or broken) or
is stuck. (Behind is not stalled: during a flood messages wait while batches commit.)
`/api/health` reports it from the running hub; `ewidencjoner readers list` runs in another
process, so the writer thread also keeps a heartbeat: a small JSON file beside the database
(`<database>-ingest.json`), rewritten at most every `HEARTBEAT_PERIOD_S`.

A file, not a table: the heartbeat must say "stalled" exactly when the database cannot be
written, and the database's folder is writable whenever SQLite's WAL works. A heartbeat
older than `STALE_AFTER_S` means no hub is running, or its writer is stuck, or it cannot
write even that file: reported too, so a silent hub is never taken for a healthy one.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.timefmt import from_db, to_db, utc_now

log = logging.getLogger(__name__)

STALL_AFTER_S = 30.0
HEARTBEAT_PERIOD_S = 1.0
STALE_AFTER_S = 15.0


def heartbeat_path(database: Path) -> Path:
    return database.with_name(database.name + "-ingest.json")


class Heartbeat:
    """Writes the state to the heartbeat file, at most once per period; never raises."""

    def __init__(self, database: Path) -> None:
        self.path = None if str(database) == ":memory:" else heartbeat_path(database)
        self.written_at = 0.0
        self.failing = False

    def beat(self, state: Callable[[], dict[str, Any]], *, force: bool = False) -> None:
        """Write `state()` if a period has passed since the last write (or `force`)."""
        if self.path is None or not (force or time.monotonic() - self.written_at >= HEARTBEAT_PERIOD_S):
            return
        self.written_at = time.monotonic()
        body = json.dumps({**state(), "pid": os.getpid(), "at": to_db(utc_now())}).encode()
        partial = self.path.with_name(self.path.name + ".tmp")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(body)
            os.replace(partial, self.path)
            self.failing = False
        except OSError as exc:
            if not self.failing:
                log.error("cannot write the ingest heartbeat %s: %s", self.path, exc)
            self.failing = True


def read_heartbeat(database: Path, now: datetime | None = None) -> dict[str, Any]:
    """The last heartbeat with `state`: running, stalled, not running or never run."""
    try:
        data = json.loads(heartbeat_path(database).read_text())
    except FileNotFoundError:
        return {"state": "never run"}
    except (OSError, ValueError) as exc:
        return {"state": "not running", "error": f"unreadable heartbeat: {exc}"}
    age = ((now or utc_now()) - from_db(data["at"])).total_seconds()
    if age > STALE_AFTER_S or data.get("stopped"):
        state = "not running"
    else:
        state = "stalled" if data.get("stalled") else "running"
    return {**data, "state": state, "heartbeat_age_s": round(age, 1)}


def describe_heartbeat(found: dict[str, Any]) -> str:
    """One line for people: how ingest is doing."""
    state = found["state"]
    if state == "never run":
        return "Ingest: no hub has run on this database yet."
    if state == "not running":
        if found.get("stopped"):
            return f"Ingest: NOT RUNNING (stopped {found.get('at', '?')})."
        return f"Ingest: NOT RUNNING or stuck: no heartbeat since {found.get('at', '?')}."
    last_commit = found.get("last_commit_at") or "-"
    if state == "stalled":
        return (
            f"Ingest: STALLED: a message has waited {found.get('oldest_waiting_s')} s uncommitted; "
            f"last error: {found.get('last_error') or '-'}; last commit {last_commit}."
        )
    return f"Ingest: running, {found.get('queued', 0)} waiting, last commit {last_commit}."
