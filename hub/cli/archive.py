"""`ewidencjoner archive`: the yearly archive of a closed school year: `write` it, `verify`
it (every file against the manifest, the XML against the published schema) and `inspect`
it (a child's days, a group's register) from the archive alone, with no database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from hub.archive_read import ArchivedYear, problems
from hub.cli.context import (
    author_option,
    database_from,
    echo_json,
    json_option,
    refusal_message,
    refused_as_errors,
    settings_from,
)

STATUS = {"present": "present", "absent": "absent", "no_data": "no data"}


@click.group("archive")
def archive_group() -> None:
    """The yearly archive: write a closed school year as XML and PDFs, verify it, inspect it."""


@archive_group.command("write")
@click.argument("year", type=click.IntRange(2000, 9998))
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(path_type=Path),
    help="A new directory for the archive (its parent must exist).",
)
@author_option
@json_option
@click.pass_context
def archive_write(ctx: click.Context, year: int, destination: Path, author: str, as_json: bool) -> None:
    """Archive the school year starting in September of YEAR (2025: 2025/2026), once it is over."""
    # Imported here: verify and inspect read an archive alone and load nothing of the store.
    from hub.services.archive import write_archive

    with refused_as_errors():
        summary = write_archive(database_from(ctx), settings_from(ctx), year, destination, author=author)
    if as_json:
        echo_json(summary.__dict__)
        return
    click.echo(
        f"Archived the school year {year}/{year + 1} into {summary.path}: {summary.files} files, "
        f"{summary.size_bytes} bytes, manifest SHA-256 {summary.sha256} (copy #{summary.copy_id} "
        "in the register of copies)."
    )


@archive_group.command("verify")
@click.argument("directory", type=click.Path(path_type=Path))
@json_option
def archive_verify(directory: Path, as_json: bool) -> None:
    """Check an archive: every file against its manifest (missing, changed or added files) and
    archive.xml against the published schema. Exits 1 when anything is wrong."""
    found = problems(directory)
    if as_json:
        echo_json({"archive": str(directory), "valid": not found, "problems": [p.code for p in found]})
    elif not found:
        click.echo(f"The archive {directory} is whole and valid.")
    if found:
        raise click.ClickException("\n".join(refusal_message(problem) for problem in found))


@archive_group.command("inspect")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--child", "child_id", type=click.IntRange(1, 2**62), help="A child's days (its id).")
@click.option("--group", help="A group's register (its name or id).")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Only this day (YYYY-MM-DD).")
@json_option
def archive_inspect(
    directory: Path, child_id: int | None, group: str | None, day: Any, as_json: bool
) -> None:
    """Read a school year back from its archive alone (no database, no settings): what it
    holds, a child's days with arrivals and departures, or a group's register."""
    if child_id is not None and group is not None:
        raise click.UsageError("give --child or --group, not both")
    day_text = day.date().isoformat() if day else None
    with refused_as_errors():
        year = ArchivedYear(directory)
        if child_id is not None:
            child = year.child(child_id)
            found: Any = {"child": child, "days": year.child_days(child_id, day_text)}
        elif group is not None:
            found = {"group": year.group(group), "days": year.register(group, day_text)}
        else:
            found = {"archive": year.header, "counts": year.counts, "groups": year.groups}
    if as_json:
        echo_json(found)
    elif child_id is not None:
        _echo_child(found["child"], found["days"])
    elif group is not None:
        _echo_register(found["group"], found["days"])
    else:
        _echo_summary(year)


def _span(day: dict[str, Any]) -> str:
    def clock(event: dict[str, Any] | None) -> str:
        return event["clock"] if event else "?"

    return ", ".join(f"{clock(visit['arrival'])}–{clock(visit['departure'])}" for visit in day["visits"])


def _state(day: dict[str, Any]) -> str:
    if day.get("day_off") and not day["visits"]:
        return f"day off ({day['day_off']})"
    return STATUS.get(day["status"], day["status"])


def _echo_child(child: dict[str, Any], days: list[dict[str, Any]]) -> None:
    click.echo(
        f"{child['first_name']} {child['last_name']} (#{child['id']}, {child['group_name']}), "
        f"enrolled {child['active_from']}–{child.get('active_to') or ''}"
    )
    for day in days:
        click.echo(f"  {day['date']}  {_state(day):<24} {_span(day)}".rstrip())


def _echo_register(group: dict[str, Any], days: dict[str, list[dict[str, Any]]]) -> None:
    click.echo(f"Group {group['name']} (#{group['id']})")
    for text, children in days.items():
        click.echo(f"{text} ({date.fromisoformat(text):%a})")
        for day in children:
            click.echo(f"  {day['name']:<32} {_state(day):<24} {_span(day)}".rstrip())


def _echo_summary(year: ArchivedYear) -> None:
    header = year.header
    click.echo(
        f"School year {header['school_year']}/{int(header['school_year']) + 1} of {header['site']}, "
        f"archived {header['created_at']} by {header['created_by']} (ewidencjoner {header['hub_version']})."
    )
    for section, count in year.counts.items():
        click.echo(f"  {section}: {count}")
    for group in year.groups:
        children = sum(1 for child in year.children if child["group_id"] == group["id"])
        click.echo(f"  group {group['name']} (#{group['id']}): {children} children")
