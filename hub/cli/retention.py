"""`ewidencjoner purge`: remove what is past its retention (the journal after its archival
term, old sessions, attempts and logs) and record that it did."""

from __future__ import annotations

from dataclasses import asdict

import click

from hub.cli.context import author_option, database_from, echo_json, json_option, settings_from
from hub.services import retention
from hub.timefmt import utc_now


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would go; change nothing.")
@author_option
@json_option
@click.pass_context
def purge_command(ctx: click.Context, dry_run: bool, author: str, as_json: bool) -> None:
    """Remove records past their retention (journal, sessions, attempts, logs); audited."""
    settings, db, now = settings_from(ctx), database_from(ctx), utc_now()
    found = retention.plan(db, settings, now) if dry_run else retention.purge(db, settings, now, actor=author)
    if as_json:
        echo_json({"dry_run": dry_run, "kinds": [asdict(entry) for entry in found]})
        return
    verb = "would remove" if dry_run else "removed"
    for entry in found:
        kept = f" (kept from {entry.kept_from})" if entry.kept_from else ""
        click.echo(f"{entry.kind}: {verb} {entry.rows}{kept}")
