"""A new reader set up without a cable (firmware/setup_ap.py) logs in with its own password
before anyone registered it: the readers page lists it as waiting, with the command that
registers it; once registered it is a reader like the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import quarantine, readers
from hub.timefmt import utc_now
from tests.pages_support import Site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield Site.make(tmp_path)


def test_a_reader_not_in_the_register_is_shown_waiting_until_it_is_added(site: Site) -> None:
    db = site.db()
    with db.atomic():
        for payload in (b'{"online":true,"fw":"1.0.0"}', b'{"v":1,"uid":"04A2B3C4","seq":1}'):
            quarantine.quarantine(
                db,
                topic=f"ewidencjoner/{site.settings.site}/reader/nowe-wejscie/status",
                payload=payload,
                reason="unknown_reader",
                detail="reader 'nowe-wejscie' is not registered",
                received=utc_now(),
                reader_id="nowe-wejscie",
            )
    waiting = quarantine.waiting_readers(db)
    assert [(row["reader_id"], row["messages"]) for row in waiting] == [("nowe-wejscie", 2)]
    page = site.client("director").get("/readers").text
    assert 'id="waiting-nowe-wejscie"' in page and "ewidencjoner readers add nowe-wejscie" in page
    assert "czekające na rejestrację" in page
    readers.add_reader(db, "nowe-wejscie", "Nowe wejście")
    assert quarantine.waiting_readers(db) == []
    assert 'id="waiting-' not in site.client("director").get("/readers").text
    db.close()


def test_a_login_before_registration_only_when_asked(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hub.cli.main import cli

    database = str(tmp_path / "site.db")
    refused = CliRunner().invoke(cli, ["--database", database, "reader", "new-login", "nowe-wejscie"])
    assert refused.exit_code == 1 and "not registered" in refused.output  # a typo makes no login
    made = CliRunner().invoke(
        cli, ["--database", database, "reader", "new-login", "nowe-wejscie", "--before-registration"]
    )
    assert made.exit_code == 0 and "mqtt_user: nowe-wejscie" in made.output


def test_the_migration_keeps_every_login(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from hub.store import broker_credentials
    from hub.store.migrations import MIGRATIONS, migrate
    from hub.store.schema_reader_setup import m017_logins_before_registration

    db = Database(tmp_path / "old.db")
    migrate(db, MIGRATIONS[: MIGRATIONS.index(m017_logins_before_registration)])  # logins after readers
    readers.add_reader(db, "wejscie", "Wejście")
    password = broker_credentials.issue(db, "wejscie")
    before = broker_credentials.reader_hashes(db)
    migrate(db)
    assert broker_credentials.reader_hashes(db) == before
    assert broker_credentials.verify(password, before["wejscie"])
    db.close()
