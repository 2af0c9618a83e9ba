"""The `ewidencjoner` command's data commands: readers, exports, the quarantine.

Commands that run the web server (`serve`, `demo`) are added by `web.cli`, because the hub
never imports the web package.
"""

from __future__ import annotations

import csv
import getpass
import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from hub.cli.broker import BROKER_COMMANDS, READER_LOGIN_COMMANDS
from hub.cli.context import database_from, settings_from
from hub.cli.desk import desk_reader_command
from hub.cli.fees import FEE_COMMANDS
from hub.cli.journal import JOURNAL_COMMANDS
from hub.cli.registry import REGISTRY_COMMANDS
from hub.cli.reports import report_command
from hub.cli.topics import topics_group
from hub.cli.users import users_group
from hub.config import ConfigError, load_settings
from hub.ingest.health import describe_heartbeat, read_heartbeat
from hub.store import quarantine, readers, taps
from hub.timefmt import local_day_bounds, utc_now


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (TOML). Default: $EWIDENCJONER_CONFIG or ./ewidencjoner.toml.",
)
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), help="SQLite database file.")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, database: Path | None) -> None:
    """ewidencjoner: kindergarten attendance readers and their hub."""
    try:
        ctx.obj = load_settings(config_file).with_overrides(database=database)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


@cli.group("readers")
def readers_group() -> None:
    """Register and list card readers."""


@readers_group.command("add")
@click.argument("reader_id")
@click.option("--name", required=True, help="What staff call it, e.g. 'Wejście główne'.")
@click.option(
    "--mode",
    type=click.Choice(readers.READER_MODES),
    default="toggle",
    show_default=True,
    help="toggle: taps alternate arrival/departure; in/out: a door reader for one direction.",
)
@click.pass_context
def readers_add(ctx: click.Context, reader_id: str, name: str, mode: str) -> None:
    """Register reader READER_ID so the hub accepts its taps."""
    try:
        reader = readers.add_reader(database_from(ctx), reader_id, name, mode)
    except readers.ReaderError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Registered reader {reader['id']} ({reader['name']}, mode {reader['mode']}).")


@readers_group.command("set-mode")
@click.argument("reader_id")
@click.argument("mode", type=click.Choice(readers.READER_MODES))
@click.option(
    "--author", default=lambda: f"cli:{getpass.getuser()}", help="Who changes it (default: cli:<user>)."
)
@click.pass_context
def readers_set_mode(ctx: click.Context, reader_id: str, mode: str, author: str) -> None:
    """Change a reader's mode from now on (earlier taps keep the mode they were made in)."""
    try:
        readers.set_mode(database_from(ctx), reader_id, mode, author)
    except readers.ReaderError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Reader {reader_id} is now in mode {mode}; the hub sends it the new config within a minute.")


@readers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def readers_list(ctx: click.Context, as_json: bool) -> None:
    """List readers with their latest status, after a line saying whether ingest keeps up."""
    rows = readers.list_readers(database_from(ctx))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(describe_heartbeat(read_heartbeat(settings_from(ctx).database)))
    if not rows:
        click.echo("No readers registered. Add one: ewidencjoner readers add ID --name NAME")
    for row in rows:
        state = {True: "online", False: "offline", None: "never seen"}[row["online"]]
        click.echo(
            f"{row['id']:<16} {row['name']:<24} {row['mode']:<7} {state:<10} "
            f"last seen {row['last_seen'] or '-'}  fw {row['fw'] or '-'}  queue {_or_dash(row['queue'])}"
        )


@cli.group("export")
def export_group() -> None:
    """Export stored data."""


@export_group.command("taps")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First local day.")
@click.option(
    "--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last local day (inclusive)."
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)."
)
@click.pass_context
def export_taps(ctx: click.Context, first, last, fmt: str, output) -> None:
    """Export every tap between two local days, unknown-time taps by receipt day."""
    first_day: date = first.date()
    last_day: date = last.date()
    if last_day < first_day:
        raise click.BadParameter("--to is before --from")
    settings = settings_from(ctx)
    start, end = local_day_bounds(first_day, last_day, settings.tz)
    rows = taps.list_taps(database_from(ctx), start, end)
    write_rows(rows, fmt, output, columns=TAP_COLUMNS)


TAP_COLUMNS = [
    "reader_id",
    "seq",
    "uid",
    "at",
    "time_quality",
    "received_at",
    "boot",
    "ms",
    "now",
    "device_t",
]


def write_rows(rows: list[dict[str, Any]], fmt: str, output, columns: list[str]) -> None:
    if fmt == "json":
        json.dump(rows, output, ensure_ascii=False, indent=2)
        output.write("\n")
        return
    writer = csv.DictWriter(output, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


@cli.group("quarantine")
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
            f"    payload ({_or_dash(entry['payload_size'])} bytes) {entry['payload'][:200]}"
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


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


for command in [
    *REGISTRY_COMMANDS,
    *JOURNAL_COMMANDS,
    *FEE_COMMANDS,
    *BROKER_COMMANDS,
    topics_group,
    users_group,
    report_command,
    desk_reader_command,
]:
    cli.add_command(command)
for command in READER_LOGIN_COMMANDS:
    readers_group.add_command(command)
cli.add_command(readers_group, name="reader")
