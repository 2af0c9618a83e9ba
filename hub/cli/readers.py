"""`ewidencjoner readers` (or `reader`): register card readers, set their mode, list them
with their status and update; `provision`, `new-login` and `revoke-login` come from
`broker.py`, `update` from `updates.py`."""

from __future__ import annotations

import getpass
import json

import click

from hub.cli.broker import READER_LOGIN_COMMANDS
from hub.cli.context import database_from, or_dash, settings_from
from hub.cli.updates import update_command
from hub.ingest.health import describe_heartbeat, read_heartbeat
from hub.store import firmware_updates, readers


@click.group("readers")
def readers_group() -> None:
    """Register and list card readers."""


readers_group.add_command(update_command)


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
    db = database_from(ctx)
    rows = readers.list_readers(db)
    updates = firmware_updates.by_reader(db)
    for row in rows:
        update = updates.get(row["id"])
        row["update"] = (
            {k: update[k] for k in ("version", "state", "detail", "changed_at")} if update else None
        )
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
            f"last seen {row['last_seen'] or '-'}  fw {row['fw'] or '-'}  queue {or_dash(row['queue'])}"
            + (f"  update {row['update']['version']} {row['update']['state']}" if row["update"] else "")
        )


for command in READER_LOGIN_COMMANDS:
    readers_group.add_command(command)
