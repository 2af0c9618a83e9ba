"""`ewidencjoner quarantine`: the messages the hub rejected, kept with the reason; resolve
and purge them."""

from __future__ import annotations

import getpass
import json

import click

from hub.cli.context import database_from, or_dash, settings_from
from hub.store import quarantine
from hub.timefmt import utc_now


@click.group("quarantine")
def quarantine_group() -> None:
    """Messages the hub rejected, kept with the reason."""


@quarantine_group.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--limit",
    type=click.IntRange(1, quarantine.MAX_PAGE),
    default=quarantine.MAX_PAGE,
    show_default=True,
    help="Entries to show.",
)
@click.option("--after", "after_id", type=click.IntRange(0), default=0, help="Only entries after this id.")
@click.pass_context
def quarantine_list(
    ctx: click.Context, include_resolved: bool, as_json: bool, limit: int, after_id: int
) -> None:
    """List rejected messages with their reasons and counts (a page at a time)."""
    db = database_from(ctx)
    entries = quarantine.list_quarantine(
        db, include_resolved=include_resolved, limit=limit, after_id=after_id
    )
    if as_json:
        click.echo(
            json.dumps(
                {"counts": quarantine.count_by_reason(db), "entries": entries}, ensure_ascii=False, indent=2
            )
        )
        return
    if not entries:
        click.echo("The quarantine is empty.")
    for entry in entries:
        click.echo(
            f"#{entry['id']} ×{entry['count']} {entry['reason']}: {entry['detail']}\n"
            f"    topic {entry['topic']}\n"
            f"    first {entry['first_received_at']}, last {entry['last_received_at']}\n"
            f"    payload ({or_dash(entry['payload_size'])} bytes) {entry['payload'][:200]}"
        )
    if len(entries) == limit:
        click.echo(f"More entries: ewidencjoner quarantine list --after {entries[-1]['id']}")


@quarantine_group.command("resolve")
@click.argument("entry_id", type=click.IntRange(1, 2**62))
@click.option(
    "--author", default=lambda: f"cli:{getpass.getuser()}", help="Who resolves it (default: cli:<user>)."
)
@click.pass_context
def quarantine_resolve(ctx: click.Context, entry_id: int, author: str) -> None:
    """Mark entry ENTRY_ID dealt with (a conflict: after checking which tap was real and
    correcting the child's day if needed); it leaves the list and the inconsistency log."""
    try:
        quarantine.resolve(database_from(ctx), entry_id, utc_now(), author)
    except quarantine.QuarantineError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Quarantine entry #{entry_id} is resolved.")


@quarantine_group.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0, 3650),
    help="Days since an entry was resolved or last seen (default: the quarantine_retention_days setting).",
)
@click.pass_context
def quarantine_purge(ctx: click.Context, days: int | None) -> None:
    """Delete old entries: resolved, or last seen, more than DAYS ago (open conflicts stay)."""
    settings = settings_from(ctx)
    days = settings.quarantine_retention_days if days is None else days
    removed = quarantine.purge(database_from(ctx), utc_now(), days)
    click.echo(f"Removed {removed} quarantine entries older than {days} days.")
