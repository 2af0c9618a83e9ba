"""The end-of-year routine's order (`hub/rules/year_end.py`): the module's worked example,
a step recorded before the one it follows not counting, a failed verification sending back
to the archive, and which school year ended last."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.rules.year_end import (
    STEPS,
    Record,
    Step,
    backup_purpose,
    due_steps,
    has_ended,
    last_ended,
    next_step,
    routine,
)


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def states(records: dict[Step, Record | None]) -> list[str]:
    return [entry.state for entry in routine(records)]


def test_nothing_recorded_the_messages_are_next() -> None:
    assert states({}) == ["next", "waiting", "waiting", "waiting", "waiting"]
    assert next_step(routine({})) == "messages" and due_steps(routine({})) == ["messages"]


def test_the_worked_example_backup_is_next_and_an_old_backup_does_not_count() -> None:
    records: dict[Step, Record | None] = {
        "messages": Record(at(1, 10)),
        "archive": Record(at(1, 10, 5)),
        "verify": Record(at(1, 10, 6)),
        "backup": Record(at(31, 23, month=8)),  # the daily backup of 31 August: before the archive
        "purge": Record(at(1, 2)),
    }
    assert states(records) == ["done", "done", "done", "next", "waiting"]
    assert due_steps(routine(records)) == ["backup"]


def test_every_step_recorded_in_order_is_the_routine_done() -> None:
    records = {step: Record(at(2, 9 + number)) for number, step in enumerate(STEPS)}
    assert states(records) == ["done"] * 5
    assert next_step(routine(records)) is None and due_steps(routine(records)) == []


def test_an_archive_written_again_makes_its_verification_and_backup_due_again() -> None:
    records: dict[Step, Record | None] = {
        "messages": Record(at(1, 10)),
        "archive": Record(at(3, 9)),  # written again after everything else
        "verify": None,  # the new archive is not verified
        "backup": Record(at(1, 12)),
        "purge": Record(at(1, 13)),
    }
    assert states(records) == ["done", "done", "next", "waiting", "waiting"]


def test_a_failed_verification_sends_back_to_the_archive() -> None:
    records: dict[Step, Record | None] = {
        "messages": Record(at(1, 10)),
        "archive": Record(at(1, 11)),
        "verify": Record(at(1, 12), ok=False),
    }
    assert states(records) == ["done", "done", "failed", "waiting", "waiting"]
    assert due_steps(routine(records)) == ["archive", "verify"]


def test_a_failed_backup_is_made_again() -> None:
    records: dict[Step, Record | None] = {
        "messages": Record(at(1, 10)),
        "archive": Record(at(1, 11)),
        "verify": Record(at(1, 12)),
        "backup": Record(at(1, 13), ok=False),
    }
    assert states(records) == ["done", "done", "done", "failed", "waiting"]
    assert due_steps(routine(records)) == ["backup"]


def test_steps_recorded_within_the_same_instant_keep_their_order() -> None:
    same = Record(at(1, 10))
    assert states(dict.fromkeys(STEPS, same)) == ["done"] * 5


def test_which_school_year_ended_last() -> None:
    assert last_ended(date(2026, 9, 8)) == 2025
    assert last_ended(date(2026, 8, 31)) == 2024
    assert last_ended(date(2027, 8, 31)) == 2025
    assert has_ended(2025, date(2026, 9, 1)) and not has_ended(2025, date(2026, 8, 31))
    assert backup_purpose(2025) == "archiwum roczne 2025/2026"
