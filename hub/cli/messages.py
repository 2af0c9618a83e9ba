"""`ewidencjoner messages`: an account's inbox and a thread, sending as an account, closing a
past school year's messages and then removing them, and the password-expiry reminders.

Reading here is the administrator's, not the account holder's: `list` and `show` record no
receipt (only the person's own opening, on the page or through the API, does). No command
edits or deletes a sent message; `remove-closed` refuses a school year not closed.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from hub.accounts import accounts, security_policy
from hub.accounts.rights import Account
from hub.cli.context import (
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    or_dash,
    refused_as_errors,
    settings_from,
)
from hub.refusal import N_, Refusal
from hub.rules.attachments import Limits
from hub.rules.messaging import AUDIENCES
from hub.services import messages as service
from hub.store import messages as store
from hub.store import system_messages


@click.group("messages")
def messages_group() -> None:
    """Messages (wiadomości): inbox, threads, sending, closing a school year."""


def _account(ctx: click.Context, email: str) -> Account:
    db = database_from(ctx)
    with refused_as_errors():
        user = accounts.find_user(db, email)
        account = accounts.load_account(db, user["id"], _today(ctx))
    if account is None:
        raise click.ClickException(f"the account {email} is blocked or expired")
    return account


@messages_group.command("list")
@click.option("--account", "email", required=True, help="Whose inbox (e-mail address).")
@click.option("--sent", is_flag=True, help="The messages the account sent, with how many read each.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@click.pass_context
def messages_list(ctx: click.Context, email: str, sent: bool, limit: int, as_json: bool) -> None:
    """An account's inbox (or sent messages), newest first."""
    db = database_from(ctx)
    account = _account(ctx, email)
    rows = store.sent(db, account.id, limit=limit) if sent else store.inbox(db, account.id, limit=limit)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        if sent:
            click.echo(
                f"{row['id']:>6}  {row['sent_at']}  read {row['read']}/{row['recipients']}  {row['subject']}"
            )
        else:
            state = "unread" if row["read_at"] is None else "read  "
            sender = row["sender_name"] or "(system)"
            click.echo(f"{row['id']:>6}  {row['sent_at']}  {state}  {sender}: {row['subject']}")


@messages_group.command("show")
@click.argument("message_id", type=int)
@click.option("--account", "email", required=True, help="As whom (the writer or a recipient).")
@json_option
@click.pass_context
def messages_show(ctx: click.Context, message_id: int, email: str, as_json: bool) -> None:
    """The thread of MESSAGE_ID as the account sees it (no receipt is recorded)."""
    db = database_from(ctx)
    account = _account(ctx, email)
    with refused_as_errors():
        message = store.get_message(db, message_id)
        if not store.may_see(db, message_id, account.id):
            raise Refusal("message.unknown", N_("There is no message %(id)s."), id=message_id)
    shown = store.thread(db, message["thread_id"], account.id)
    for item in shown:
        item["attachments"] = store.attachments_of(db, item["id"])
        item["receipts"] = store.recipients_of(db, item["id"]) if item["sender_id"] == account.id else None
    if as_json:
        echo_json(shown)
        return
    for item in shown:
        click.echo(
            f"#{item['id']}  {item['sent_at']}  {item['sender_name'] or '(system)'}: {item['subject']}"
        )
        click.echo(item["body"])
        for file in item["attachments"]:
            click.echo(
                f"  attachment {file['id']}: {file['name']} ({file['content_type']}, {file['size']} B)"
            )
        for row in item["receipts"] or ():
            click.echo(f"  {row['name']}: {or_dash(row['read_at'])}")
        click.echo()


@messages_group.command("send")
@click.option("--from", "email", required=True, help="The writer's account (e-mail address).")
@click.option("--to", "audience", required=True, type=click.Choice(AUDIENCES), help="The audience.")
@click.option("--target", type=int, help="The guardian's or teacher's account id, or the group's id.")
@click.option("--subject", required=True)
@click.option("--body", required=True, help="The text ('-' reads it from standard input).")
@click.option(
    "--attach",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PDF, JPEG or PNG to attach (repeatable).",
)
@json_option
@click.pass_context
def messages_send(
    ctx: click.Context,
    email: str,
    audience: str,
    target: int | None,
    subject: str,
    body: str,
    files: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Send a message as an account, to an audience it may address."""
    db = database_from(ctx)
    settings = settings_from(ctx)
    account = _account(ctx, email)
    text = sys.stdin.read() if body == "-" else body
    person = service.writer(
        db, account_id=account.id, role=account.role, teacher_groups=account.groups, today=_today(ctx)
    )
    limits = Limits(settings.message_attachment_max_mb * 1024 * 1024, settings.message_attachment_max_files)
    with refused_as_errors():
        sent = service.send(
            db, person, actor=account.login, audience=audience, target=target, subject=subject, body=text,
            uploads=[service.Upload(path.name, path.read_bytes()) for path in files],
            attachments_dir=settings.attachments_dir, limits=limits, tz=settings.tz,
        )  # fmt: skip
    if as_json:
        echo_json({"id": sent.message_id, "recipients": list(sent.recipient_ids)})
    else:
        click.echo(f"Sent message {sent.message_id} to {len(sent.recipient_ids)} recipients.")


@messages_group.command("years")
@json_option
@click.pass_context
def messages_years(ctx: click.Context, as_json: bool) -> None:
    """Each school year's messages: how many, and whether closed or removed."""
    rows = store.years(database_from(ctx))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        state = "removed" if row["removed_at"] else "closed" if row["closed_at"] else "open"
        click.echo(f"{row['school_year']}  {row['messages']:>7}  {state}")


@messages_group.command("close-year")
@click.argument("school_year")
@author_option
@json_option
@click.pass_context
def messages_close_year(ctx: click.Context, school_year: str, author: str, as_json: bool) -> None:
    """Close SCHOOL_YEAR's messages (e.g. 2025/2026), from 1 September after it: read only."""
    with refused_as_errors():
        count = store.close_year(database_from(ctx), school_year, actor=author, today=_today(ctx))
    if as_json:
        echo_json({"school_year": school_year, "closed": count})
    else:
        click.echo(f"Closed {count} messages of {school_year}.")


@messages_group.command("remove-closed")
@click.argument("school_year")
@author_option
@json_option
@click.pass_context
def messages_remove_closed(ctx: click.Context, school_year: str, author: str, as_json: bool) -> None:
    """Remove a closed SCHOOL_YEAR's messages and attachments (refused while not closed)."""
    settings = settings_from(ctx)
    with refused_as_errors():
        count = store.remove_closed_year(
            database_from(ctx), school_year, attachments_dir=settings.attachments_dir, actor=author
        )
    if as_json:
        echo_json({"school_year": school_year, "removed": count})
    else:
        click.echo(f"Removed {count} messages of {school_year}.")


@messages_group.command("remind-passwords")
@json_option
@click.pass_context
def messages_remind_passwords(ctx: click.Context, as_json: bool) -> None:
    """Tell each account whose password expires within 7 days (once per password; for cron)."""
    db = database_from(ctx)
    days = security_policy.load(db).password_change_days
    reminded = system_messages.password_reminders(db, days, now=datetime.now(settings_from(ctx).tz))
    if as_json:
        echo_json({"reminded": reminded})
    else:
        click.echo(f"Reminded {len(reminded)} accounts.")
