"""Sending and answering messages: audiences resolved at sending, a parent's reply kept from
the other parents, attachments told by their content (the attacks refused whole), opening
as receipt, and the system messages (a card, an absence by staff, a password expiring)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database

from hub.accounts.accounts import add_user
from hub.refusal import Refusal
from hub.rules.attachments import Limits
from hub.services import messages as service
from hub.store import absences, audit, cards, registry, system_messages
from hub.store import messages as store
from hub.store.db import open_database

AUTHOR = "sekretariat@p11.pl"
TZ = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LIMITS = Limits(max_bytes=1024, max_files=2)
PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 100


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """Motylki (1): Zofia (child 1, Ewa's) and Jan (child 2, Iza's); Żabki (2): Ola (child 3,
    Ola Kos's). Anna teaches Motylki; Dorota is the director."""
    database = open_database(tmp_path / "messages.db")
    registry.add_group(database, "Motylki", author=AUTHOR)
    registry.add_group(database, "Żabki", author=AUTHOR)
    for first, group in (("Zofia", "Motylki"), ("Jan", "Motylki"), ("Ola", "Żabki")):
        registry.add_child(
            database,
            first_name=first,
            last_name="Nowak",
            group=group,
            active_from="2026-09-01",
            author=AUTHOR,
        )
    add_user(database, email="anna@p11.pl", name="Anna Lis", role="teacher", groups=[1], author=AUTHOR)  # 1
    add_user(database, email="ewa@p11.pl", name="Ewa Nowak", role="parent", children=[1], author=AUTHOR)  # 2
    add_user(database, email="iza@p11.pl", name="Iza Nowak", role="parent", children=[2], author=AUTHOR)  # 3
    add_user(database, email="ola@p11.pl", name="Ola Kos", role="parent", children=[3], author=AUTHOR)  # 4
    add_user(database, email="dyr@p11.pl", name="Dorota Dyr", role="director", author=AUTHOR)  # 5
    return database


def anna(db: Database) -> service.rule.Writer:
    return service.writer(db, account_id=1, role="teacher", teacher_groups=frozenset({1}), today=NOW.date())


def ewa(db: Database) -> service.rule.Writer:
    return service.writer(db, account_id=2, role="parent", teacher_groups=frozenset(), today=NOW.date())


def send(db: Database, folder: Path, person: service.rule.Writer, **extra: object) -> service.Sent:
    arguments: dict = {
        "actor": "anna@p11.pl", "audience": "group_guardians", "target": 1, "subject": "Zebranie",
        "body": "We wtorek o 17:00.", "attachments_dir": folder, "limits": LIMITS, "tz": TZ, "now": NOW,
    }  # fmt: skip
    return service.send(db, person, **(arguments | extra))


def test_a_group_message_reaches_its_guardians_and_a_parents_reply_only_the_teacher(
    db: Database, tmp_path: Path
) -> None:
    sent = send(db, tmp_path, anna(db))
    assert sent.recipient_ids == (2, 3)
    answer = service.reply(
        db, ewa(db), actor="ewa@p11.pl", message_id=sent.message_id, body="Będę.",
        attachments_dir=tmp_path, limits=LIMITS, tz=TZ,
    )  # fmt: skip
    assert answer.recipient_ids == (1,)
    shown = service.open_thread(db, 3, sent.message_id, actor="iza@p11.pl")
    assert [message["id"] for message in shown] == [sent.message_id]  # Iza never sees Ewa's reply
    assert shown[0]["addressed"]["addressed_name"] == "Motylki" and shown[0]["receipts"] is None


def test_opening_the_thread_is_the_receipt_the_writer_sees(db: Database, tmp_path: Path) -> None:
    sent = send(db, tmp_path, anna(db))
    opened = NOW + timedelta(hours=1, minutes=14)
    service.open_thread(db, 2, sent.message_id, actor="ewa@p11.pl", now=opened)
    service.open_thread(db, 2, sent.message_id, actor="ewa@p11.pl", now=opened + timedelta(days=1))
    [mine] = service.open_thread(db, 1, sent.message_id, actor="anna@p11.pl")
    assert {row["name"]: row["read_at"] for row in mine["receipts"]} == {
        "Ewa Nowak": "2026-12-04T10:14:00.000Z",
        "Iza Nowak": None,
    }
    with pytest.raises(Refusal):
        service.open_thread(db, 4, sent.message_id, actor="ola@p11.pl")  # not hers: no such message


def test_a_parent_may_not_write_to_parents_nor_to_another_groups_teacher(
    db: Database, tmp_path: Path
) -> None:
    with pytest.raises(Refusal) as parents:
        send(db, tmp_path, ewa(db), actor="ewa@p11.pl")
    assert parents.value.code == "message.parent_to_parent"
    add_user(db, email="basia@p11.pl", name="Basia Zub", role="teacher", groups=[2], author=AUTHOR)  # 6
    with pytest.raises(Refusal) as other:
        send(db, tmp_path, ewa(db), actor="ewa@p11.pl", audience="teacher", target=6)
    assert other.value.code == "message.not_childs_teacher"
    kinds = [choice["kind"] for choice in service.compose_choices(db, ewa(db), NOW.date())]
    assert kinds == ["teacher", "group_teachers", "director"]  # no secretary or admin account here
    choices = service.compose_choices(db, anna(db), NOW.date())
    annas = {choice["kind"]: choice["targets"] for choice in choices}
    assert annas["group_guardians"] == [{"id": 1, "name": "Motylki"}]  # group 1; Anna is account 1
    assert [target["name"] for target in annas["guardian"]] == ["Ewa Nowak", "Iza Nowak"]
    assert "Anna Lis" not in [target["name"] for target in annas["teacher"]]  # not to herself
    assert send(db, tmp_path, ewa(db), actor="ewa@p11.pl", audience="teacher", target=1).recipient_ids == (1,)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        (
            "plan.pdf",
            PNG,
            "attachment.name_mismatch",
        ),  # a PNG renamed .pdf (whatever type the browser claims)
        ("x.pdf", b"<html><script>alert(1)</script></html>", "attachment.type"),
        ("big.pdf", PDF + b"x" * 1024, "attachment.too_big"),
        ("empty.pdf", b"", "attachment.empty"),
        ("../", PDF, "attachment.no_name"),
    ],
)
def test_attachment_attacks_are_refused_and_nothing_is_sent(
    db: Database, tmp_path: Path, name: str, data: bytes, code: str
) -> None:
    folder = tmp_path / "attachments"
    with pytest.raises(Refusal) as refused:
        send(db, folder, anna(db), uploads=[service.Upload("ok.pdf", PDF), service.Upload(name, data)])
    assert refused.value.code == code
    assert store.sent(db, 1) == [] and not folder.exists()


def test_too_many_files_and_path_traversal_names(db: Database, tmp_path: Path) -> None:
    with pytest.raises(Refusal) as many:
        send(db, tmp_path, anna(db), uploads=[service.Upload(f"{n}.pdf", PDF) for n in range(3)])
    assert many.value.code == "attachment.too_many"
    sent = send(db, tmp_path, anna(db), uploads=[service.Upload("../../etc/pass\r\nwd.pdf", PDF)])
    [kept] = store.attachments_of(db, sent.message_id)
    assert kept["name"] == "pass__wd.pdf" and kept["content_type"] == "application/pdf"
    _, data = service.attachment_for(db, 2, kept["id"], tmp_path)
    assert data == PDF
    with pytest.raises(Refusal):
        service.attachment_for(db, 4, kept["id"], tmp_path)  # Ola got no such message


def test_system_messages_for_a_card_an_absence_by_staff_and_a_password(db: Database) -> None:
    cards.assign_card(db, uid="04A2B3C4", child_id=1, author=AUTHOR, number="17")
    [card] = store.inbox(db, 2)
    assert card["kind"] == "system" and card["sender_id"] is None and "Zofia" in card["subject"]
    absences.report_absence(
        db, child_id=2, first=date(2026, 12, 7), last=date(2026, 12, 8), reported_by=AUTHOR
    )
    assert "Jan" in store.inbox(db, 3)[0]["subject"]
    absences.report_absence(
        db, child_id=2, first=date(2026, 12, 9), last=date(2026, 12, 9), reported_by="iza@p11.pl"
    )
    assert len(store.inbox(db, 3)) == 1  # a guardian's own report tells nobody
    with pytest.raises(Refusal) as answer:
        service.reply(
            db, ewa(db), actor="ewa@p11.pl", message_id=card["id"], body="?",
            attachments_dir=Path("."), limits=LIMITS, tz=TZ,
        )  # fmt: skip
    assert answer.value.code == "message.system_no_reply"

    db.execute("UPDATE users SET must_change = 0")
    later = datetime.now(UTC) + timedelta(days=24)
    assert system_messages.password_reminders(db, 30, now=later, account_id=2) == [2]  # at Ewa's login
    assert system_messages.password_reminders(db, 30, now=later) == [1, 3, 4, 5]
    assert (
        system_messages.password_reminders(db, 30, now=later + timedelta(days=1)) == []
    )  # once per password
    assert "hasło" in store.inbox(db, 5)[0]["subject"].lower()
    assert any(entry["action"] == "message.send" for entry in audit.entries(db, actor="system"))
