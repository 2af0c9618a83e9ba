"""`ewidencjoner erase child|guardian|account ID`: erase a person whose every record is past
its retention (RODO art. 17); otherwise the refusal names the first day it is possible."""

from __future__ import annotations

import click

from hub.cli.context import (
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
    settings_from,
)
from hub.services import erasure
from hub.store.erasure import Person
from hub.timefmt import utc_now


@click.group("erase")
def erase_group() -> None:
    """Erase a child, a guardian or an account whose every record is past retention.

    Their rows are deleted, a nameless row stays where figures count them, their name is
    scrubbed everywhere; the audit log records the erasure without the erased data."""


def _erase(ctx: click.Context, person: Person, person_id: int, author: str, as_json: bool) -> None:
    settings, db = settings_from(ctx), database_from(ctx)
    with refused_as_errors():
        erased = erasure.erase(db, settings, person, person_id, utc_now(), actor=author)
    if as_json:
        echo_json({"person": person, "id": person_id, "rows": erased.rows})
        return
    click.echo(f"{person} #{person_id} erased")
    for table, count in sorted(erased.rows.items()):
        click.echo(f"  {table}: {count}")


def _command(person: Person, help_text: str) -> click.Command:
    @click.command(person, help=help_text)
    @click.argument("person_id", metavar="ID", type=click.IntRange(min=1))
    @author_option
    @json_option
    @click.pass_context
    def command(ctx: click.Context, person_id: int, author: str, as_json: bool) -> None:
        _erase(ctx, person, person_id, author, as_json)

    return command


erase_group.add_command(_command("child", "Erase child ID (who left, every record past retention)."))
erase_group.add_command(
    _command("guardian", "Erase guardian ID with their accounts (their children past retention).")
)
erase_group.add_command(_command("account", "Erase account ID (staff or parent) past retention."))
