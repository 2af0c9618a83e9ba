"""`ewidencjoner year-end`: the administrator's end-of-year routine (close the messages,
write the archive, verify it, back up, purge; `hub.rules.year_end`): `status` shows each
step's state as recorded, `run` does the steps in order, stopping at the first refusal."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from hub.cli.context import (
    author_option,
    database_from,
    echo_json,
    json_option,
    refusal_message,
    settings_from,
)
from hub.refusal import Refusal
from hub.rules.year_end import has_ended, last_ended
from hub.services import year_end
from hub.timefmt import utc_now

YEAR = click.IntRange(2000, 2999)


@click.group("year-end")
def year_end_group() -> None:
    """The end of the school year: close messages, archive, verify, back up, purge."""


@year_end_group.command("status")
@click.argument("school_year", type=YEAR, required=False)
@json_option
@click.pass_context
def year_end_status(ctx: click.Context, school_year: int | None, as_json: bool) -> None:
    """Each step's state for SCHOOL_YEAR (2025 is 2025/2026; default: the last ended)."""
    settings, now = settings_from(ctx), utc_now()
    today = now.astimezone(settings.tz).date()
    year = last_ended(today) if school_year is None else school_year
    state = year_end.status(database_from(ctx), year)
    if as_json:
        echo_json(status_json(state, ended=has_ended(year, today)))
        return
    ended = "" if has_ended(year, today) else " (not ended yet)"
    click.echo(f"School year {state.name}{ended}: " + (f"next: {state.next}" if state.next else "all done"))
    for entry in state.steps:
        click.echo(f"  {entry.step:<9} {entry.state:<8} {year_end.recorded_line(state, entry.step)}")


@year_end_group.command("run")
@click.argument("school_year", type=YEAR)
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the archive and its backup go, e.g. the external disk "
    "(default: archive_dir, else archiwum/ in backup_dir).",
)
@author_option
@json_option
@click.pass_context
def year_end_run(
    ctx: click.Context, school_year: int, folder: Path | None, author: str, as_json: bool
) -> None:
    """Do the routine for SCHOOL_YEAR in order; each step done already is reported, not redone.
    Stops at the first step that fails, with its reason (exit code 1)."""
    settings, db = settings_from(ctx), database_from(ctx)
    outcomes: list[year_end.Outcome] = []

    def report(outcome: year_end.Outcome) -> None:
        outcomes.append(outcome)
        if not as_json:
            verb = "already done" if outcome.result == "done" else "done now"
            click.echo(f"{outcome.step}: {verb}: {outcome.detail}")

    try:
        target = folder or year_end.destination(settings)
        year_end.run(db, settings, school_year, folder=target, actor=author, now=utc_now, report=report)
    except Refusal as refusal:
        state = year_end.status(db, school_year)
        message = refusal_message(refusal)
        if as_json:
            echo_json({"steps": [asdict(o) for o in outcomes], "failed": state.next, "error": message})
        raise click.ClickException(f"{state.next or 'year-end'}: {message}") from refusal
    if as_json:
        echo_json({"steps": [asdict(o) for o in outcomes], "failed": None})
    else:
        click.echo(f"The end of {school_year}/{school_year + 1} is done.")


def status_json(state: year_end.YearEnd, *, ended: bool) -> dict[str, Any]:
    return {
        "school_year": state.school_year,
        "name": state.name,
        "ended": ended,
        "next": state.next,
        "steps": [{"step": entry.step, "state": entry.state} for entry in state.steps],
        "messages": state.messages,
        "message_count": state.message_count,
        "archive": state.archive,
        "backup": state.backup,
        "purge": state.purge,
    }
