"""Writers never collide: ingest, the web server's concurrent requests and the command line
share one database file, and no request ever sees another's connection or transaction."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import readers, registry
from hub.store.db import connect, open_database
from tests.conftest import SITE
from tests.support import FakeReaderClient, Mosquitto, WebServer, tap_payload, wait_until
from tests.web_support import PASSWORD, add_account
from web.app import create_app

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(path: Path) -> dict[str, int]:
    return {
        file.name: file.stat().st_mode & 0o777
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    }


def test_the_database_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "data" / "hub.db"
    db = open_database(path)
    readers.add_reader(db, "wejscie", "Wejście")
    assert modes(path) == {"hub.db": 0o600, "hub.db-wal": 0o600, "hub.db-shm": 0o600}
    assert path.parent.stat().st_mode & 0o777 == 0o700
    db.close()


def test_a_database_an_older_version_left_readable_by_all_is_tightened(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "hub.db"
    old = sqlite3.connect(path)
    old.execute("PRAGMA journal_mode = wal")
    old.execute("CREATE TABLE t (x)")
    for file in modes(path):
        os.chmod(tmp_path / file, 0o644)
    connect(path).close()
    assert set(modes(path).values()) == {0o600}
    old.close()


def test_opening_another_connection_keeps_the_wal_of_the_open_ones(tmp_path: Path) -> None:
    """POSIX locks belong to the process: closing any descriptor of the database file drops
    every lock the process holds on it. Then another process (a CLI command) that closes its
    connection believes it is the last, checkpoints and deletes the `-wal` and `-shm` the
    hub still writes to: later commits went to a deleted file, unseen by everyone else."""
    path = tmp_path / "hub.db"
    hub = open_database(path)
    readers.add_reader(hub, "wejscie", "Wejście")
    connect(path).close()  # what every new thread of the web server does
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from hub.store.db import open_database; open_database({str(path)!r}).close()",
        ],
        check=True,
    )
    assert cli.returncode == 0
    assert path.with_name("hub.db-wal").exists()
    readers.add_reader(hub, "ogrod", "Ogród")
    seen = sqlite3.connect(path).execute("SELECT id FROM readers ORDER BY id").fetchall()
    assert seen == [("ogrod",), ("wejscie",)]
    hub.close()


def test_a_write_transaction_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """A DEFERRED transaction that read first fails at once with "database is locked" when
    another connection wrote in between; an IMMEDIATE one makes the other writer wait."""
    db = open_database(tmp_path / "hub.db")
    other = sqlite3.connect(tmp_path / "hub.db", timeout=0)
    with db.atomic():
        db.execute("SELECT count(*) FROM readers").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    db.begin()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    db.rollback()
    assert db.conn.isolation_level == "IMMEDIATE"  # Python's implicit transactions too
    other.close()
    db.close()


def test_each_thread_has_its_own_connection_and_transaction(tmp_path: Path) -> None:
    db = open_database(tmp_path / "hub.db")
    seen: dict[str, object] = {}
    with db.atomic():
        readers.add_reader(db, "wejscie", "Wejście")

        def elsewhere() -> None:
            seen["conn"] = db.conn
            seen["in_transaction"] = db.conn.in_transaction
            seen["readers"] = db.execute("SELECT count(*) FROM readers").fetchone()[0]

        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join(timeout=10)
    assert seen == {"conn": seen["conn"], "in_transaction": False, "readers": 0}
    assert seen["conn"] is not db.conn
    db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        seen["conn"].execute("SELECT 1")  # type: ignore[attr-defined]


def test_an_in_memory_database_is_refused() -> None:
    """Each thread has its own connection: in memory, each would see its own empty database."""
    with pytest.raises(ValueError, match="database file"):
        connect(":memory:")


class Browser:
    """An HTTP client of a running server that logs in through the form, as a browser does."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)

    def log_in(self, email: str, password: str = PASSWORD) -> int:
        self.client.get("/login")
        response = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.client.cookies["ewid_login_csrf"]},
        )
        if response.status_code == 303:
            found = CSRF_META.search(self.client.get("/account").text)
            assert found, "no CSRF token on the account page"
            self.client.headers["X-CSRF-Token"] = found.group(1)
        return response.status_code


def test_two_parents_tabs_asking_for_every_group_at_once_get_403s_not_500s(tmp_path: Path) -> None:
    """Each refusal is logged: two refusals at once used to share one connection's savepoints."""
    settings = Settings(database=tmp_path / "hub.db", cookie_secure=False)
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author="test")
    child = registry.add_child(db, first_name="Ala", last_name="Nowak", group="Motylki", author="test")
    db.close()
    add_account(settings.database, "parent", children=[child["id"]])
    with WebServer(create_app(settings, EventBus())) as web:
        parent = Browser(web.url)
        assert parent.log_in("parent@p11.example.pl") == 303

        def ask() -> list[int]:
            with httpx.Client(base_url=web.url, cookies=parent.client.cookies, timeout=60) as tab:
                return [tab.get("/api/groups").status_code for _ in range(200)]

        with ThreadPoolExecutor(2) as pool:
            answers = [code for codes in pool.map(lambda _: ask(), range(2)) for code in codes]
    assert answers == [403] * 400
    db = open_database(settings.database)
    assert db.execute("SELECT count(*) FROM denied_actions WHERE path = '/api/groups'").fetchone()[0] == 400
    db.close()


FLOOD = 5_000
STEADY_PER_S = 100
LOGINS = 50
CORRECTIONS = 50


def test_logins_and_corrections_while_ingest_stores_a_flood_of_taps(
    settings: Settings, mosquitto: Mosquitto, ingest: Ingest
) -> None:
    """The reproduction of "logins answered 500 database is locked" during a flood: 50 logins
    and 50 corrections at once over HTTP while ingest takes a steady 100 taps/s and 5,000 more
    arrive at once, on the same database file. No 5xx, and every write is there."""
    settings = replace(settings, cookie_secure=False)
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author="test")
    child = registry.add_child(db, first_name="Ala", last_name="Nowak", group="Motylki", author="test")
    db.close()
    teachers = [add_account(settings.database, "teacher", email=f"t{n}@p11.example.pl") for n in range(5)]
    add_account(settings.database, "director")
    day = (datetime.now(settings.tz) - timedelta(days=1)).date().isoformat()
    steady_reader = FakeReaderClient(mosquitto.port, SITE, "r1")
    flood_reader = FakeReaderClient(mosquitto.port, SITE, "r2")
    stop_steady = threading.Event()
    steady_sent: list[int] = []

    def steady() -> None:
        while not stop_steady.wait(1 / STEADY_PER_S):
            steady_sent.append(len(steady_sent) + 1)
            steady_reader.publish("tap", tap_payload(steady_sent[-1], uid="04AAAAAAAAAAAA"))

    with WebServer(create_app(settings, EventBus(), ingest.describe)) as web:
        director = Browser(web.url)
        assert director.log_in("director@p11.example.pl") == 303

        def log_in(n: int) -> int:
            return Browser(web.url).log_in(teachers[n % len(teachers)]["email"])

        def correct(n: int) -> int:
            fix = {
                "child_id": child["id"],
                "day": day,
                "kind": "add_arrival",
                "time": f"07:{n:02d}",
                "reason": f"forgot the card ({n})",
            }
            return director.client.post("/api/corrections", json=fix).status_code

        steady_thread = threading.Thread(target=steady, name="steady-taps")
        steady_thread.start()
        try:
            for seq in range(1, FLOOD + 1):
                flood_reader.publish("tap", tap_payload(seq, uid="04BBBBBBBBBBBB"))
            with ThreadPoolExecutor(16) as pool:
                asked = [(pool.submit(log_in, n), pool.submit(correct, n)) for n in range(LOGINS)]
                logins = [login.result() for login, _ in asked]
                corrections = [correction.result() for _, correction in asked]
        finally:
            stop_steady.set()
            steady_thread.join(timeout=10)
    assert logins == [303] * LOGINS
    assert corrections == [201] * CORRECTIONS
    expected = FLOOD + len(steady_sent)
    db = open_database(settings.database)
    try:
        wait_until(lambda: db.execute("SELECT count(*) FROM taps").fetchone()[0] == expected, timeout=120)
        logged_in = db.execute("SELECT count(*) FROM login_attempts WHERE outcome = 'ok'").fetchone()[0]
        assert logged_in == LOGINS + 1  # and the director's
        assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == CORRECTIONS
    finally:
        db.close()
    steady_reader.close()
    flood_reader.close()
