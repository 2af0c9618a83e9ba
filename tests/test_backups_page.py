"""`/admin/backups` over HTTP: the register of copies, a backup made now with its purpose, an
extra copy recorded for whom, verifying again; refused forms change nothing; only the
administrator and the director; every change audited."""

from __future__ import annotations

from pathlib import Path

from hub.config import Settings
from hub.ingest.events import EventBus
from hub.store import audit
from hub.store import backups as register
from hub.store.db import open_database
from tests.pages_support import errors
from tests.web_support import signed_in
from web.app import create_app


def site(tmp_path: Path, backup_dir: Path | None) -> tuple[Settings, object]:
    settings = Settings(database=tmp_path / "data" / "pages.db", backup_dir=backup_dir, backup_at="02:30")
    open_database(settings.database).close()
    return settings, create_app(settings, EventBus())


def test_make_record_verify_and_list(tmp_path: Path) -> None:
    (tmp_path / "disk").mkdir()
    settings, app = site(tmp_path, tmp_path / "disk")
    director = signed_in(app, settings.database, "director")
    page = director.get("/admin/backups")
    assert page.status_code == 200 and "02:30" in page.text and "Nie ma jeszcze kopii." in page.text
    made = director.post("/admin/backups/run", data={"purpose": "archiwum roczne"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/admin/backups?made=1"
    recorded = director.post(
        "/admin/backups/copies",
        data={"recipient": "Kuratorium, kontrola", "location": "pendrive nr 3", "source": "1"},
        follow_redirects=False,
    )
    assert recorded.headers["location"] == "/admin/backups?recorded=2"
    verified = director.post("/admin/backups/1/verify", follow_redirects=False)
    assert verified.headers["location"] == "/admin/backups?verified=1"
    listed = director.get("/admin/backups?verified=1").text
    assert "archiwum roczne" in listed and "Kuratorium, kontrola" in listed and "pendrive nr 3" in listed
    db = open_database(settings.database)
    assert [row["made_by"] for row in register.entries(db)] == [director.account["email"]] * 2
    actions = {entry["action"] for entry in audit.entries(db, entity="backup")}
    assert actions == {"backup.create", "backup.copy", "backup.verify"}
    log = director.get("/audit?entity=backup").text
    for words in ("Wykonano kopię zapasową", "Zapisano dodatkową kopię dziennika", "Kuratorium, kontrola"):
        assert words in log


def test_refused_forms_change_nothing(tmp_path: Path) -> None:
    (tmp_path / "disk").mkdir()
    settings, app = site(tmp_path, tmp_path / "disk")
    director = signed_in(app, settings.database, "director")
    refused = director.post("/admin/backups/run", data={"purpose": " "})
    assert refused.status_code == 422 and errors(refused.text) == [
        "Dla kogo lub w jakim celu: to pole jest wymagane."
    ]
    refused = director.post("/admin/backups/copies", data={"recipient": "", "location": "dysk"})
    assert refused.status_code == 422 and "dysk" in refused.text
    refused = director.post(
        "/admin/backups/copies", data={"recipient": "X", "location": "dysk", "source": "7"}
    )
    assert refused.status_code == 422 and errors(refused.text) == ["W rejestrze nie ma kopii numer 7."]
    refused = director.post(
        "/admin/backups/copies", data={"recipient": "X", "location": "dysk", "source": "²"}
    )
    assert refused.status_code == 422
    for number in ("7", "99999999999999999999", "abc"):
        assert director.post(f"/admin/backups/{number}/verify").status_code == 422
    assert register.entries(open_database(settings.database)) == []
    assert list((tmp_path / "disk").iterdir()) == []


def test_no_backup_directory_set_or_mounted(tmp_path: Path) -> None:
    settings, app = site(tmp_path, None)
    director = signed_in(app, settings.database, "director")
    refused = director.post("/admin/backups/run", data={"purpose": "kopia"})
    assert refused.status_code == 422 and "backup_dir" in refused.text
    settings, app = site(tmp_path / "b", tmp_path / "unmounted")
    director = signed_in(app, settings.database, "director", email="d2@p11.example.pl")
    refused = director.post("/admin/backups/run", data={"purpose": "kopia"})
    assert refused.status_code == 422 and "czy dysk jest podłączony?" in refused.text
    assert not (tmp_path / "unmounted").exists()


def test_only_the_administrator_and_director(tmp_path: Path) -> None:
    (tmp_path / "disk").mkdir()
    settings, app = site(tmp_path, tmp_path / "disk")
    assert signed_in(app, settings.database, "admin").get("/admin/backups").status_code == 200
    for role in ("teacher", "secretary"):
        client = signed_in(app, settings.database, role, email=f"{role}@p11.example.pl")
        assert client.get("/admin/backups").status_code == 403
        assert client.post("/admin/backups/run", data={"purpose": "x"}).status_code == 403
    assert list((tmp_path / "disk").iterdir()) == []
