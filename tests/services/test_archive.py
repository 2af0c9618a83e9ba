"""The yearly archive of a demo-style school year holding every kind of record: valid against
the published schema, every section filled, Polish letters kept, read back by `inspect` as the
day pages compute the days; tampering (a changed byte, a file removed or added, an XML that
breaks the schema under a forged manifest) fails `verify`; an open year and an existing
directory are refused; writing is audited and registered."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from hub.archive_read import MANIFEST, NAMESPACE, SCHEMA, XML_NAME, ArchivedYear, problems, sha256_of
from hub.cli.main import cli
from hub.refusal import Refusal
from hub.rules.school_year import school_year_end, school_year_start
from hub.services import days
from hub.services.archive import ArchiveSummary, verify_archive, write_archive
from hub.store import registry
from hub.store.db import open_database
from hub.timefmt import local_clock
from tests.archive_support import ATTACHMENT, POLISH_CHILD, SCHOOL_YEAR_OVER, Year, june_year, seed_year

SECTIONS = (
    "groups", "guardians", "children", "cards", "attendance", "absences", "corrections", "topics",
    "workPlans", "observations", "readiness", "messages", "announcements", "closedMonths", "auditLog",
)  # fmt: skip


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    return seed_year(tmp_path_factory.mktemp("year"))


@pytest.fixture(scope="module")
def archived(year: Year, tmp_path_factory: pytest.TempPathFactory) -> ArchiveSummary:
    db = open_database(year.settings.database)
    try:
        return write_archive(
            db, year.settings, year.school_year, tmp_path_factory.mktemp("out") / "archiwum",
            author="admin@example.pl", now=year.archived_at,
        )  # fmt: skip
    finally:
        db.close()


@pytest.fixture
def copy(archived: ArchiveSummary, tmp_path: Path) -> Path:
    """A copy of the archive a test may damage."""
    return Path(shutil.copytree(archived.path, tmp_path / "kopia"))


def q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def test_the_archive_is_valid_against_the_published_schema(archived: ArchiveSummary) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.parse(str(archived.path / XML_NAME))
    assert schema.validate(document), schema.error_log
    assert verify_archive(archived.path) == []
    assert (archived.path / SCHEMA.name).read_bytes() == SCHEMA.read_bytes()


def test_every_kind_of_record_is_in_it(archived: ArchiveSummary) -> None:
    root = etree.parse(str(archived.path / XML_NAME)).getroot()
    assert {section: len(root.find(q(section))) > 0 for section in SECTIONS} == dict.fromkeys(SECTIONS, True)
    topic = root.find(f"{q('topics')}/{q('topic')}")
    assert (topic.get("substitution"), topic.get("substituteFor")) == ("true", "Anna Nowak")
    assert "\nźdźbła, żołędzie & <kasztany>" in topic.findtext(q("topic"))
    assert {c.get("author") for c in root.iter(q("correction"))} == {"anna.nowak@example.pl"}
    plan = root.find(f"{q('workPlans')}/{q('workPlan')}")
    assert [s.get("action") for s in plan.iter(q("step"))] == ["write", "submit", "approve"]
    assert plan.get("state") == "approved"
    replaced = root.find(f".//{q('observation')}/{q('replaced')}")
    assert replaced.get("replacedBy") == "dyrektor@example.pl"
    assert [r.get("readAt") is not None for r in root.iter(q("recipient"))].count(True) >= 1
    assert root.find(f".//{q('closedMonth')}/{q('statement')}").text.startswith('{"total"')
    attachment = root.find(f".//{q('attachment')}")
    assert attachment.get("name") == "zgoda — Łucja.pdf"
    assert (archived.path / attachment.get("file")).read_bytes() == ATTACHMENT
    actions = {entry.get("action") for entry in root.iter(q("entry"))}
    assert {"child.create", "correction.create", "absence.report", "card.assign"} <= actions


def test_days_are_the_days_the_pages_compute(year: Year, archived: ArchiveSummary) -> None:
    db = open_database(year.settings.database)
    first, last = school_year_start(year.school_year), school_year_end(year.school_year)
    children = registry.list_children(db)
    expected = {}
    for day, child_days in days.compute_range(db, year.settings, first, last, children, now=year.archived_at):
        for child_day in child_days:
            result = child_day.result
            clocks = [
                tuple(local_clock(e.at, year.settings.tz) if e else None for e in (v.arrival, v.departure))
                for v in result.visits
            ]
            expected[(child_day.child["id"], day.isoformat())] = (result.status, clocks)
    db.close()
    archive = ArchivedYear(archived.path)
    found = {
        (child_id, day["date"]): (
            day["status"],
            [tuple(v[k]["clock"] if v[k] else None for k in ("arrival", "departure")) for v in day["visits"]],
        )
        for child_id, child_days in archive.days.items()
        for day in child_days
    }
    assert found == expected
    assert any(clocks for _status, clocks in found.values())


def test_polish_letters_round_trip(year: Year, archived: ArchiveSummary) -> None:
    xml = (archived.path / XML_NAME).read_bytes()
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Łęcki-Ąę".encode() in xml and "Żaneta Ćwikła-Óśń".encode() in xml
    archive = ArchivedYear(archived.path)
    child = archive.child(year.polish_child_id)
    assert (child["first_name"], child["last_name"]) == POLISH_CHILD
    assert {g["name"] for g in archive.guardians} >= {"Żaneta Ćwikła-Óśń"}
    manifest = json.loads((archived.path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["school_year"] == year.school_year


def test_the_manifest_names_every_file_with_its_hash(archived: ArchiveSummary) -> None:
    manifest = json.loads((archived.path / MANIFEST).read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(archived.path).as_posix() for p in archived.path.rglob("*") if p.is_file()}
    assert set(files) == on_disk - {MANIFEST}
    assert all(sha256_of(archived.path / name) == f["sha256"] for name, f in files.items())
    pdfs = [name for name in files if name.endswith(".pdf")]
    assert f"pdf/frekwencja-{manifest['school_year']}-{manifest['school_year'] + 1}.pdf" in pdfs
    assert any("Motylki" in name for name in pdfs)
    assert any(name.startswith("pdf/plan-pracy-") for name in pdfs)
    assert any(name.startswith("pdf/gotowosc-szkolna-") for name in pdfs)
    assert all((archived.path / name).read_bytes().startswith(b"%PDF") for name in pdfs)
    assert archived.files == len(files) + 1


def test_writing_is_audited_and_registered(year: Year, archived: ArchiveSummary) -> None:
    db = open_database(year.settings.database)
    entry = db.execute("SELECT actor, entity_id FROM audit_log WHERE action = 'archive.write'").fetchone()
    copy = db.execute("SELECT kind, made_by, location, sha256 FROM backups").fetchone()
    db.close()
    assert entry == ("admin@example.pl", str(year.school_year))
    assert copy == ("copy", "admin@example.pl", str(archived.path), archived.sha256)
    assert sha256_of(archived.path / MANIFEST) == archived.sha256


def test_a_changed_byte_fails_verify(copy: Path) -> None:
    pdf = next((copy / "pdf").iterdir())
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    assert [p.code for p in problems(copy)] == ["archive.file_changed"]
    result = CliRunner().invoke(cli, ["archive", "verify", str(copy)])
    assert result.exit_code == 1
    assert f"pdf/{pdf.name} in the archive does not match its SHA-256" in result.output


def test_a_removed_file_fails_verify(copy: Path) -> None:
    (copy / XML_NAME).unlink()
    assert [p.code for p in problems(copy)] == ["archive.file_missing"]
    result = CliRunner().invoke(cli, ["archive", "verify", str(copy)])
    assert result.exit_code == 1 and "The archive is missing archive.xml." in result.output


def test_an_added_file_fails_verify(copy: Path) -> None:
    (copy / "pdf" / "dopisany.pdf").write_bytes(b"%PDF-1.7")
    assert [p.code for p in problems(copy)] == ["archive.file_extra"]
    result = CliRunner().invoke(cli, ["archive", "verify", str(copy)])
    assert (
        result.exit_code == 1
        and "pdf/dopisany.pdf is in the archive but not in its manifest" in result.output
    )


def test_an_xml_breaking_the_schema_fails_verify_even_with_its_manifest_forged(copy: Path) -> None:
    xml = copy / XML_NAME
    xml.write_bytes(xml.read_bytes().replace(b'status="present"', b'status="obecny"', 1))
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    for file in manifest["files"]:
        if file["path"] == XML_NAME:
            file.update(size=xml.stat().st_size, sha256=sha256_of(xml))
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    found = problems(copy)
    assert [p.code for p in found] == ["archive.xml_invalid"]
    assert "obecny" in found[0].params["problem"]


def test_a_missing_or_broken_manifest_is_no_archive(copy: Path) -> None:
    (copy / MANIFEST).write_text("{", encoding="utf-8")
    assert [p.code for p in problems(copy)] == ["archive.manifest_unreadable"]
    (copy / MANIFEST).unlink()
    assert [p.code for p in problems(copy)] == ["archive.manifest_unreadable"]


def test_a_manifest_naming_a_file_outside_the_archive_is_refused(copy: Path) -> None:
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"].append({"path": "../year.db", "size": 1, "sha256": "0" * 64})
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert [p.code for p in problems(copy)] == ["archive.manifest_unreadable"]


def test_a_year_not_yet_over_is_refused(year: Year, tmp_path: Path) -> None:
    db = open_database(year.settings.database)
    try:
        with pytest.raises(Refusal) as refused:
            write_archive(db, year.settings, year.school_year, tmp_path / "a", author="admin")
    finally:
        db.close()
    assert refused.value.code == "archive.year_open"
    assert refused.value.params["from"] == date(year.school_year + 1, 9, 1).isoformat()
    assert not (tmp_path / "a").exists() and list(tmp_path.iterdir()) == []
    result = CliRunner().invoke(
        cli,
        ["--database", str(year.settings.database), "archive", "write", str(year.school_year), "--to",
         str(tmp_path / "b")],
    )  # fmt: skip
    assert result.exit_code == 1 and "is not over" in result.output


def test_an_existing_directory_is_never_written_into(year: Year, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "moje.txt").write_text("x")
    db = open_database(year.settings.database)
    try:
        with pytest.raises(Refusal) as refused:
            write_archive(
                db, year.settings, year.school_year, tmp_path / "a", author="a", now=year.archived_at
            )
        with pytest.raises(Refusal) as no_disk:
            write_archive(db, year.settings, year.school_year, tmp_path / "nie" / "a", author="a",
                          now=year.archived_at)  # fmt: skip
    finally:
        db.close()
    assert refused.value.code == "archive.destination_exists"
    assert no_disk.value.code == "archive.destination_parent_missing"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["moje.txt"]


def test_inspect_reads_the_archive_alone(year: Year, archived: ArchiveSummary, tmp_path: Path) -> None:
    """With the database gone, `inspect` still shows a child's days and a group's register."""
    moved = shutil.copytree(archived.path, tmp_path / "gdzie-indziej")
    runner = CliRunner()
    nowhere = ["--database", str(tmp_path / "brak" / "nie.db")]
    child = runner.invoke(cli, [*nowhere, "archive", "inspect", str(moved), "--child", "1", "--json"])
    assert child.exit_code == 0, child.output
    shown = json.loads(child.output)
    assert (shown["child"]["first_name"], shown["child"]["last_name"]) == ("Zofia", "Wójcik")
    present = [day for day in shown["days"] if day["status"] == "present"]
    assert present and present[0]["visits"][0]["arrival"]["clock"]
    register = runner.invoke(
        cli, [*nowhere, "archive", "inspect", str(moved), "--group", "Motylki", "--day", present[0]["date"]]
    )
    assert register.exit_code == 0, register.output
    assert "Wójcik Zofia" in register.output and "Łęcki-Ąę Źdźisław" in register.output
    assert not (tmp_path / "brak").exists()
    unknown = runner.invoke(cli, [*nowhere, "archive", "inspect", str(moved), "--child", "999"])
    assert unknown.exit_code == 1 and "no child with id 999" in unknown.output


def test_a_text_xml_cannot_hold_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    """A control character that slipped into a record (here put in by SQL, as an old version
    or another tool might have) stops the archive with the record named; no directory stays."""
    settings, _ = june_year(tmp_path, "Motylki", [("Ala", "Nowak", [])])
    db = open_database(settings.database)
    db.execute("UPDATE children SET notes = 'alergia\x07' WHERE id = 1")
    db.conn.commit()
    try:
        with pytest.raises(Refusal) as refused:
            write_archive(db, settings, SCHOOL_YEAR_OVER, tmp_path / "archiwum", author="admin")
    finally:
        db.close()
    assert refused.value.code == "archive.text_not_xml"
    assert refused.value.params == {"record": "child 1"}
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("hub.db")] == []


def test_an_archive_needs_its_author(year: Year, tmp_path: Path) -> None:
    db = open_database(year.settings.database)
    try:
        with pytest.raises(Refusal) as refused:
            write_archive(
                db, year.settings, year.school_year, tmp_path / "a", author=" ", now=year.archived_at
            )
    finally:
        db.close()
    assert refused.value.code == "author.missing"
    assert list(tmp_path.iterdir()) == []
