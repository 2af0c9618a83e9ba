"""The end-of-year routine over a real database (`hub/services/year_end.py`): each step's
state read from what its own service recorded, the steps done only in order, each refused
step changing nothing, the archive's destination, and the whole routine run twice (the
second run does nothing again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub import archive_read
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.year_end import STEPS, backup_purpose
from hub.services import backups, year_end
from hub.store import audit, messages
from hub.store import backups as register
from hub.store import year_end as store
from hub.store.db import SiteDatabase, open_database
from tests.backup_support import data_dir_with_attachments

YEAR = 2025
"""2025/2026, ended on 31 August 2026."""
NOW = datetime(2026, 9, 2, 8, 0, tzinfo=UTC)
ADMIN = "admin@p11.example.pl"
Site = tuple[Settings, SiteDatabase]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    db, database = data_dir_with_attachments(tmp_path)
    (tmp_path / "kopie").mkdir()
    return Settings(database=database, backup_dir=tmp_path / "kopie"), db


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def perform(site: Site, step: year_end.Step, minutes: int) -> str:
    settings, db = site
    return year_end.perform(db, settings, YEAR, step, actor=ADMIN, now=later(minutes))


def test_nothing_done_the_messages_are_next(site: Site) -> None:
    _settings, db = site
    state = year_end.status(db, YEAR)
    assert state.name == "2025/2026" and state.next == "messages" and state.due == ["messages"]
    assert [entry.state for entry in state.steps] == ["next", "waiting", "waiting", "waiting", "waiting"]
    assert (state.messages, state.archive, state.backup, state.purge) == (None, None, None, None)


def test_a_year_not_ended_is_refused_and_nothing_changes(site: Site) -> None:
    settings, db = site
    with pytest.raises(Refusal) as refused:
        year_end.perform(db, settings, 2026, "messages", actor=ADMIN, now=NOW)
    assert refused.value.code == "year_end.not_ended" and refused.value.params == {"year": "2026/2027"}
    assert not messages.is_closed(db, "2026/2027")


def test_steps_out_of_order_are_refused_naming_the_step_to_do_first(
    site: Site,
) -> None:
    _settings, db = site
    for step in ("archive", "verify", "backup", "purge"):
        with pytest.raises(Refusal) as refused:
            perform(site, step, 0)
        assert refused.value.code == "year_end.step_not_due"
        assert refused.value.params == {"step": "close the school year's messages"}
    assert register.entries(db) == [] and store.latest_purge(db) is None
    assert list(year_end.destination(site[0]).iterdir()) == []


def test_closing_the_messages_is_read_from_the_closed_years(site: Site) -> None:
    _settings, db = site
    assert perform(site, "messages", 0) == "closed 0 messages of 2025/2026"
    state = year_end.status(db, YEAR)
    assert state.messages is not None and state.messages["closed_by"] == ADMIN
    assert state.state_of("messages") == "done" and state.next == "archive"
    with pytest.raises(Refusal) as refused:
        perform(site, "messages", 2)
    assert refused.value.code == "year_end.step_done"


def test_messages_closed_elsewhere_count_too(site: Site) -> None:
    _settings, db = site
    messages.close_year(db, "2025/2026", actor="cli:root", today=NOW.date(), now=NOW)
    assert year_end.status(db, YEAR).next == "archive"


def test_the_whole_routine_step_by_step(site: Site) -> None:
    settings, db = site
    perform(site, "messages", 0)
    written = perform(site, "archive", 1)
    state = year_end.status(db, YEAR)
    archive = state.archive
    assert archive is not None and state.next == "verify"
    folder = Path(archive["location"])
    assert (
        folder.parent == year_end.destination(settings)
        and folder.name == "ewidencjoner-przedszkole-archiwum-2025-2026"
    )
    assert (
        archive["sha256"] == archive_read.sha256_of(folder / archive_read.MANIFEST)
        and archive["sha256"] in written
    )
    assert (
        archive["files"] == len(list(p for p in folder.rglob("*") if p.is_file()))
        and archive["made_by"] == ADMIN
    )
    assert perform(site, "verify", 2) == f"{folder} is whole and valid"
    detail = perform(site, "backup", 3)
    made = register.entries(db)[0]
    assert made["purpose"] == backup_purpose(YEAR) and made["verified"] == 1 and made["kind"] == "backup"
    assert Path(made["location"]).parent == folder.parent and detail.startswith(f"backup no. {made['id']}")
    assert backups.problems_of(Path(made["location"])) == []
    assert year_end.status(db, YEAR).next == "purge"
    perform(site, "purge", 4)
    state = year_end.status(db, YEAR)
    assert state.next is None and state.due == [] and [entry.state for entry in state.steps] == ["done"] * 5
    assert state.purge is not None and state.purge["actor"] == ADMIN and "taps" in state.purge["removed"]
    actions = {entry["action"] for entry in audit.entries(db, since=NOW)}
    assert actions == {"message.close_year", "backup.copy", "archive.write", "archive.verify",
                       "backup.create", "retention.purge"}  # fmt: skip


def test_a_daily_backup_or_one_made_before_the_archive_does_not_count(site: Site) -> None:
    settings, db = site
    perform(site, "messages", 0)
    daily, yearly = settings.backup_dir or Path(), year_end.destination(settings)
    for folder, by, purpose, minutes in ((daily, "schedule", backups.ROUTINE_PURPOSE, 1),
                                         (yearly, ADMIN, backup_purpose(YEAR), 2)):  # fmt: skip
        backups.make_backup(db, database=settings.database, backup_dir=folder, site="p", made_by=by,
                            purpose=purpose, now=later(minutes))  # fmt: skip
    perform(site, "archive", 3)
    perform(site, "verify", 4)
    state = year_end.status(db, YEAR)
    assert state.backup is not None and state.state_of("backup") == "next"


def test_a_damaged_archive_fails_its_verification_and_is_written_again(site: Site) -> None:
    _settings, db = site
    perform(site, "messages", 0)
    perform(site, "archive", 1)
    first = year_end.status(db, YEAR).archive
    assert first is not None
    xml = Path(first["location"]) / archive_read.XML_NAME
    xml.write_bytes(xml.read_bytes().replace(b"<", b"<", 1) + b" ")
    with pytest.raises(Refusal) as refused:
        perform(site, "verify", 2)
    assert refused.value.code == "year_end.archive_invalid"
    state = year_end.status(db, YEAR)
    assert state.state_of("verify") == "failed" and state.due == ["archive", "verify"]
    assert state.archive is not None and state.archive["verified"] == 0 and state.archive["problems"]
    with pytest.raises(Refusal) as refused:
        perform(site, "backup", 3)
    assert refused.value.code == "year_end.step_not_due"
    perform(site, "archive", 4)
    again = year_end.status(db, YEAR).archive
    assert (
        again is not None and again["location"] == first["location"] + "-2" and again["verified_at"] is None
    )
    perform(site, "verify", 5)
    assert year_end.status(db, YEAR).next == "backup"


def test_run_does_every_step_once_then_reports_them_done(site: Site) -> None:
    settings, db = site
    clock = iter(later(minutes) for minutes in range(100))
    seen: list[year_end.Outcome] = []
    state = year_end.run(db, settings, YEAR, folder=year_end.destination(settings), actor=ADMIN,
                         now=lambda: next(clock), report=seen.append)  # fmt: skip
    assert state.next is None
    assert [(o.step, o.result) for o in seen] == [(step, "made") for step in STEPS]
    copies = len(register.entries(db))
    seen.clear()
    year_end.run(db, settings, YEAR, folder=year_end.destination(settings), actor=ADMIN,
                 now=lambda: next(clock), report=seen.append)  # fmt: skip
    assert [(o.step, o.result) for o in seen] == [(step, "done") for step in STEPS]
    assert len(register.entries(db)) == copies


def test_run_stops_at_the_first_refusal(site: Site) -> None:
    settings, db = site
    seen: list[year_end.Outcome] = []
    with pytest.raises(Refusal) as refused:
        year_end.run(db, settings, YEAR, folder=settings.backup_dir or Path(), actor=ADMIN, now=lambda: NOW,
                     report=seen.append)  # fmt: skip
    assert refused.value.code == "year_end.destination_is_backup_dir" and seen == []
    assert not messages.is_closed(db, "2025/2026")


def test_where_the_archive_goes(tmp_path: Path) -> None:
    with pytest.raises(Refusal) as refused:
        year_end.destination(Settings())
    assert refused.value.code == "year_end.no_destination"
    unmounted = Settings(backup_dir=tmp_path / "niezamontowany")
    with pytest.raises(Refusal) as refused:
        year_end.destination(unmounted)
    assert refused.value.code == "year_end.dir_missing" and not unmounted.backup_dir.exists()  # type: ignore[union-attr]
    (tmp_path / "kopie").mkdir()
    beside = Settings(backup_dir=tmp_path / "kopie")
    assert year_end.destination(beside, make=False) == tmp_path / "kopie" / "archiwum"
    assert not (tmp_path / "kopie" / "archiwum").exists()
    assert year_end.destination(beside).is_dir()
    same = Settings(backup_dir=tmp_path / "kopie", archive_dir=tmp_path / "kopie")
    with pytest.raises(Refusal) as refused:
        year_end.destination(same)
    assert refused.value.code == "year_end.destination_is_backup_dir"
    (tmp_path / "dysk").mkdir()
    own = Settings(backup_dir=tmp_path / "kopie", archive_dir=tmp_path / "dysk")
    assert year_end.destination(own) == (tmp_path / "dysk").resolve()


def test_an_unknown_step_is_refused(site: Site) -> None:
    with pytest.raises(Refusal) as refused:
        perform(site, "erase", 0)  # type: ignore[arg-type]
    assert refused.value.code == "year_end.unknown_step"


def test_the_database_reopened_keeps_the_state(site: Site) -> None:
    settings, db = site
    perform(site, "messages", 0)
    db.close()
    with open_database(settings.database) as again:
        assert year_end.status(again, YEAR).next == "archive"
