"""`ewidencjoner notifications`: the Web Push key, the outbox, a test mail."""

from __future__ import annotations

import click

from hub.cli.context import database_from, echo_json, json_option, settings_from
from hub.services import mail, web_push
from hub.store import notifications
from hub.timefmt import to_db, utc_now


@click.group("notifications")
def notifications_group() -> None:
    """Notifications by e-mail and Web Push: the VAPID key, the outbox, a test mail."""


@notifications_group.command("vapid-keys")
@click.pass_context
def vapid_keys(ctx: click.Context) -> None:
    """Make the site's VAPID key (once; owner-only, beside the database) and print its public key."""
    settings = settings_from(ctx)
    made = web_push.make_vapid_key(settings.vapid_key_path)
    key = web_push.public_key(web_push.vapid_key(settings))
    click.echo(f"{'Made' if made else 'Kept'} the VAPID key {settings.vapid_key_path}")
    click.echo(f"Public key (applicationServerKey): {key}")


@notifications_group.command("outbox")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@json_option
@click.pass_context
def outbox(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The latest notifications: queued, sent, or given up with the last error."""
    rows = notifications.outbox(database_from(ctx), limit)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        state = "sent" if row["sent_at"] else "given up" if row["given_up_at"] else "queued"
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        click.echo(f"{row['id']:>6}  {row['queued_at']}  {row['channel']:<5} {row['kind']:<12} "
                   f"{row['email']}  {state}, {row['attempts']} attempts{error}")  # fmt: skip


@notifications_group.command("test-mail")
@click.argument("address")
@click.pass_context
def test_mail(ctx: click.Context, address: str) -> None:
    """Send ADDRESS a notification mail now, through the SMTP settings (to check them)."""
    settings = settings_from(ctx)
    if not settings.smtp_host:
        raise click.ClickException("smtp_host is not set: see the README, Powiadomienia")
    row = {"kind": "message", "path": "/account/notifications", "email": address, "summary": "",
           "queued_at": to_db(utc_now())}  # fmt: skip
    errors = mail.send_all(settings, [(0, mail.compose(settings, row))])
    if errors:
        raise click.ClickException(errors[0])
    click.echo(f"Sent a test mail to {address} through {settings.smtp_host}:{settings.smtp_port}.")
