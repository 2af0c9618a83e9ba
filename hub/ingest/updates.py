"""Serving a firmware release to readers over MQTT (firmware/README.md, "Updates over the air").

The hub offers the release on the reader's `ota` topic (version, the manifest's size and
its HMAC under the reader's key); the reader asks for one chunk at a time on its `update`
topic, the manifest first, and the hub
answers each request from the release folder. The hub keeps no transfer state a reader
depends on: a reader that lost power, a message or its connection asks again from what it
has, and an offer repeated after a silence resumes a staged download. A job ends when the
reader's `status` reports the new version confirmed healthy (`"ota":"ok"`), or the old one
after a rollback.

`UpdateServer` speaks MQTT only through the `publish` function given and keeps no database;
`UpdateService` (below) feeds it from the database and records the states.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from hub.services.firmware_release import Release, ReleaseError, load_release
from hub.store import firmware_updates
from hub.wire import reader_topic

REOFFER_S = 20.0
"""A job that heard nothing from its reader this long is offered again (the reader resumes)."""

DONE = "done"
FAILED = "failed"
ROLLED_BACK = "rolled-back"
FINAL = (DONE, FAILED, ROLLED_BACK)

Publish = Callable[[str, bytes], None]
OnState = Callable[[str, str, str], None]
"""(reader id, state, detail): offered, sending, switching, trial, done, failed, rolled-back."""


@dataclass
class Job:
    reader_id: str
    release: Release
    key_hex: str
    state: str = "offered"
    detail: str = ""
    sent: int = 0
    heard: float = field(default_factory=time.monotonic)
    restarted: bool = False


class UpdateServer:
    def __init__(self, site: str, publish: Publish, on_state: OnState | None = None) -> None:
        self.site = site
        self._publish = publish
        self._on_state = on_state or (lambda reader_id, state, detail: None)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, reader_id: str, release: Release, key_hex: str) -> None:
        """Offer `release` to the reader (again, if it was offered before)."""
        job = Job(reader_id, release, key_hex)
        with self._lock:
            self._jobs[reader_id] = job
        self._offer(job)
        self._set(job, "offered", release.version)

    def job(self, reader_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(reader_id)

    def _offer(self, job: Job) -> None:
        release = job.release
        body = {
            "op": "offer",
            "ver": release.version,
            "size": len(release.manifest.encode()),
            "sig": release.signature(job.key_hex),
        }
        self._send(job.reader_id, body)
        job.heard = time.monotonic()

    def _send(self, reader_id: str, body: dict[str, object]) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        self._publish(reader_topic(self.site, reader_id, "ota"), payload)

    def _set(self, job: Job, state: str, detail: str = "") -> None:
        if (state, detail) != (job.state, job.detail) or state == "offered":
            job.state, job.detail = state, detail
            self._on_state(job.reader_id, state, detail)

    def on_update(self, reader_id: str, payload: bytes) -> None:
        """A message from the reader's `update` topic: a chunk request or a state report."""
        job = self.job(reader_id)
        if job is None or job.state in FINAL:
            return
        try:
            msg = json.loads(payload)
        except ValueError:
            return
        if not isinstance(msg, dict) or msg.get("ver") != job.release.version:
            return
        job.heard = time.monotonic()
        op = msg.get("op")
        if op == "need":
            name, offset = msg.get("f"), msg.get("off")
            if not isinstance(name, str) or not isinstance(offset, int):
                return
            data = job.release.chunk(name, offset)
            if data is None:
                return
            body = {"op": "data", "ver": job.release.version, "f": name, "off": offset}
            body["d"] = base64.b64encode(data).decode()
            self._send(reader_id, body)
            job.sent += len(data)
            self._set(job, "sending", name)
        elif op == "state":
            st = msg.get("st")
            if st == "switching":
                self._set(job, "switching")
            elif st == "current":
                self._set(job, DONE, "already running " + job.release.version)
            elif st == "refused":
                self._set(job, FAILED, str(msg.get("why", ""))[:80])

    def on_status(self, reader_id: str, status: dict[str, object]) -> None:
        """The reader's `status`: which version runs, and whether it is on trial."""
        job = self.job(reader_id)
        if job is None or job.state in FINAL or not status.get("online"):
            return
        job.heard = time.monotonic()
        fw, ota = status.get("fw"), status.get("ota")
        if fw == job.release.version:
            if ota == "ok":
                self._set(job, DONE)
            elif ota == "trial":
                self._set(job, "trial")
        elif job.state in ("switching", "trial") and ota == "rolled-back":
            self._set(job, ROLLED_BACK, f"{reader_id} went back to {fw}")
        elif job.state in ("offered", "sending") and ota != "fetching":
            self._offer(job)  # restarted mid-download (a power cut): it resumes from its flash

    def tick(self) -> None:
        """Offer again to readers silent for REOFFER_S (restarted mid-download, message lost)."""
        now = time.monotonic()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            waiting = job.state in ("offered", "sending")
            if waiting and now - job.heard > REOFFER_S:
                self._offer(job)


class UpdateService:
    """The update server inside the hub's ingest: starts the updates the database asks for
    (`ewidencjoner readers update`), records each reader's update state, and re-offers.

    `handle` runs on paho's network thread (no database); `run_once` on ingest's updates
    thread, with its own connection."""

    def __init__(self, site: str, publish: Publish) -> None:
        self.server = UpdateServer(site, publish, self._changed)
        self._changes: queue.Queue[tuple[str, str, str]] = queue.Queue()

    def _changed(self, reader_id: str, state: str, detail: str) -> None:
        self._changes.put((reader_id, state, detail))

    def handle(self, reader_id: str, kind: str, payload: bytes) -> None:
        if kind == "update":
            self.server.on_update(reader_id, payload)
        elif kind == "status":
            try:
                status = json.loads(payload)
            except ValueError:
                return  # intake quarantines it
            if isinstance(status, dict):
                self.server.on_status(reader_id, status)

    def run_once(self, db: Database) -> None:
        firmware_updates.advance(db)
        for row in firmware_updates.active(db):
            job = self.server.job(row["reader_id"])
            if job is not None and job.release.version == row["version"]:
                continue
            key = firmware_updates.key_of(db, row["reader_id"])
            try:
                if key is None:
                    raise ReleaseError("the reader has no update key: provision it again")
                release = load_release(Path(row["release_dir"]))
                if release.version != row["version"]:
                    raise ReleaseError(f"{row['release_dir']} now holds version {release.version}")
            except ReleaseError as exc:
                firmware_updates.set_state(db, row["reader_id"], FAILED, str(exc))
                continue
            self.server.start(row["reader_id"], release, key)
        self.server.tick()
        while True:
            try:
                reader_id, state, detail = self._changes.get_nowait()
            except queue.Empty:
                break
            firmware_updates.set_state(db, reader_id, state, detail)
