"""`ewidencjoner backup` (make, list and verify backups; record extra copies: the register of
copies) and `ewidencjoner restore` (a backup into a fresh data directory)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import (
    author_option,
    database_from,
    echo_json,
    json_option,
    or_dash,
    refusal_message,
    refused_as_errors,
    settings_from,
)
from hub.services import backups
from hub.services.restore import restore
from hub.store import backups as register
from hub.store.db import stored_integer
from hub.timefmt import utc_now


@click.group("backup")
def backup_group() -> None:
    """Backups of the database and attachments, and the register of copies."""


@backup_group.command("run")
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    help="Backup directory (default: the backup_dir setting).",
)
@click.option(
    "--purpose",
    default=backups.ROUTINE_PURPOSE,
    show_default=True,
    help="For whom or what the backup is made.",
)
@click.option("--keep", type=click.IntRange(1, 1000), help="Backups kept there (default: backup_keep).")
@author_option
@json_option
@click.pass_context
def backup_run(
    ctx: click.Context, target: Path | None, purpose: str, keep: int | None, author: str, as_json: bool
) -> None:
    """Back up the database and attachments now (safe while the hub runs), verify the copy,
    record it, and remove the oldest past the kept count."""
    settings = settings_from(ctx)
    backup_dir = target or settings.backup_dir
    if backup_dir is None:
        raise click.UsageError("no backup directory: give --to or set backup_dir")
    db = database_from(ctx)
    with refused_as_errors():
        made = backups.make_backup(
            db,
            database=settings.database,
            backup_dir=backup_dir,
            site=settings.site,
            made_by=author,
            purpose=purpose,
            now=utc_now(),
        )
    removed = backups.remove_beyond(db, backup_dir, keep or settings.backup_keep, actor=author, now=utc_now())
    if as_json:
        echo_json({**made.__dict__, "removed": removed})
    else:
        click.echo(
            f"Backup #{made.backup_id}: {made.path} ({made.size_bytes} bytes, SHA-256 {made.sha256}), "
            f"{'verified' if made.verified else 'NOT verified'}."
        )
        for backup_id in removed:
            click.echo(f"Removed backup #{backup_id} (past the kept count).")
    if not made.verified:
        raise click.ClickException(f"backup #{made.backup_id} failed its verification: run `backup verify`")


@backup_group.command("list")
@json_option
@click.pass_context
def backup_list(ctx: click.Context, as_json: bool) -> None:
    """The register of copies: backups and extra copies, newest first."""
    rows = register.entries(database_from(ctx))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("The register of copies is empty.")
    for row in rows:
        verified = {None: "-", 0: "failed", 1: "verified"}[row["verified"]]
        state = f"removed {row['removed_at']} by {row['removed_by']}" if row["removed_at"] else verified
        click.echo(
            f"#{row['id']} {row['kind']} {row['created_at']} by {row['made_by']} for {row['purpose']!r}\n"
            f"    {row['location']} ({or_dash(row['size_bytes'])} bytes, SHA-256 {or_dash(row['sha256'])}) "
            f"{state}"
        )


@backup_group.command("verify")
@click.argument("backup")
@author_option
@json_option
@click.pass_context
def backup_verify(ctx: click.Context, backup: str, author: str, as_json: bool) -> None:
    """Check BACKUP again (every file's SHA-256, SQLite's integrity check): a number from the
    register (the result is recorded there) or a backup's directory (a copy on another disk)."""
    number = stored_integer(backup)
    with refused_as_errors():
        if number is not None:
            found = backups.verify_entry(database_from(ctx), number, actor=author, now=utc_now())
        else:
            found = backups.problems_of(Path(backup))
    if as_json:
        echo_json({"backup": backup, "verified": not found, "problems": [p.code for p in found]})
    elif not found:
        click.echo(f"Backup {backup} is whole and sound.")
    if found:
        raise click.ClickException("\n".join(refusal_message(problem) for problem in found))


@backup_group.command("record-copy")
@click.option("--for", "recipient", required=True, help="For whom (and why) the copy is made.")
@click.option("--location", required=True, help="Where the copy is: the disk, the share.")
@click.option("--from-backup", "source", type=click.IntRange(1, 2**62), help="The backup it was copied from.")
@author_option
@json_option
@click.pass_context
def backup_record_copy(
    ctx: click.Context, recipient: str, location: str, source: int | None, author: str, as_json: bool
) -> None:
    """Record an extra copy of the journal handed to someone: when, and for whom."""
    with refused_as_errors():
        copy_id = backups.record_copy(
            database_from(ctx),
            made_by=author,
            recipient=recipient,
            location=location,
            source_backup_id=source,
            now=utc_now(),
        )
    if as_json:
        echo_json({"id": copy_id})
    else:
        click.echo(f"Copy #{copy_id} recorded.")


@click.command("restore")
@click.argument("backup", type=click.Path(path_type=Path))
@click.option(
    "--data-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="A new or empty directory to restore into.",
)
@json_option
def restore_command(backup: Path, data_dir: Path, as_json: bool) -> None:
    """Restore BACKUP (a backup's directory) into a new data directory, after checking it."""
    with refused_as_errors():
        restored = restore(backup, data_dir)
    if as_json:
        echo_json(restored.__dict__)
        return
    click.echo(
        f"Restored {restored.database} ({len(restored.migrations)} schema steps) and "
        f"{restored.attachments} attachments.\n"
        f"Start the hub on it: EWIDENCJONER_DATABASE={restored.database} ewidencjoner serve"
    )
