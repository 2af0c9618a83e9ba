"""`ewidencjoner readers update`: send readers a new firmware over the air.

The command only records the request (hub/store/firmware_updates.py); the running hub's
ingest serves the release to each reader (hub/ingest/updates.py), one reader first and the
rest once it runs the new version healthy. `readers list` and the readers page show how far
each reader got.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from hub.cli.context import database_from, refusal_message, settings_from
from hub.refusal import Refusal
from hub.services.reader_updates import start_update


@click.command("update")
@click.argument("reader_id", required=False)
@click.option(
    "--all", "all_readers", is_flag=True, help="Every registered reader, the first alone, then the rest."
)
@click.option(
    "--release",
    "release_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A release folder, as `make firmware` builds it (its manifest lists every file's SHA-256); "
    "default: the `firmware_release_dir` setting (build/firmware).",
)
@click.option(
    "--first", "first_id", help="With --all: the reader that goes first (default: the first by id)."
)
@click.option("--author", default=lambda: f"cli:{getpass.getuser()}", help="Who asks (default: cli:<user>).")
@click.pass_context
def update_command(
    ctx: click.Context,
    reader_id: str | None,
    all_readers: bool,
    release_dir: Path | None,
    first_id: str | None,
    author: str,
) -> None:
    """Update READER_ID (or --all) to the firmware in --release, over MQTT; the hub must be running.

    Each reader checks the release against its own key, switches only to a complete copy,
    and goes back to its old version by itself if the new one is not healthy. The readers
    page starts the same update (hub/services/reader_updates.py)."""
    if bool(reader_id) == all_readers:
        raise click.UsageError("give one READER_ID or --all")
    folder = release_dir or settings_from(ctx).firmware_release_dir
    db = database_from(ctx)
    try:
        started = start_update(db, folder, None if all_readers else reader_id, author=author, first=first_id)
    except Refusal as refusal:
        raise click.ClickException(refusal_message(refusal)) from refusal
    release, ids = started.release, started.reader_ids
    later = f"; then {', '.join(ids[1:])} once it runs {release.version} healthy" if len(ids) > 1 else ""
    size = f"{len(release.files)} files, {release.size} bytes"
    click.echo(
        f"Update to {release.version} ({size}): {ids[0]} first{later}. "
        "The running hub sends it; follow it with `ewidencjoner readers list`."
    )
