"""A kindergarten for the registry, settings, parent, log and report pages' tests: two groups,
a child in each (Ania with her mother's account-to-be as guardian), and signed-in clients by role.

    site = Site.make(tmp_path)
    site.client("secretary").get("/registry/children")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.web_support import signed_in
from web.app import create_app

ROLES = ("admin", "director", "secretary", "teacher", "parent", "inspector")
PARENT_EMAIL = "marta.kowalska@example.pl"
INJECTION = '<script>alert("x")</script><b onmouseover="alert(1)">'
ERROR = re.compile(r'class="(?:field-error|form-error)"[^>]*>([^<]*)')


@dataclass
class Site:
    settings: Settings
    app: FastAPI
    motylki: int
    zabki: int
    ania: int
    """In Motylki; her guardian is the parent account's."""
    olek: int
    """In Żabki; nobody's parent account."""
    clients: dict[str, TestClient] = field(default_factory=dict)

    @classmethod
    def make(cls, tmp_path: Path) -> Site:
        settings = Settings(database=tmp_path / "pages.db")
        db = open_database(settings.database)
        motylki = registry.add_group(db, "Motylki", teachers="Maria Nowak", author="test")["id"]
        zabki = registry.add_group(db, "Żabki", author="test")["id"]
        ania = registry.add_child(
            db, first_name="Ania", last_name="Kowalska", group=motylki, active_from="2026-09-01",
            birth_date="2021-05-04", author="test",
        )["id"]  # fmt: skip
        olek = registry.add_child(
            db, first_name="Olek", last_name="Żak", group=zabki, active_from="2026-09-01", author="test"
        )["id"]
        registry.add_guardian(
            db, name="Marta Kowalska", email=PARENT_EMAIL, children=[ania], relation="matka", author="test"
        )
        db.close()
        return cls(settings, create_app(settings, EventBus()), motylki, zabki, ania, olek)

    def client(self, role: str, **account: Any) -> TestClient:
        """A client signed in as this role's account (made once): the teacher of Motylki, the
        parent of Ania, an inspector granted every read right until the end of 2099."""
        if role not in self.clients:
            defaults: dict[str, Any] = {
                "teacher": {"groups": [self.motylki]},
                "parent": {"email": PARENT_EMAIL, "children": [self.ania]},
                "inspector": {"expires_on": date(2099, 12, 31)},
            }.get(role, {})
            self.clients[role] = signed_in(self.app, self.settings.database, role, **{**defaults, **account})
        return self.clients[role]

    def db(self) -> Database:
        return open_database(self.settings.database)


def store_tap(db: Database, seq: int, uid: str, moment: datetime) -> None:
    """A tap on reader `wejscie` at `moment` (by the reader's clock), stored as ingest stores it."""
    with db.atomic():
        taps.insert_new(
            db, [taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)]
        )


def errors(html: str) -> list[str]:
    """The reasons a refused form shows, as the person reads them."""
    return [unescape(text) for text in ERROR.findall(html)]


def without_csrf(client: TestClient) -> TestClient:
    """The same session, its requests no longer carrying the CSRF token (a forged form)."""
    forged = TestClient(client.app, base_url=str(client.base_url))
    forged.cookies = client.cookies
    return forged
