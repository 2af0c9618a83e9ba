"""`ewidencjoner topics`: the day's topics of a group ("zapisy dnia"), with substitutions."""

from __future__ import annotations

from datetime import datetime

import click

from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
)
from hub.store import day_topics, registry


@click.group("topics")
def topics_group() -> None:
    """The day's topics of a group (zapisy dnia)."""


@topics_group.command("add")
@click.argument("topic")
@click.option("--group", required=True, help="Group name or id.")
@click.option("--date", "day", type=DATE, help="The day (default: today).")
@click.option("--substitution", is_flag=True, help="Written by a teacher standing in (zastępstwo).")
@click.option("--for", "substitute_for", default="", help="The absent teacher, for a substitution.")
@click.option("--replaces", type=int, help="The id of the entry this one corrects.")
@author_option
@click.pass_context
def topics_add(
    ctx: click.Context,
    topic: str,
    group: str,
    day: datetime | None,
    substitution: bool,
    substitute_for: str,
    replaces: int | None,
    author: str,
) -> None:
    """Write TOPIC as the day's topic of a group."""
    db = database_from(ctx)
    with refused_as_errors():
        entry = day_topics.add_topic(
            db,
            group_id=registry.find_group(db, group)["id"],
            day=day.date() if day else _today(ctx),
            topic=topic,
            author=author,
            substitution=substitution,
            substitute_for=substitute_for,
            today=_today(ctx),
            replaces=replaces,
        )
    click.echo(f"Recorded topic {entry['id']} for {entry['day']}.")


@topics_group.command("list")
@click.option("--group", required=True, help="Group name or id.")
@click.option("--from", "first", type=DATE, help="First day (default: today).")
@click.option("--to", "last", type=DATE, help="Last day (default: the first).")
@click.option("--history", is_flag=True, help="Also the entries later corrected.")
@json_option
@click.pass_context
def topics_list(
    ctx: click.Context,
    group: str,
    first: datetime | None,
    last: datetime | None,
    history: bool,
    as_json: bool,
) -> None:
    """List a group's topics."""
    db = database_from(ctx)
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"]
    start = first.date() if first else _today(ctx)
    rows = day_topics.list_topics(db, group_id, start, last.date() if last else start, with_history=history)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        note = f" (zastępstwo za {row['substitute_for'] or '?'})" if row["substitution"] else ""
        corrected = f" [poprawiony: {row['superseded_by']}]" if row["superseded_by"] else ""
        click.echo(f"{row['day']} #{row['id']} {row['author']}{note}{corrected}: {row['topic']}")
