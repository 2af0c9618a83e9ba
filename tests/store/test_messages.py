"""The message store: a message kept with its recipients fixed at sending, the read receipt set
once and audited, attachments as files named by their digest, and nothing removed before the
administrator closes the school year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts.accounts import add_user
from hub.refusal import Refusal
from hub.rules import messaging as rule
from hub.store import audit, message_audiences, message_files, registry
from hub.store import messages as store
from hub.store.db import open_database

AUTHOR = "sekretariat@p11.pl"
SENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 5)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """Motylki (group 1) with two children and their mothers; Żabki (group 2) with one; a
    teacher of Motylki; the director."""
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


def group_message(db: Database, **extra: object) -> int:
    members = message_audiences.members(db, rule.GROUP_GUARDIANS, 1, TODAY)
    name = message_audiences.name(db, rule.GROUP_GUARDIANS, 1)
    recipients = [store.Recipient(account, rule.GROUP_GUARDIANS, name) for account in members]
    arguments: dict = {
        "subject": "Zebranie",
        "body": "We wtorek o 17:00.",
        "school_year": "2026/2027",
        "now": SENT,
    }
    return store.add_message(
        db, sender_id=1, actor="anna@p11.pl", recipients=recipients, **(arguments | extra)
    )


def test_a_group_audience_is_its_guardians_fixed_at_sending(db: Database) -> None:
    message_id = group_message(db)
    registry.update_child(db, 3, group="Motylki", author=AUTHOR)  # Ola joins Motylki after the message
    got = [
        (row["account_id"], row["addressed_kind"], row["addressed_name"])
        for row in store.recipients_of(db, message_id)
    ]
    assert got == [(2, "group_guardians", "Motylki"), (3, "group_guardians", "Motylki")]
    assert message_audiences.members(db, rule.GROUP_GUARDIANS, 1, TODAY) == [2, 3, 4]


def test_the_first_opening_is_the_receipt_kept_once_and_audited(db: Database) -> None:
    message_id = group_message(db)
    assert store.unread_count(db, 2) == 1
    first = datetime(2026, 12, 5, 9, 14, tzinfo=UTC)
    assert store.mark_read(db, message_id, 2, actor="ewa@p11.pl", now=first)
    assert not store.mark_read(db, message_id, 2, actor="ewa@p11.pl", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert not store.mark_read(db, message_id, 4, actor="ola@p11.pl")  # not a recipient: nothing happens
    receipts = {row["account_id"]: row["read_at"] for row in store.recipients_of(db, message_id)}
    assert receipts == {2: "2026-12-05T09:14:00.000Z", 3: None}
    [entry] = audit.entries(db, entity="message", entity_id=message_id, actor="ewa@p11.pl")
    assert entry["action"] == "message.read" and entry["after"]["account_id"] == 2
    assert store.unread_count(db, 2) == 0


def test_inbox_sent_and_thread(db: Database) -> None:
    first = group_message(db)
    reply = store.add_message(
        db, sender_id=2, actor="ewa@p11.pl", subject="Re: Zebranie", body="Będę.", school_year="2026/2027",
        recipients=[store.Recipient(1, rule.PERSON, "Anna Lis")], in_reply_to=first,
    )  # fmt: skip
    assert [row["id"] for row in store.inbox(db, 2)] == [first]
    assert [row["id"] for row in store.inbox(db, 1)] == [reply]
    assert [(row["recipients"], row["read"]) for row in store.sent(db, 1)] == [(2, 0)]
    assert [row["id"] for row in store.thread(db, first, 2)] == [first, reply]
    assert [row["id"] for row in store.thread(db, first, 3)] == [first]  # Iza never sees Ewa's reply
    assert store.may_see(db, reply, 1) and not store.may_see(db, reply, 3)


def test_attachments_are_files_named_by_their_digest(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "attachments"
    data = b"%PDF-1.7 plan"
    sha = message_files.put(folder, data)
    assert message_files.put(folder, data) == sha  # the same file is kept once
    assert (folder / sha[:2] / sha).read_bytes() == data
    message_id = group_message(
        db, attachments=[store.Attachment("plan.pdf", "application/pdf", len(data), sha)]
    )
    [kept] = store.attachments_of(db, message_id)
    assert (kept["name"], kept["size"], kept["sha256"]) == ("plan.pdf", len(data), sha)
    with pytest.raises(ValueError):
        message_files.path_of(folder, "../../etc/passwd")


def test_nothing_is_removed_before_the_year_is_closed(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "attachments"
    sha = message_files.put(folder, b"\x89PNG\r\n\x1a\nimage")
    message_id = group_message(db, attachments=[store.Attachment("a.png", "image/png", 13, sha)])
    with pytest.raises(Refusal) as refused:
        store.remove_closed_year(db, "2026/2027", attachments_dir=folder, actor="admin@p11.pl")
    assert refused.value.code == "message.year_not_closed"
    with pytest.raises(Refusal) as early:
        store.close_year(db, "2026/2027", actor="admin@p11.pl", today=date(2027, 8, 31))
    assert early.value.code == "message.year_not_over"
    assert store.get_message(db, message_id)["closed_at"] is None

    assert store.close_year(db, "2026/2027", actor="admin@p11.pl", today=date(2027, 9, 1)) == 1
    assert store.get_message(db, message_id)["closed_at"] is not None
    with pytest.raises(Refusal) as closed:
        store.add_message(
            db, sender_id=2, actor="ewa@p11.pl", subject="Re", body="x", school_year="2026/2027",
            recipients=[store.Recipient(1, rule.PERSON)], in_reply_to=message_id,
        )  # fmt: skip
    assert closed.value.code == "message.year_closed"

    assert store.remove_closed_year(db, "2026/2027", attachments_dir=folder, actor="admin@p11.pl") == 1
    with pytest.raises(Refusal):
        store.get_message(db, message_id)
    assert not (folder / sha[:2] / sha).exists()
    assert [row["action"] for row in audit.entries(db, entity="message_year")] == [
        "message.remove_year",
        "message.close_year",
    ]
