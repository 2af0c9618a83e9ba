"""What tells people about news, wired to the news itself: a message sent or answered and a
system message queue `message` notifications; an announcement published queues
`announcement` ones for its audience; a reply due today or overdue queues one `reply_due`
reminder a day for its teacher, from the opening hour, never on a day off. Only those who
chose the kind are told, never the writer, and a refused change queues nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts.accounts import add_user
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attachments import Limits
from hub.rules.attendance import local_instant
from hub.services import announcements as publishing
from hub.services import messages as service
from hub.services.reply_reminders import ReplyReminders, remind
from hub.store import cards, notifications, registry
from hub.store import messages as store
from hub.store.db import open_database
from tests.support import wait_until

FRIDAY = date(2026, 11, 27)
"""A parent writes on Friday: due on Wednesday 2 December, overdue from Thursday."""


def warsaw(day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), Settings().tz)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Settings, Database, dict[str, int]]]:
    settings = Settings(database=tmp_path / "hub.db")
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="Kowalska", group=group, active_from="2026-09-01", author="test"
    )["id"]
    ids = {"group": group, "ania": ania}
    for key, email, role, extra in (
        ("mother", "mama@example.pl", "parent", {"children": [ania]}),
        ("father", "tata@example.pl", "parent", {"children": [ania]}),
        ("teacher", "nauczycielka@example.pl", "teacher", {"groups": [group]}),
        ("director", "dyrektor@example.pl", "director", {}),
    ):
        user, _password = add_user(db, email=email, name=key, role=role, author="test", **extra)
        ids[key] = user["id"]
    for key in ("mother", "teacher", "director"):  # the father chose nothing
        notifications.set_choices(
            db, ids[key], {("message", "email"), ("announcement", "email"), ("reply_due", "email")},
            datetime.now(UTC),
        )  # fmt: skip
    yield settings, db, ids
    db.close()


def queued(db: Database, kind: str) -> list[tuple[int, str]]:
    return [
        (row[0], row[1])
        for row in db.execute(
            "SELECT user_id, path FROM notification_outbox WHERE kind = ? ORDER BY id", [kind]
        )
    ]


def send_as(db: Database, settings: Settings, who: int, role: str, groups: frozenset[int], **what: object):
    person = service.writer(db, account_id=who, role=role, teacher_groups=groups, today=FRIDAY)
    return service.send(
        db, person, actor=f"{who}", attachments_dir=settings.attachments_dir, limits=Limits(10_000, 5),
        tz=settings.tz, now=warsaw(FRIDAY, 10), **what,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_message_and_its_reply_tell_those_who_chose_it(site) -> None:
    settings, db, ids = site
    sent = send_as(
        db, settings, ids["teacher"], "teacher", frozenset({ids["group"]}),
        audience="group_guardians", target=ids["group"], subject="Zebranie", body="We wtorek o 17:00.",
    )  # fmt: skip
    assert set(sent.recipient_ids) == {ids["mother"], ids["father"]}
    assert queued(db, "message") == [
        (ids["mother"], f"/messages/{sent.message_id}")
    ]  # the father chose nothing
    mother = service.writer(
        db, account_id=ids["mother"], role="parent", teacher_groups=frozenset(), today=FRIDAY
    )
    answer = service.reply(
        db, mother, actor="mama", message_id=sent.message_id, body="Będę.",
        attachments_dir=settings.attachments_dir, limits=Limits(10_000, 5), tz=settings.tz,
        now=warsaw(FRIDAY, 11),
    )  # fmt: skip
    assert queued(db, "message")[-1] == (ids["teacher"], f"/messages/{answer.message_id}")


def test_a_refused_message_queues_nothing(site) -> None:
    settings, db, ids = site
    with pytest.raises(Refusal):
        send_as(
            db, settings, ids["mother"], "parent", frozenset(),
            audience="guardian", target=ids["father"], subject="Hej", body="Do innego rodzica.",
        )  # fmt: skip
    assert queued(db, "message") == []


def test_a_system_message_is_told_like_any_message(site) -> None:
    _settings, db, ids = site
    cards.assign_card(db, uid="04A1B2C3", child_id=ids["ania"], author="sekretariat")
    [(who, path)] = queued(db, "message")
    assert who == ids["mother"] and path.startswith("/messages/")


def test_an_announcement_tells_its_audience_but_not_its_author(site) -> None:
    _settings, db, ids = site
    publishing.publish(
        db, title="Jasełka", body="W czwartek.", audience="group", group_id=ids["group"], shown_from=FRIDAY,
        shown_to=FRIDAY, author="dyrektor@example.pl", author_id=ids["director"], today=FRIDAY,
    )  # fmt: skip
    assert sorted(queued(db, "announcement")) == sorted(
        [(ids["mother"], "/announcements"), (ids["teacher"], "/announcements")]
    )
    with pytest.raises(Refusal):
        publishing.publish(
            db, title="", body="x", audience="everyone", group_id=None, shown_from=FRIDAY, shown_to=FRIDAY,
            author="dyrektor@example.pl", today=FRIDAY,
        )  # fmt: skip
    assert len(queued(db, "announcement")) == 2


def owed_on_friday(db: Database, ids: dict[str, int]) -> None:
    store.add_message(
        db, sender_id=ids["mother"], actor="mama", subject="Pytanie", body="Czy jutro jest wycieczka?",
        recipients=[store.Recipient(ids["teacher"], "teacher")], school_year="2026/2027",
        now=warsaw(FRIDAY, 9),
    )  # fmt: skip


def test_a_reply_due_is_reminded_once_a_working_day_from_the_opening_hour(site) -> None:
    settings, db, ids = site
    owed_on_friday(db, ids)
    assert remind(db, settings, warsaw(date(2026, 12, 1), 10)) == 0  # Tuesday: not due yet
    assert remind(db, settings, warsaw(date(2026, 12, 2), 6)) == 0  # Wednesday before opening
    assert remind(db, settings, warsaw(date(2026, 12, 2), 7)) == 1  # due today
    assert remind(db, settings, warsaw(date(2026, 12, 2), 15)) == 0  # told today already
    assert remind(db, settings, warsaw(date(2026, 12, 5), 10)) == 0  # Saturday: no term runs
    assert remind(db, settings, warsaw(date(2026, 12, 7), 8)) == 1  # Monday: overdue, told again
    assert queued(db, "reply_due") == [(ids["teacher"], "/replies")] * 2
    summary = db.execute("SELECT summary FROM notification_outbox WHERE kind = 'reply_due'").fetchone()[0]
    assert summary == "1 odpowiedź czeka: termin dziś lub miniony"


def test_the_running_hub_reminds_by_itself(site) -> None:
    settings, db, ids = site
    owed_on_friday(db, ids)
    woken: list[bool] = []
    reminders = ReplyReminders(
        settings,
        wake_sender=lambda: woken.append(True),
        clock=lambda: warsaw(date(2026, 12, 3), 9),
        every_s=0.05,
    )
    reminders.start()
    try:
        wait_until(lambda: queued(db, "reply_due") and woken)
    finally:
        reminders.stop()
    assert queued(db, "reply_due") == [(ids["teacher"], "/replies")]
