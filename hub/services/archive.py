"""The yearly archive (003 rozdz. IV.8: within 10 days after 31 August the administrator
archives the journal): a closed school year written once into a directory of its own, as
XML valid against the schema the project publishes, with its printable reports and a
manifest of SHA-256s, so that it can be proven whole and read without the hub
(`hub.archive_read`, which also says what the directory holds).

Only a school year that is over is archived (from 1 September after it): an archive of a
year still running would miss its end. The year's records are read in one read
transaction, so an archive made while the hub runs is one consistent moment. The
directory is written under a hidden `.…partial` name beside it and renamed when whole and
valid, so a directory with the archive's name is always a whole archive; nothing is ever
written into an existing directory. Writing it is audited (`archive.write`) and entered in
the register of copies (003 rozdz. XII.2) as an extra copy of the journal.

The printable reports come from `hub.reports` (a monthly grid per group and month, the
year's attendance statistics): the one service that sits above them, allowed by name in
pyproject.toml's layer contract, because an archive holds what the reports print.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from hub import archive_read
from hub.config import Settings
from hub.i18n import refusal_text
from hub.refusal import N_, Refusal
from hub.reports import attendance_sheets, attendance_stats, pedagogy, render
from hub.reports.model import Report
from hub.rules.school_year import school_year_end, school_year_label, school_year_start
from hub.services import days
from hub.services.archive_xml import YearRecords, year_xml
from hub.services.backups import copy_hashed, hub_version
from hub.store import archive_rows, audit, message_files
from hub.store import backups as register
from hub.timefmt import local_day_bounds, to_db, utc_now

PDF_DIR = "pdf"
ATTACHMENTS_DIR = "attachments"
PDF_THREADS = 2
"""PDFs laid out at once: Typst releases the interpreter lock, so the next report's model is
built while one is laid out."""


@dataclass(frozen=True)
class ArchiveSummary:
    """An archive written, checked and registered."""

    path: Path
    files: int
    """Files in the archive, the manifest included."""
    size_bytes: int
    school_year: int
    sha256: str
    """The manifest's SHA-256 (it holds every other file's): what the register of copies keeps."""
    copy_id: int
    """Its entry in the register of copies."""


def write_archive(
    db: Database,
    settings: Settings,
    school_year: int,
    destination: Path,
    *,
    author: str,
    now: datetime | None = None,
) -> ArchiveSummary:
    """Archive the school year starting in September of `school_year` into `destination`
    (a directory that must not exist yet, on an existing disk)."""
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    moment = now or utc_now()
    last = school_year_end(school_year)
    if moment.astimezone(settings.tz).date() <= last:
        raise Refusal(
            "archive.year_open",
            N_("The school year %(year)s is not over: it can be archived from %(from)s."),
            year=school_year_label(school_year),
            **{"from": date(school_year + 1, 9, 1).isoformat()},
        )
    destination = destination.absolute()
    if destination.exists():
        raise Refusal(
            "archive.destination_exists",
            N_("%(path)s already exists: an archive is written into a new directory."),
            path=str(destination),
        )
    if not destination.parent.is_dir():
        raise Refusal(
            "archive.destination_parent_missing",
            N_("The directory %(path)s does not exist (is the disk mounted?)."),
            path=str(destination.parent),
        )
    staging = destination.parent / f".{destination.name}.partial"
    try:
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise _not_written(destination, exc) from exc
    try:
        with _read_snapshot(db):
            records = year_records(db, settings, school_year, moment)
            records.attachment_files = _copy_attachments(records, settings.attachments_dir, staging)
            xml = year_xml(
                records,
                site=settings.site,
                tz=settings.tz,
                created_at=to_db(moment),
                created_by=author,
                hub_version=hub_version(),
            )
            _write(staging / archive_read.XML_NAME, xml)
            _write(staging / archive_read.SCHEMA_NAME, archive_read.SCHEMA.read_bytes())
            _write_reports(db, settings, records, staging / PDF_DIR)
        invalid = archive_read.schema_problems(staging / archive_read.XML_NAME)
        if invalid:
            raise invalid[0]
        files = _listed(staging)
        manifest = {
            "format": archive_read.FORMAT,
            "kind": "ewidencjoner-yearly-archive",
            "school_year": school_year,
            "school_year_name": school_year_label(school_year),
            "first_day": records.first.isoformat(),
            "last_day": records.last.isoformat(),
            "site": settings.site,
            "created_at": to_db(moment),
            "created_by": author,
            "hub_version": hub_version(),
            "schema": archive_read.SCHEMA_NAME,
            "files": [file.__dict__ for file in files],
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        _write(staging / archive_read.MANIFEST, manifest_bytes)
        _sync(staging)
        staging.rename(destination)
        _sync(destination.parent, tree=False)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _not_written(destination, exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    sha256 = archive_read.sha256_of(destination / archive_read.MANIFEST)
    size = sum(file.size for file in files) + len(manifest_bytes)
    with db.atomic():
        copy_id = register.record_copy(
            db,
            created_at=moment,
            made_by=author,
            purpose=f"archiwum roku szkolnego {school_year_label(school_year)}",
            location=str(destination),
            source_backup_id=None,
            size_bytes=size,
            sha256=sha256,
        )
        audit.record(
            db,
            actor=author,
            action="archive.write",
            entity="archive",
            entity_id=school_year,
            after={
                "path": str(destination),
                "files": len(files) + 1,
                "size_bytes": size,
                "sha256": sha256,
            },
            now=moment,
        )
    return ArchiveSummary(destination, len(files) + 1, size, school_year, sha256, copy_id)


def verify_archive(path: Path) -> list[str]:
    """What is wrong with the archive at `path`, each in the active language; [] when every
    file matches the manifest, nothing was added and archive.xml is valid against the schema."""
    return [refusal_text(problem) for problem in archive_read.problems(path)]


def year_records(db: Database, settings: Settings, school_year: int, now: datetime) -> YearRecords:
    """Everything the archive holds of the school year, read from storage; the days computed."""
    first, last = school_year_start(school_year), school_year_end(school_year)
    children = archive_rows.children(db, first, last)
    child_ids = {child["id"] for child in children}
    links = archive_rows.guardian_links(db, child_ids)
    plans = archive_rows.work_plans(db, first, last)
    plan_ids = {plan["id"] for plan in plans}
    observations = archive_rows.observations(db, first, last)
    readiness = archive_rows.school_readiness(db, school_year)
    start, end = local_day_bounds(first, last, settings.tz)
    records = YearRecords(
        school_year=school_year,
        first=first,
        last=last,
        groups=archive_rows.groups(db, {child["group_id"] for child in children}),
        guardians=archive_rows.guardians(db, {link["guardian_id"] for link in links}),
        children=children,
        guardian_links=links,
        cards=archive_rows.cards(db, child_ids),
        absences=archive_rows.absences(db, first, last),
        corrections=archive_rows.corrections(db, first, last),
        topics=archive_rows.day_topics(db, first, last),
        work_plans=plans,
        work_plan_versions=archive_rows.work_plan_versions(db, plan_ids),
        work_plan_steps=archive_rows.work_plan_steps(db, plan_ids),
        observations=observations,
        observation_history=archive_rows.observation_history(db, {row["id"] for row in observations}),
        readiness=readiness,
        readiness_versions=archive_rows.school_readiness_versions(db, {row["id"] for row in readiness}),
        messages=archive_rows.messages(db, school_year_label(school_year)),
        recipients=archive_rows.message_recipients(db, school_year_label(school_year)),
        attachments=archive_rows.message_attachments(db, school_year_label(school_year)),
        announcements=archive_rows.announcements(db, first, last),
        closed_months=archive_rows.closed_months(db, first, last),
        statements=archive_rows.billed_months(db, first, last),
        audit=archive_rows.audit_entries(db, start, end),
    )
    for _day, child_days in days.compute_range(db, settings, first, last, children, now=now):
        for child_day in child_days:
            records.days.setdefault(child_day.child["id"], []).append(child_day.result)
    return records


def _write_reports(db: Database, settings: Settings, records: YearRecords, folder: Path) -> None:
    """The year's printouts as PDF/A: its attendance statistics; per month, each group's
    monthly grid; each work plan with its history; each readiness information."""
    folder.mkdir(mode=0o700)
    groups = {group["id"]: group for group in records.groups}
    with ThreadPoolExecutor(PDF_THREADS) as pool:
        laid_out: list[Future[None]] = []

        def print_to(name: str, report: Report) -> None:
            laid_out.append(pool.submit(_write_pdf, folder / name, report))

        year = f"{records.school_year}-{records.school_year + 1}"
        print_to(
            f"frekwencja-{year}.pdf",
            attendance_stats.attendance_stats(db, settings, start_year=records.school_year),
        )
        for number, month in _months(records.first, records.last):
            month_first, month_last = f"{number:04d}-{month:02d}-01", f"{number:04d}-{month:02d}-31"
            enrolled = {
                child["group_id"]
                for child in records.children
                if child["active_from"] <= month_last and (child["active_to"] or "9999") >= month_first
            }
            for group_id in sorted(enrolled):
                name = groups[group_id]["name"]
                grid = attendance_sheets.monthly_grid(db, settings, number, month, name)
                print_to(f"ewidencja-{number:04d}-{month:02d}-{_file_part(name)}.pdf", grid)
        for plan in records.work_plans:
            name = groups.get(plan["group_id"], {"name": str(plan["group_id"])})["name"]
            print_to(
                f"plan-pracy-{plan['month']}-{_file_part(name)}.pdf",
                pedagogy.work_plan(db, settings, plan["id"]),
            )
        for information in records.readiness:
            report = pedagogy.readiness(db, settings, information["id"])
            print_to(f"gotowosc-szkolna-{year}-{information['child_id']}.pdf", report)
        for future in laid_out:
            future.result()


def _write_pdf(path: Path, report: Report) -> None:
    _write(path, render(report, "pdf"))


def _copy_attachments(records: YearRecords, source: Path, staging: Path) -> set[str]:
    """The year's messages' attachments, each once, as `attachments/<SHA-256>`; returns the
    digests copied whole (a file gone or changed in the attachments folder is left out and
    its message's XML says only its name, size and digest)."""
    wanted = sorted({row["sha256"] for row in records.attachments})
    copied: set[str] = set()
    if not wanted:
        return copied
    (staging / ATTACHMENTS_DIR).mkdir(mode=0o700)
    for sha256 in wanted:
        try:
            origin = message_files.path_of(source, sha256)
        except ValueError:
            continue
        if not origin.is_file():
            continue
        target = staging / ATTACHMENTS_DIR / sha256
        if copy_hashed(origin, target) == sha256:
            copied.add(sha256)
        else:
            target.unlink()
    return copied


def _months(first: date, last: date) -> Iterator[tuple[int, int]]:
    """(year, month) of each month `first`..`last`."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _file_part(name: str) -> str:
    """A group's name as part of a file name: letters (Polish ones too) and digits kept."""
    return re.sub(r"[^\w]+", "-", name).strip("-_") or "grupa"


def _listed(root: Path) -> list[archive_read.ArchiveFile]:
    return [
        archive_read.ArchiveFile(
            path.relative_to(root).as_posix(), path.stat().st_size, archive_read.sha256_of(path)
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


@contextlib.contextmanager
def _read_snapshot(db: Database) -> Iterator[None]:
    """One read transaction around the reads: the year as one moment while the hub writes on."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        db.conn.execute("COMMIT")


def _write(path: Path, data: bytes) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync(path: Path, *, tree: bool = True) -> None:
    for each in [path, *(p for p in path.rglob("*") if p.is_dir())] if tree else [path]:
        fd = os.open(each, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _not_written(destination: Path, exc: Exception) -> Refusal:
    return Refusal(
        "archive.write_failed",
        N_("The archive could not be written to %(path)s: %(reason)s"),
        path=str(destination),
        reason=str(exc),
    )
