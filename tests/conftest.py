"""Fixtures with real parts: each test gets its own Mosquitto, database and hub settings.

Each test is also marked by the real parts it needs (`pytest_collection_modifyitems`), so
`make test-fast` can leave out those that start a broker, a browser or MicroPython: from
the fixtures it uses, and by module for tests that start such a part themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.ingest.mqtt_client import Ingest
from hub.store import readers
from hub.store.db import open_database
from tests.support import Mosquitto, free_port

SITE = "test"
TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def english_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line speaks the locale's language (hub.i18n.language_from_environment):
    its tests read English whatever the developer's LANG; a test may set another."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def mosquitto(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto of the production configuration; a test marked `no_packet_limit` gets
    one without its 4 KiB packet limit, to try the hub's own bounds on larger messages."""
    unlimited = request.node.get_closest_marker("no_packet_limit") is not None
    broker = Mosquitto(tmp_path, **({"max_packet_bytes": 0} if unlimited else {}))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A database with readers r1 and r2. Its broker is the test's `mosquitto` when the test
    uses one or is marked `broker`; otherwise a port nobody listens on, so a test of storage
    and rules starts no broker (and one that needs it fails at once, refused)."""
    database = tmp_path / "hub.db"
    db = open_database(database)
    for reader_id in ("r1", "r2"):
        readers.add_reader(db, reader_id, f"Czytnik {reader_id}")
    db.close()
    if "mosquitto" in request.fixturenames or request.node.get_closest_marker("broker"):
        broker_url = request.getfixturevalue("mosquitto").url
    else:
        broker_url = f"mqtt://127.0.0.1:{free_port()}"
    return Settings(database=database, broker_url=broker_url, site=SITE)


@pytest.fixture
def ingest(settings: Settings, mosquitto: Mosquitto) -> Iterator[Ingest]:
    running = Ingest(settings, EventBus())
    running.start()
    assert running.wait_connected(10)
    yield running
    running.stop()


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Chromium is not installed: run `make test`, which installs it with apt")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


BROKER_FIXTURES = {"mosquitto", "ingest", "broker"}
"""Fixtures that start a real broker (`broker` is the firmware tests' Mosquitto)."""
BROWSER_FIXTURES = {"browser", "page"}
MICROPYTHON_FIXTURES = {"bundle", "mp", "reader_factory"}
"""The firmware compiled by mpy-cross and run on the MicroPython interpreter."""
BROKER_MODULES = {
    "firmware/test_tls.py",
    "ingest/test_embedded_broker.py",
    "test_broker_acl.py",
    "test_tls.py",
}
"""Modules that start their own broker (Mosquitto or the embedded one) in the test; these
sets name each module by its path under tests/."""
MICROPYTHON_MODULES = {"ingest/test_embedded_broker.py", "test_reader_to_hub.py", "test_tls.py"}
"""Modules that run the real firmware beside the hub; all of tests/firmware/ does too."""
SLOW_MODULES = {
    "services/test_acks.py",
    "services/test_archive.py",
    "services/test_archive_property.py",
    "services/test_billing.py",
    "services/test_days_fee.py",
    "services/test_days_range.py",
    "test_accounts.py",
    "test_api.py",
    "test_api_fuzz.py",
    "test_backups_page.py",
    "test_concurrency.py",
    "test_deploy.py",
    "test_device_cookies.py",
    "test_event_loop.py",
    "test_http_hardening.py",
    "test_i18n.py",
    "test_injection.py",
    "test_journal_api.py",
    "test_journal_pages.py",
    "test_ledger_pages.py",
    "test_pages_logs.py",
    "test_pages_parent.py",
    "test_pages_registry.py",
    "test_pages_settings.py",
    "test_quarantine.py",
    "test_reports_page.py",
    "test_rights_matrix.py",
    "test_web_auth.py",
    "test_wheel_install.py",
    "test_year_end_page.py",
}
"""Modules of neither kind that still take long, left out of `make test-fast`: the web pages
and the API per role (each signs in: an Argon2 hash, many times), the crawls, the fuzzing,
accounts (Argon2 again), the generated histories (ack classifier, fee days, ranges), the
quarantine's caps, the billing PDFs, the wheel built and installed into a fresh venv and
the service unit's check by systemd-analyze."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test `broker`, `browser`, `micropython` or `slow` by what it uses."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        path = item.path
        module = path.relative_to(TESTS).as_posix()
        if fixtures & BROKER_FIXTURES or module in BROKER_MODULES:
            item.add_marker(pytest.mark.broker)
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if fixtures & MICROPYTHON_FIXTURES or module in MICROPYTHON_MODULES or path.parent.name == "firmware":
            item.add_marker(pytest.mark.micropython)
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
