"""Sending, answering and opening messages: the rules (`hub.rules.messaging`, `attachments`)
fed from storage (`hub.store.messages`), the questions the pages, the API and the CLI ask.

`send` and `reply` return a `Sent`: the new message's id and the accounts it went to. That
is the one place a sent message's recipients are known, so whatever tells people about a
new message (an e-mail, a push) starts from it. Opening a thread records the first opening
of each message addressed to the reader (the read receipt, `store.mark_read`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules import attachments as files_rule
from hub.rules import messaging as rule
from hub.rules.school_year import school_year_label, school_year_of
from hub.services.notifications import notify
from hub.store import message_audiences, message_files
from hub.store import messages as store
from hub.timefmt import utc_now

MAX_SUBJECT = 200
MAX_BODY = 20_000


@dataclass(frozen=True)
class Upload:
    """A file as it came from a form or a command line: the name given and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Sent:
    """A message just stored and the accounts it went to (for notifications)."""

    message_id: int
    recipient_ids: tuple[int, ...]


def writer(
    db: Database, *, account_id: int, role: str, teacher_groups: frozenset[int], today: date
) -> rule.Writer:
    """The writer as the rule sees them: a teacher's groups, or a parent's children's groups."""
    if role == "parent":
        return rule.Writer(account_id, role, message_audiences.guardian_groups(db, account_id, today))
    return rule.Writer(account_id, role, teacher_groups if role == "teacher" else frozenset())


def compose_choices(db: Database, person: rule.Writer, today: date) -> list[dict[str, Any]]:
    """The audiences this writer may choose that have somebody in them, each with the
    targets they may pick (for the targeted kinds): [{"kind", "targets": [{"id", "name"}] or
    None}] in the form's order."""
    allowed = rule.may_address(person)
    chosen: list[dict[str, Any]] = []
    for kind in rule.AUDIENCES:
        if kind not in allowed:
            continue
        if kind not in rule.NEEDS_TARGET:
            if set(message_audiences.members(db, kind, None, today)) - {person.account_id}:
                chosen.append({"kind": kind, "targets": None})
            continue
        targets = []
        for option in message_audiences.choices(db, kind, today):
            try:
                rule.check_audience(person, rule.Audience(kind, option["id"], option["groups"]))
            except Refusal:
                continue
            if kind in (rule.GROUP_GUARDIANS, rule.GROUP_TEACHERS) or option["id"] != person.account_id:
                targets.append({"id": option["id"], "name": option["name"]})
        if targets:
            chosen.append({"kind": kind, "targets": targets})
    return chosen


def send(
    db: Database,
    person: rule.Writer,
    *,
    actor: str,
    audience: str,
    target: int | None,
    subject: str,
    body: str,
    uploads: Sequence[Upload] = (),
    attachments_dir: Path,
    limits: files_rule.Limits,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> Sent:
    """Send a new message to an audience the writer may address; its recipients are the
    audience's accounts at this moment (the writer never among them)."""
    moment = now or utc_now()
    today = moment.astimezone(tz).date()
    subject, body = _text(subject, body)
    rule.check_audience(
        person, rule.Audience(audience, target, message_audiences.groups_touched(db, audience, target, today))
    )
    name = message_audiences.name(db, audience, target)
    members = [
        account
        for account in message_audiences.members(db, audience, target, today)
        if account != person.account_id
    ]
    recipients = [store.Recipient(account, audience, name) for account in members]
    kept = _keep_files(uploads, attachments_dir, limits)
    with db.atomic():
        message_id = store.add_message(
            db, sender_id=person.account_id, actor=actor, subject=subject, body=body, recipients=recipients,
            school_year=school_year_label(school_year_of(today)), attachments=kept, now=moment,
        )  # fmt: skip
        notify(db, members, "message", f"/messages/{message_id}", now=moment)
    return Sent(message_id, tuple(members))


def reply(
    db: Database,
    person: rule.Writer,
    *,
    actor: str,
    message_id: int,
    body: str,
    uploads: Sequence[Upload] = (),
    attachments_dir: Path,
    limits: files_rule.Limits,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> Sent:
    """Answer one message (see `hub.rules.messaging` for whom a reply reaches)."""
    moment = now or utc_now()
    answered = store.get_message(db, message_id)
    if not store.may_see(db, message_id, person.account_id):
        raise Refusal("message.unknown", N_("There is no message %(id)s."), id=message_id)
    participants = [
        rule.Participant(row["account_id"], row["addressed_kind"], row["role"] == "parent")
        for row in store.recipients_of(db, message_id)
    ]
    chosen = rule.reply_recipients(
        person.account_id, person.role == "parent", answered["sender_id"], participants
    )
    if not chosen:
        raise Refusal("message.no_recipients", N_("The chosen audience has nobody to receive the message."))
    if person.account_id == answered["sender_id"]:
        by_id = {row["account_id"]: row for row in store.recipients_of(db, message_id)}
        recipients = [
            store.Recipient(a, by_id[a]["addressed_kind"], by_id[a]["addressed_name"]) for a in chosen
        ]
    else:
        recipients = [store.Recipient(a, rule.PERSON, message_audiences.account_name(db, a)) for a in chosen]
    subject = answered["subject"] if answered["subject"].startswith("Re: ") else f"Re: {answered['subject']}"
    subject, body = _text(subject[:MAX_SUBJECT], body)
    kept = _keep_files(uploads, attachments_dir, limits)
    year = school_year_label(school_year_of(moment.astimezone(tz).date()))
    with db.atomic():
        new_id = store.add_message(
            db, sender_id=person.account_id, actor=actor, subject=subject, body=body, recipients=recipients,
            school_year=year, in_reply_to=message_id, attachments=kept, now=moment,
        )  # fmt: skip
        notify(db, chosen, "message", f"/messages/{new_id}", now=moment)
    return Sent(new_id, tuple(chosen))


def send_system_message(
    db: Database, account_ids: Sequence[int], subject: str, body: str, *, now: datetime | None = None
) -> Sent | None:
    """A message from the hub itself (no writer; nobody can answer it) to these accounts;
    None when there is nobody to tell."""
    message_id = store.send_system_message(db, account_ids, subject, body, now=now)
    return None if message_id is None else Sent(message_id, tuple(dict.fromkeys(account_ids)))


def open_thread(
    db: Database, account_id: int, thread_id: int, *, actor: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The thread's messages this account wrote or received, oldest first, each with its
    attachments, the reader's own addressing (`addressed`) and, for what the reader wrote,
    every recipient's receipt (`receipts`). Opening it is the receipt of each message in it
    addressed to the reader (recorded once, audited)."""
    shown = store.thread(db, thread_id, account_id)
    if not shown:
        raise Refusal("message.unknown", N_("There is no message %(id)s."), id=thread_id)
    moment = now or utc_now()
    for message in shown:
        store.mark_read(db, message["id"], account_id, actor=actor, now=moment)
        message["attachments"] = store.attachments_of(db, message["id"])
        message["addressed"] = store.receipt(db, message["id"], account_id)
        message["receipts"] = (
            store.recipients_of(db, message["id"]) if message["sender_id"] == account_id else None
        )
    return shown


def attachment_for(
    db: Database, account_id: int, attachment_id: int, attachments_dir: Path
) -> tuple[dict, bytes]:
    """An attachment's row and bytes, for its message's writer and recipients only (anyone
    else is told there is no such attachment, so ids reveal nothing)."""
    row = store.get_attachment(db, attachment_id)
    if not store.may_see(db, row["message_id"], account_id):
        raise Refusal("message.unknown_attachment", N_("There is no attachment %(id)s."), id=attachment_id)
    return row, message_files.read(attachments_dir, row["sha256"])


def _text(subject: str, body: str) -> tuple[str, str]:
    clean_subject, clean_body = (subject or "").strip(), (body or "").strip()
    if not clean_subject:
        raise Refusal("message.subject_missing", N_("A message needs a subject."))
    if not clean_body:
        raise Refusal("message.body_missing", N_("A message needs some text."))
    if len(clean_subject) > MAX_SUBJECT or "\n" in clean_subject or "\r" in clean_subject:
        raise Refusal(
            "message.subject_too_long",
            N_("A subject is one line of at most %(limit)s characters."),
            limit=MAX_SUBJECT,
        )
    if len(clean_body) > MAX_BODY:
        raise Refusal(
            "message.body_too_long", N_("A message has at most %(limit)s characters."), limit=MAX_BODY
        )
    return clean_subject, clean_body


def _keep_files(
    uploads: Sequence[Upload], directory: Path, limits: files_rule.Limits
) -> list[store.Attachment]:
    """Check every file first (all refused if one is), then keep them."""
    files_rule.check_count(len(uploads), limits)
    checked = [(files_rule.check_file(upload.name, upload.data, limits), upload.data) for upload in uploads]
    return [
        store.Attachment(file.name, file.content_type, file.size, message_files.put(directory, data))
        for file, data in checked
    ]
