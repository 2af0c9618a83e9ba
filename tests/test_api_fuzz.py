"""The API under a fuzzer: schemathesis over every operation of `/openapi.json`, as nobody,
a parent and the director at once, against the real server.

Each role's run is schemathesis' command line (`st run`); the runs go at the same time, the
director's twice (two sessions of one account), so requests of different sessions and of
one account interleave. (One worker per run: schemathesis' own threads meet a CPython 3.11
bug, "AST constructor recursion depth mismatch", gh-106905.) Every phase
runs: the coverage of each parameter's edges, fuzzing, and stateful sequences along the
links schemathesis infers (a group created, then read). Every response must be no 5xx and
match the OpenAPI description: its status documented, its body the documented schema.

Two checks are left out, on purpose: `positive_data_acceptance` (the hub refuses values
the schema allows by its own rules — a blank name, an unknown id — with a documented 404 or
422) and `allow_header_conformance` (Starlette's 405 lists only one route's methods when
GET and POST of a path are separate routes). `/events` is a stream that never ends; its
tests read its first events (`test_live_page.py`, `stream_support.py`). A report is a page
too: without a session it sends to the login page (`test_rights_matrix.py`), so nobody's
run leaves `/reports/{name}` out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import cards, corrections, readers, registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account
from web.app import create_app

MAX_EXAMPLES = 12
"""Cases per operation and phase: the four runs take about a minute on two cores."""
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
PARENT = "parent@p11.example.pl"
DIRECTOR = "director@p11.example.pl"


def kindergarten(tmp_path: Path) -> Settings:
    """A group, a child with a guardian (the parent's account), a card, a tap, a correction:
    ids for the fuzzer's examples and links to find."""
    settings = Settings(database=tmp_path / "fuzz.db", cookie_secure=False)
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    child = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=group, active_from="2026-09-01", author="test"
    )["id"]
    registry.add_guardian(db, name="Marta Kowalska", email=PARENT, children=[child], author="test")
    cards.assign_card(db, uid="04A2B3C4", child_id=child, author="test")
    readers.add_reader(db, "wejscie", "Wejście")
    moment = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    with db.atomic():
        taps.insert_new(
            db,
            [taps.tap_row("wejscie", TapMessage("04A2B3C4", 1, 1, 0, None, int(moment.timestamp())), moment)],
        )
    corrections.add_correction(
        db, child_id=child, day=moment.date(), kind="mark_present", reason="test", author="test"
    )
    db.close()
    add_account(settings.database, "parent", email=PARENT, children=[child])
    add_account(settings.database, "director", email=DIRECTOR)
    return settings


def session_headers(url: str, email: str | None) -> list[str]:
    """`st run` options carrying a session (cookie and CSRF token) of `email`; none for nobody."""
    if email is None:
        return []
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/login")
        logged_in = browser.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": browser.cookies["ewid_login_csrf"]},
        )
        assert logged_in.status_code == 303, logged_in.text
        token = CSRF_META.search(browser.get("/account").text)
        assert token, "no CSRF token on the account page"
        return [
            "--header", f"Cookie: ewid_session={browser.cookies['ewid_session']}",
            "--header", f"X-CSRF-Token: {token.group(1)}",
        ]  # fmt: skip


def fuzz(url: str, role: str, email: str | None, reports: Path) -> dict[str, Any]:
    """One role's run of `st run`; its JSON report."""
    report = reports / f"{role}.json"
    command = [
        str(Path(sys.executable).parent / "st"), "run", f"{url}/openapi.json",
        *session_headers(url, email),
        "--exclude-path", "/events",
        *(["--exclude-path", "/reports/{name}"] if email is None else []),
        "--checks", "all",
        "--exclude-checks", "positive_data_acceptance,allow_header_conformance",
        "--max-examples", str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers", "1",
        "--request-timeout", "60",
        "--continue-on-failure",
        "--no-color",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert report.exists(), run.stdout[-5000:] + run.stderr[-5000:]
    result = json.loads(report.read_text())
    result["output"] = run.stdout
    return result


@pytest.mark.parametrize("role", ["anonymous", "parent", "director", "director-again"])
def test_every_operation_answers_as_documented_and_never_5xx(role: str, fuzzed: dict[str, Any]) -> None:
    result = fuzzed[role]
    assert result["complete"], result["output"][-5000:]
    assert result["failures"] == [], result["output"][-20000:]
    assert result["errors"] == [], result["output"][-20000:]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The roles' runs, at the same time, against one server."""
    tmp_path = tmp_path_factory.mktemp("fuzz")
    settings = kindergarten(tmp_path)
    roles = {"anonymous": None, "parent": PARENT, "director": DIRECTOR, "director-again": DIRECTOR}
    app = create_app(settings, EventBus(), lambda: {"connected": True})
    with WebServer(app) as web, ThreadPoolExecutor(len(roles)) as pool:
        runs = {role: pool.submit(fuzz, web.url, role, email, tmp_path) for role, email in roles.items()}
        return {role: run.result() for role, run in runs.items()}
