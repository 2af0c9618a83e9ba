"""`/year-end` over HTTP: the administrator does the routine step by step onto a disk, each
step's state read back as recorded and audited; the director sees it without a button and
is refused a step; a year not on the list, a step out of order and no place for the archive
are refused with the page again and nothing done."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import audit, messages
from hub.store import backups as register
from hub.store.db import open_database
from tests.backup_support import data_dir_with_attachments
from tests.pages_support import errors
from tests.web_support import signed_in
from web.app import create_app

STEPS = ("messages", "archive", "verify", "backup", "purge")


def site(tmp_path: Path, **settings: object) -> tuple[Settings, object]:
    db, database = data_dir_with_attachments(tmp_path)
    db.close()
    site_settings = Settings(database=database, **settings)  # type: ignore[arg-type]
    return site_settings, create_app(site_settings, EventBus())


def current_step(client: TestClient) -> str:
    page = client.get("/year-end?year=2025").text
    return page.split('aria-current="step"', 1)[0].rsplit('class="panel step-', 1)[1].split('"', 1)[0]


def test_the_administrator_does_the_routine_step_by_step(tmp_path: Path) -> None:
    (tmp_path / "dysk").mkdir()
    settings, app = site(tmp_path, archive_dir=tmp_path / "dysk")
    admin = signed_in(app, settings.database, "admin")
    director = signed_in(app, settings.database, "director")
    first = admin.get("/year-end")
    assert first.status_code == 200 and "Rok szkolny 2025/2026" in first.text
    assert "Następny krok: zamknięcie wiadomości roku szkolnego." in first.text
    assert str(tmp_path / "dysk") in first.text
    for step in STEPS:
        assert current_step(admin) == "next"
        assert f'action="/year-end/{step}"' in admin.get("/year-end?year=2025").text
        done = admin.post(f"/year-end/{step}", data={"year": "2025"}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == f"/year-end?year=2025&done={step}"
    finished = admin.get("/year-end?year=2025&done=purge").text
    assert (
        "Zakończenie roku szkolnego 2025/2026 jest wykonane." in finished
        and 'aria-current="step"' not in finished
    )
    assert "Zrobione: usunięcie danych po okresie przechowywania." in finished
    assert "ewidencjoner-przedszkole-archiwum-2025-2026" in finished and "Kompletne i poprawne" in finished
    assert (
        finished.count('class="step-state step-done"') == 5
        and '<form method="post" action="/year-end/' not in finished
    )
    seen = director.get("/year-end?year=2025").text
    assert "Zakończenie roku szkolnego 2025/2026 jest wykonane." in seen
    db = open_database(settings.database)
    kinds = sorted(row["kind"] for row in register.entries(db))
    assert kinds == ["backup", "copy"] and messages.is_closed(db, "2025/2026")
    actors = {entry["actor"] for entry in audit.entries(db, entity="archive")}
    assert actors == {admin.account["email"]}  # type: ignore[attr-defined]
    log = director.get("/audit?entity=archive").text
    assert "Zapisano archiwum roczne" in log and "Sprawdzono archiwum roczne" in log


def test_the_director_sees_the_state_but_does_no_step(tmp_path: Path) -> None:
    (tmp_path / "dysk").mkdir()
    settings, app = site(tmp_path, archive_dir=tmp_path / "dysk")
    director = signed_in(app, settings.database, "director")
    page = director.get("/year-end").text
    assert "Te kroki wykonuje administrator; widzisz ich stan." in page
    assert 'action="/year-end/messages"' not in page
    assert director.post("/year-end/messages", data={"year": "2025"}).status_code == 403
    teacher = signed_in(app, settings.database, "teacher")
    assert teacher.get("/year-end").status_code == 403
    assert not messages.is_closed(open_database(settings.database), "2025/2026")


def test_refused_steps_change_nothing(tmp_path: Path) -> None:
    settings, app = site(tmp_path)  # no archive_dir, no backup_dir
    admin = signed_in(app, settings.database, "admin")
    for year in ("2026", "1999", "abc", "²", ""):
        refused = admin.post("/year-end/messages", data={"year": year})
        assert refused.status_code == 422 and errors(refused.text) == ["Wybierz rok szkolny z listy."], year
    assert admin.get("/year-end?year=2019").status_code == 422
    refused = admin.post("/year-end/backup", data={"year": "2025"})
    assert refused.status_code == 422
    assert errors(refused.text) == ["Kroki idą po kolei: najpierw zamknięcie wiadomości roku szkolnego."]
    assert admin.post("/year-end/erase", data={"year": "2025"}).status_code == 422
    assert admin.post("/year-end/messages", data={"year": "2025"}, follow_redirects=False).status_code == 303
    refused = admin.post("/year-end/archive", data={"year": "2025"})
    assert refused.status_code == 422 and errors(refused.text) == [
        "Nie ustawiono katalogu archiwum rocznego (ustawienie archive_dir lub backup_dir)."
    ]
    again = admin.post("/year-end/messages", data={"year": "2025"})
    assert again.status_code == 422 and errors(again.text) == [
        "Ten krok roku szkolnego 2025/2026 jest już wykonany."
    ]
    db = open_database(settings.database)
    assert register.entries(db) == [] and not messages.is_closed(db, "2024/2025")
