"""The replies owed by teachers (000 §3.5) from the stored messages: what is owed, what a
reply or "nie wymaga odpowiedzi" ends, the teacher's absences and the director's panel."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts import accounts
from hub.accounts.accounts import add_user
from hub.config import Settings
from hub.devtools.demo import seed_demo, seed_demo_accounts, seed_demo_replies
from hub.refusal import Refusal
from hub.rules import messaging as rule
from hub.services import reply_terms
from hub.store import audit, registry, replies, site_settings, staff_absences
from hub.store import messages as store
from hub.store.db import open_database

AUTHOR = "sekretariat@p11.pl"
TEACHER, COLLEAGUE, PARENT, DIRECTOR, OTHER_TEACHER = 1, 2, 3, 4, 5


@pytest.fixture
def site(tmp_path: Path) -> tuple[Database, Settings]:
    settings = Settings(database=tmp_path / "replies.db")
    db = open_database(settings.database)
    registry.add_group(db, "Motylki", author=AUTHOR)
    registry.add_child(
        db, first_name="Zofia", last_name="Nowak", group="Motylki", active_from="2026-09-01", author=AUTHOR
    )
    add_user(db, email="anna@p11.pl", name="Anna Lis", role="teacher", groups=[1], author=AUTHOR)
    add_user(db, email="beata@p11.pl", name="Beata Kos", role="teacher", groups=[1], author=AUTHOR)
    add_user(db, email="ewa@p11.pl", name="Ewa Nowak", role="parent", children=[1], author=AUTHOR)
    add_user(db, email="dyr@p11.pl", name="Dorota Dyr", role="director", author=AUTHOR)
    add_user(db, email="celina@p11.pl", name="Celina Wróbel", role="teacher", author=AUTHOR)
    return db, settings


def at(settings: Settings, day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=settings.tz)


def write(
    db: Database,
    sender: int,
    to: list[int],
    when: datetime,
    *,
    kind: str = rule.TEACHER,
    reply_to: int | None = None,
) -> int:
    return store.add_message(
        db, sender_id=sender, actor=f"user{sender}", subject="Pytanie", body="Czy jutro jest wycieczka?",
        recipients=[store.Recipient(account, kind, "") for account in to], school_year="2026/2027",
        in_reply_to=reply_to, now=when,
    )  # fmt: skip


FRIDAY = date(2026, 11, 27)


def test_a_parents_message_to_a_teacher_is_owed_and_a_reply_ends_it(site: tuple[Database, Settings]) -> None:
    db, settings = site
    message = write(db, PARENT, [TEACHER], at(settings, FRIDAY))
    [owed] = reply_terms.owed(db, settings, FRIDAY, TEACHER)
    assert (owed.message_id, owed.parent_name, owed.term.due, owed.state) == (
        message, "Ewa Nowak", date(2026, 12, 2), "upcoming",
    )  # fmt: skip
    assert reply_terms.owed(db, settings, date(2026, 12, 2), TEACHER)[0].state == "due_today"
    assert reply_terms.owed(db, settings, date(2026, 12, 3), TEACHER)[0].state == "overdue"  # 4th working day
    write(db, TEACHER, [PARENT], at(settings, date(2026, 12, 3)), kind=rule.PERSON, reply_to=message)
    assert reply_terms.owed(db, settings, date(2026, 12, 3)) == []
    [late] = reply_terms.late_replies(db, settings, date(2026, 12, 1), date(2026, 12, 31))
    assert (late.message_id, late.due, late.answered_on) == (message, date(2026, 12, 2), date(2026, 12, 3))


def test_only_parents_messages_to_teachers_are_owed(site: tuple[Database, Settings]) -> None:
    db, settings = site
    write(db, PARENT, [DIRECTOR], at(settings, FRIDAY), kind=rule.DIRECTOR)
    write(db, DIRECTOR, [TEACHER], at(settings, FRIDAY), kind=rule.TEACHER)
    write(db, TEACHER, [PARENT], at(settings, FRIDAY), kind=rule.GUARDIAN)
    assert replies.waiting(db) == []


def test_a_reply_by_someone_else_does_not_end_it(site: tuple[Database, Settings]) -> None:
    db, settings = site
    message = write(db, PARENT, [TEACHER], at(settings, FRIDAY))
    write(db, PARENT, [TEACHER], at(settings, FRIDAY, 11), kind=rule.PERSON, reply_to=message)  # a reminder
    assert [row["message_id"] for row in replies.waiting(db)] == [message, message + 1]


def test_to_a_groups_teachers_one_answer_answers_for_both(site: tuple[Database, Settings]) -> None:
    db, settings = site
    message = write(db, PARENT, [TEACHER, COLLEAGUE], at(settings, FRIDAY), kind=rule.GROUP_TEACHERS)
    assert {row["account_id"] for row in replies.waiting(db)} == {TEACHER, COLLEAGUE}
    write(db, COLLEAGUE, [PARENT], at(settings, FRIDAY, 12), kind=rule.PERSON, reply_to=message)
    assert replies.waiting(db) == []


def test_no_reply_needed_with_a_reason_is_recorded(site: tuple[Database, Settings]) -> None:
    db, settings = site
    message = write(db, PARENT, [TEACHER], at(settings, FRIDAY))
    with pytest.raises(Refusal) as refused:
        replies.waive(db, message, TEACHER, reason="  ", author="anna@p11.pl")
    assert refused.value.code == "field.required"
    with pytest.raises(Refusal) as refused:  # not hers to waive
        replies.waive(db, message, OTHER_TEACHER, reason="x", author="celina@p11.pl")
    assert refused.value.code == "reply.not_owed"
    replies.waive(db, message, TEACHER, reason="podziękowanie", author="anna@p11.pl")
    assert replies.waiting(db) == []
    [waived] = replies.waivers(db, TEACHER)
    assert (waived["reason"], waived["waived_by"]) == ("podziękowanie", "anna@p11.pl")
    [entry] = [
        e for e in audit.entries(db, entity="message", entity_id=message) if e["action"] == "reply.waive"
    ]
    assert entry["actor"] == "anna@p11.pl"
    with pytest.raises(Refusal) as refused:  # once
        replies.waive(db, message, TEACHER, reason="znowu", author="anna@p11.pl")
    assert refused.value.code == "reply.not_owed"


def test_the_teachers_sick_leave_and_the_sites_closed_day_move_the_term(
    site: tuple[Database, Settings],
) -> None:
    db, settings = site
    write(db, PARENT, [TEACHER], at(settings, date(2026, 11, 17)))
    assert reply_terms.owed(db, settings, date(2026, 11, 17))[0].term.due == date(2026, 11, 20)
    staff_absences.add_absence(
        db, account_id=TEACHER, first=date(2026, 11, 16), last=date(2026, 11, 18), kind="sick", author=AUTHOR
    )
    assert reply_terms.owed(db, settings, date(2026, 11, 17))[0].term.due == date(2026, 11, 23)
    site_settings.add_closed_day(db, date(2026, 11, 20), "dzień dyrektorski", author=AUTHOR)
    assert reply_terms.owed(db, settings, date(2026, 11, 17))[0].term.due == date(2026, 11, 24)


def test_the_directors_panel_per_teacher(site: tuple[Database, Settings]) -> None:
    db, settings = site
    old = write(db, PARENT, [TEACHER], at(settings, date(2026, 11, 23)))  # due 26 Nov: overdue
    write(db, PARENT, [TEACHER], at(settings, date(2026, 11, 30)))  # due 3 Dec: today
    write(db, PARENT, [COLLEAGUE], at(settings, date(2026, 12, 2)))  # due 7 Dec: later
    today = date(2026, 12, 3)
    rows = reply_terms.panel(db, settings, today)
    assert [(row.name, len(row.overdue), len(row.due_today), len(row.upcoming)) for row in rows] == [
        ("Anna Lis", 1, 1, 0), ("Beata Kos", 0, 0, 1),
    ]  # fmt: skip
    assert rows[0].overdue[0].message_id == old
    write(db, TEACHER, [PARENT], at(settings, today), kind=rule.PERSON, reply_to=old)
    rows = reply_terms.panel(db, settings, today)
    assert [(row.name, len(row.late_this_month)) for row in rows] == [("Anna Lis", 1), ("Beata Kos", 0)]


def test_the_demo_shows_one_overdue_and_one_upcoming_and_a_training(tmp_path: Path) -> None:
    """`ewidencjoner demo`'s seed: the teacher owes one reply overdue and one sent today."""
    settings = Settings(database=tmp_path / "demo.db")
    db = open_database(settings.database)
    today = datetime.now(settings.tz).date()
    seed_demo(db, today)
    seed_demo_accounts(db, today)
    seed_demo_replies(db, settings)
    seed_demo_replies(db, settings)  # once
    teacher = accounts.find_user(db, "anna.nowak@example.pl")["id"]
    states = [item.state for item in reply_terms.owed(db, settings, today, teacher)]
    assert states[0] == "overdue" and len(states) == 2
    [training] = staff_absences.list_absences(db)
    assert training["kind"] == "training" and training["first_day"] > today.isoformat()
