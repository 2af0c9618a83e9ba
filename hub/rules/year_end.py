"""The administrator's end-of-year routine (procedure 003 rozdz. IV.8: within 10 days after
31 August, archive the whole journal as XML and copy the database to an external disk) as
five steps in one order:

    messages  close the school year's messages (read only from then on, 000 §3.6)
    archive   write the closed year's archive (XML, PDFs, a manifest of SHA-256s)
    verify    read the archive back against its manifest and schema
    backup    a backup of the database and attachments made after the archive
    purge     remove what is past its retention, now that the year is kept twice

A step counts as done only when it is recorded **at or after the step before it**: what is
recorded is the chain's evidence. The first step not done is the next one; the steps
after it wait. So a later change redoes only what it touches: an archive written again
after a backup makes its verification the next step, and the backup waits until the new
archive is verified, because the old backup no longer comes after the archive it
follows. A verification that found problems marks its step failed (the next run writes
the archive again).

A worked example, for 2025/2026 on 8 September 2026: messages closed 1 IX 10:00, archive
written 1 IX 10:05, verified 1 IX 10:06, no backup yet → messages, archive and verify are
done, backup is next, purge waits. A backup made on 31 August (before the archive) does
not count. Had the verification found a file changed, verify would be failed, and the
archive written again (then verified again) would be what is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Step = Literal["messages", "archive", "verify", "backup", "purge"]
STEPS: tuple[Step, ...] = ("messages", "archive", "verify", "backup", "purge")
"""The routine's steps, in the order they are done."""

State = Literal["done", "next", "failed", "waiting"]


@dataclass(frozen=True)
class Record:
    """What is recorded of a step's latest run: when, and whether it succeeded."""

    at: datetime
    ok: bool = True


@dataclass(frozen=True)
class StepState:
    step: Step
    state: State
    record: Record | None
    """The step's latest record, also when it does not count (before the previous step's)."""


def routine(records: dict[Step, Record | None]) -> list[StepState]:
    """Each step's state from its latest record (missing: never run), in the routine's order."""
    found: list[StepState] = []
    after: datetime | None = None
    blocked = False
    for step in STEPS:
        record = records.get(step)
        counts = record is not None and (after is None or record.at >= after)
        if blocked:
            state: State = "waiting"
        elif counts and record is not None and record.ok:
            state, after = "done", record.at
        else:
            state, blocked = ("failed" if counts else "next"), True
        found.append(StepState(step, state, record))
    return found


def next_step(states: list[StepState]) -> Step | None:
    """The first step not done (None when the whole routine is done)."""
    return next((entry.step for entry in states if entry.state != "done"), None)


def due_steps(states: list[StepState]) -> list[Step]:
    """The steps that may be done now, the one to do first first: the next step; after a
    failed verification, writing the archive again before verifying it again."""
    step = next_step(states)
    if step is None:
        return []
    failed = next(entry for entry in states if entry.step == step).state == "failed"
    return ["archive", "verify"] if step == "verify" and failed else [step]


def has_ended(school_year: int, today: date) -> bool:
    """The school year starting on 1 September `school_year` has ended by `today` (from the
    1 September after it: its last day is 31 August of the next year)."""
    return today >= date(school_year + 1, 9, 1)


def last_ended(today: date) -> int:
    """The school year (its first calendar year) that ended last before `today`: on
    8 September 2026 and on 31 August 2027 alike, 2025 (2025/2026)."""
    current = today.year if today.month >= 9 else today.year - 1
    return current - 1


def school_year_name(school_year: int) -> str:
    """2025 → `2025/2026`, as messages name their school year."""
    return f"{school_year}/{school_year + 1}"


def archive_purpose(school_year: int) -> str:
    """The purpose the yearly archive is entered with in the register of copies (as
    `hub.services.archive.write_archive` enters it): the archive of a school year."""
    return f"archiwum roku szkolnego {school_year_name(school_year)}"


def backup_purpose(school_year: int) -> str:
    """The purpose the routine's backup is recorded with in the register of copies (Polish,
    as the register is kept): it tells the yearly copy from the daily ones."""
    return f"archiwum roczne {school_year_name(school_year)}"
