"""The administrator's end-of-year routine: each step's state read from what is recorded,
and each step done through the service that owns it (the steps and their order:
`hub.rules.year_end`). The page `/year-end` and `ewidencjoner year-end` both come here.

A step is done only when it is the next one (`perform`): closing messages before the
year ended, an archive of a year whose messages are open, a backup before the archive is
verified or a purge before the yearly backup are refused with the step to do first. `run`
goes through the steps in order, reports each done one as it was recorded and does the
rest, stopping at the first refusal.

Where the archive and its backup go (`destination`): the `archive_dir` setting, else a
folder `archiwum/` in the backup directory. Never the backup directory itself: the daily
backups' kept count removes the oldest backups there, the yearly one with them, while the
procedure keeps it for years.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from hub import archive_read
from hub.config import Settings
from hub.refusal import N_, Label, Refusal
from hub.rules.year_end import (
    STEPS,
    Record,
    Step,
    StepState,
    archive_purpose,
    backup_purpose,
    due_steps,
    has_ended,
    next_step,
    routine,
    school_year_name,
)
from hub.services import backups, retention
from hub.store import messages
from hub.store import year_end as store
from hub.timefmt import from_db

ARCHIVE_FOLDER = "archiwum"
"""The archives' folder in the backup directory when `archive_dir` is not set."""


@dataclass(frozen=True)
class YearEnd:
    """The routine's state for one school year, with what each step recorded."""

    school_year: int
    name: str
    """`2025/2026`."""
    steps: list[StepState]
    next: Step | None
    due: list[Step]
    """The steps that may be done now (`hub.rules.year_end.due_steps`)."""
    messages: dict[str, Any] | None
    """When and by whom its messages were closed (None: not yet)."""
    message_count: int
    archive: dict[str, Any] | None
    """Its newest archive: where, files, size, SHA-256, written and verified when, by whom."""
    backup: dict[str, Any] | None
    """Its newest yearly backup in the register of copies."""
    purge: dict[str, Any] | None
    """The newest purge: when, by whom, what it removed per kind."""

    def state_of(self, step: Step) -> str:
        return next(entry.state for entry in self.steps if entry.step == step)


@dataclass(frozen=True)
class Job:
    """One step's work: the database, the settings, the year, where to write, who, when."""

    db: Database
    settings: Settings
    school_year: int
    folder: Path | None
    """Where the archive and the backup go (None: the settings' `destination`)."""
    actor: str
    now: datetime

    @property
    def destination(self) -> Path:
        return self.folder or destination(self.settings)


@dataclass(frozen=True)
class Outcome:
    """What `run` did with one step: `done` (already recorded) or `made` (now)."""

    step: Step
    result: Literal["done", "made"]
    detail: str


def status(db: Database, school_year: int) -> YearEnd:
    """The routine's state for `school_year` (its first calendar year), as recorded."""
    name = school_year_name(school_year)
    closed = store.messages_closed(db, name)
    archive = store.latest_archive(db, archive_purpose(school_year))
    if archive is not None:
        archive = {**archive, "files": files_in(Path(archive["location"]))}
    backup = store.latest_backup_for(db, backup_purpose(school_year))
    purge = store.latest_purge(db)
    records: dict[Step, Record | None] = {
        "messages": Record(from_db(closed["closed_at"])) if closed else None,
        "archive": Record(from_db(archive["created_at"])) if archive else None,
        "verify": (
            Record(from_db(archive["verified_at"]), bool(archive["verified"]))
            if archive and archive["verified_at"]
            else None
        ),
        "backup": Record(from_db(backup["created_at"]), bool(backup["verified"])) if backup else None,
        "purge": Record(from_db(purge["at"])) if purge else None,
    }
    steps = routine(records)
    return YearEnd(
        school_year=school_year,
        name=name,
        steps=steps,
        next=next_step(steps),
        due=due_steps(steps),
        messages=closed,
        message_count=store.open_messages(db, name),
        archive=archive,
        backup=backup,
        purge=purge,
    )


def destination(settings: Settings, *, make: bool = True) -> Path:
    """Where the yearly archive and its backup are written: `archive_dir`, else `archiwum/`
    in `backup_dir` (made there when the backup directory exists); refused when neither is
    set, when the directory does not exist (a disk not mounted), or when it is the backup
    directory itself. `make=False` only says where (a page showing it makes nothing)."""
    if settings.archive_dir is not None:
        return checked_destination(settings.archive_dir, settings)
    if settings.backup_dir is None:
        raise Refusal(
            "year_end.no_destination",
            N_("No directory for the yearly archive is set (the archive_dir or backup_dir setting)."),
        )
    if not settings.backup_dir.is_dir():
        raise _missing(settings.backup_dir)
    folder = settings.backup_dir / ARCHIVE_FOLDER
    if make:
        folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def checked_destination(folder: Path, settings: Settings) -> Path:
    """`folder` for the archive and its backup: it exists and is not the backup directory."""
    if not folder.is_dir():
        raise _missing(folder)
    if settings.backup_dir is not None and folder.resolve() == settings.backup_dir.resolve():
        raise Refusal(
            "year_end.destination_is_backup_dir",
            N_(
                "The yearly archive cannot go into the backup directory %(path)s: the daily backups' "
                "kept count would remove its backup there. Choose another directory."
            ),
            path=str(folder),
        )
    return folder.resolve()


def perform(
    db: Database,
    settings: Settings,
    school_year: int,
    step: Step,
    *,
    actor: str,
    now: datetime,
    folder: Path | None = None,
) -> str:
    """Do `step` of the routine, which must be the next one; return a line saying what was
    done. Refused: a year not ended, a step done already or not yet due, and whatever the
    step's own service refuses. The archive and the backup go into `folder`, by default
    the `destination` the settings give."""
    _ended(school_year, now, settings)
    state = status(db, school_year)
    if step not in STEPS:
        raise Refusal("year_end.unknown_step", N_("There is no step %(step)s in the routine."), step=step)
    if step not in state.due:
        if state.next is None or state.state_of(step) == "done":
            raise Refusal(
                "year_end.step_done",
                N_("This step of the school year %(year)s is already done."),
                year=state.name,
            )
        raise Refusal(
            "year_end.step_not_due", N_("The steps go in order: first %(step)s."), step=STEP_NAMES[state.next]
        )
    return PERFORMERS[step](Job(db, settings, school_year, folder, actor, now))


def run(
    db: Database,
    settings: Settings,
    school_year: int,
    *,
    folder: Path,
    actor: str,
    now: Callable[[], datetime],
    report: Callable[[Outcome], None],
) -> YearEnd:
    """Go through the routine in order: each step done is reported as recorded, the others
    are done now (each reported as it ends). The first refusal stops the run and is raised."""
    _ended(school_year, now(), settings)
    folder = checked_destination(folder, settings)
    reported: set[Step] = set()
    for _round in range(len(STEPS) + 1):
        state = status(db, school_year)
        for entry in state.steps:
            if entry.state == "done" and entry.step not in reported:
                reported.add(entry.step)
                report(Outcome(entry.step, "done", recorded_line(state, entry.step)))
        if state.next is None:
            return state
        step = state.due[0]
        detail = perform(db, settings, school_year, step, folder=folder, actor=actor, now=now())
        reported.add(step)
        report(Outcome(step, "made", detail))
    raise RuntimeError(f"the routine of {school_year_name(school_year)} did not end")


STEP_NAMES: dict[Step, Label] = {
    "messages": Label(N_("close the school year's messages")),
    "archive": Label(N_("write the archive")),
    "verify": Label(N_("verify the archive")),
    "backup": Label(N_("make the yearly backup")),
    "purge": Label(N_("purge what is past its retention")),
}
"""Each step named as the refusals and the pages say it (a message id, translated)."""


def _close_messages(job: Job) -> str:
    name = school_year_name(job.school_year)
    today = job.now.astimezone(job.settings.tz).date()
    count = messages.close_year(job.db, name, actor=job.actor, today=today, now=job.now)
    return f"closed {count} messages of {name}"


def _write_archive(job: Job) -> str:
    from hub.services import archive  # the archive's writer imports the reports: only when it runs

    target = free_name(job.destination / f"ewidencjoner-{job.settings.site}-archiwum-{job.school_year}-"
                                          f"{job.school_year + 1}")  # fmt: skip
    summary = archive.write_archive(
        job.db, job.settings, job.school_year, target, author=job.actor, now=job.now
    )
    return (
        f"{summary.path}: {summary.files} files, {summary.size_bytes} bytes, SHA-256 {summary.sha256} "
        f"(copy no. {summary.copy_id} in the register of copies)"
    )


def _verify_archive(job: Job) -> str:
    from hub.services import archive

    written = store.latest_archive(job.db, archive_purpose(job.school_year))
    assert written is not None  # the step is due only after the archive's
    problems = archive.verify_archive(Path(written["location"]))
    store.record_verification(
        job.db, written["id"], school_year=job.school_year, problems=problems, when=job.now, actor=job.actor
    )
    if problems:
        raise Refusal(
            "year_end.archive_invalid",
            N_("The archive %(path)s failed its verification: %(problems)s"),
            path=written["location"],
            problems="; ".join(problems),
        )
    return f"{written['location']} is whole and valid"


def _make_backup(job: Job) -> str:
    made = backups.make_backup(
        job.db,
        database=job.settings.database,
        backup_dir=job.destination,
        site=job.settings.site,
        made_by=job.actor,
        purpose=backup_purpose(job.school_year),
        now=job.now,
    )
    if not made.verified:
        raise Refusal(
            "year_end.backup_unverified",
            N_("Backup no. %(id)s failed its verification: check the disk and make it again."),
            id=made.backup_id,
        )
    return f"backup no. {made.backup_id}: {made.path}, {made.size_bytes} bytes, SHA-256 {made.sha256}"


def _purge(job: Job) -> str:
    removed = retention.purge(job.db, job.settings, job.now, actor=job.actor)
    return ", ".join(f"{entry.kind} {entry.rows}" for entry in removed)


PERFORMERS: dict[Step, Callable[[Job], str]] = {
    "messages": _close_messages,
    "archive": _write_archive,
    "verify": _verify_archive,
    "backup": _make_backup,
    "purge": _purge,
}


def files_in(archive: Path) -> int | None:
    """How many files the archive holds, its manifest included (None: unreadable, e.g. the
    disk is not mounted)."""
    try:
        return len(archive_read.manifest_files(archive_read.read_manifest(archive))) + 1
    except Refusal:
        return None


def free_name(path: Path) -> Path:
    """`path`, or `path-2`, `-3`… when an archive of the year is there already (written again)."""
    candidate, number = path, 1
    while candidate.exists() or candidate.with_name(f".{candidate.name}.partial").exists():
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate


def recorded_line(state: YearEnd, step: Step) -> str:
    """What is recorded of `step`, as a line for the command line."""
    if step == "messages":
        closed = state.messages
        if closed is None:
            return f"{state.message_count} messages, not closed"
        return f"closed {closed['closed_at']} by {closed['closed_by']} ({closed['messages']} messages)"
    archive = state.archive
    if step == "archive":
        if archive is None:
            return "no archive"
        return (
            f"{archive['location']}: {archive['files']} files, {archive['size_bytes']} bytes, "
            f"SHA-256 {archive['sha256']}, written {archive['created_at']} by {archive['made_by']}"
        )
    if step == "verify":
        if archive is None or archive["verified_at"] is None:
            return "not verified"
        result = "valid" if archive["verified"] else "FAILED: " + "; ".join(archive["problems"])
        return f"{result}, {archive['verified_at']} by {archive['verified_by']}"
    if step == "backup":
        backup = state.backup
        if backup is None:
            return "no yearly backup"
        return (
            f"no. {backup['id']} {backup['location']} ({backup['size_bytes']} bytes, "
            f"SHA-256 {backup['sha256']}), made {backup['created_at']} by {backup['made_by']}"
        )
    purge = state.purge
    if purge is None:
        return "never purged"
    removed = ", ".join(f"{kind} {value.get('removed', 0)}" for kind, value in purge["removed"].items())
    return f"{purge['at']} by {purge['actor']}: removed {removed}"


def _ended(school_year: int, now: datetime, settings: Settings) -> None:
    if not has_ended(school_year, now.astimezone(settings.tz).date()):
        raise Refusal(
            "year_end.not_ended",
            N_("The school year %(year)s has not ended: its routine starts on 1 September."),
            year=school_year_name(school_year),
        )


def _missing(folder: Path) -> Refusal:
    return Refusal(
        "year_end.dir_missing",
        N_("The directory %(path)s does not exist (is the disk mounted?)."),
        path=str(folder),
    )
