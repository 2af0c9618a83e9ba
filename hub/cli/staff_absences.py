"""`ewidencjoner staff-absences`: staff absences (they extend a teacher's term of reply)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from hub.accounts.accounts import find_user
from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
)
from hub.store import staff_absences


@click.group("staff-absences")
def staff_absences_group() -> None:
    """Staff absences: sick leave, leave, training (a teacher's term of reply runs from their return)."""


@staff_absences_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Past absences too (default: current and coming).")
@click.option("--account", help="Only this person's (their e-mail address).")
@json_option
@click.pass_context
def list_command(ctx: click.Context, show_all: bool, account: str | None, as_json: bool) -> None:
    """List absences, latest first; cancelled ones say so."""
    db = database_from(ctx)
    with refused_as_errors():
        account_id = find_user(db, account)["id"] if account else None
    rows = staff_absences.list_absences(db, account_id=account_id, since=None if show_all else _today(ctx))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(_line(row))


@staff_absences_group.command("add")
@click.argument("account")
@click.option("--from", "first", type=DATE, required=True, help="First day.")
@click.option("--to", "last", type=DATE, help="Last day (default: the first).")
@click.option("--kind", type=click.Choice(list(staff_absences.KINDS)), default="sick", show_default=True)
@click.option("--note", default="", help="A note (optional).")
@author_option
@json_option
@click.pass_context
def add_command(
    ctx: click.Context,
    account: str,
    first: datetime,
    last: datetime | None,
    kind: str,
    note: str,
    author: str,
    as_json: bool,
) -> None:
    """Enter an absence of ACCOUNT (a member of staff's e-mail address)."""
    db = database_from(ctx)
    with refused_as_errors():
        row = staff_absences.add_absence(
            db,
            account_id=find_user(db, account)["id"],
            first=first.date(),
            last=(last or first).date(),
            kind=kind,
            note=note,
            author=author,
        )
    _done(row, as_json, "Entered")


@staff_absences_group.command("end")
@click.argument("absence_id", type=int)
@click.option("--last", type=DATE, required=True, help="The new last day (before the entered one).")
@click.option("--reason", required=True, help="Why it ends early.")
@author_option
@json_option
@click.pass_context
def end_command(
    ctx: click.Context, absence_id: int, last: datetime, reason: str, author: str, as_json: bool
) -> None:
    """End absence ABSENCE_ID early: the person came back sooner."""
    db = database_from(ctx)
    with refused_as_errors():
        row = staff_absences.end_early(db, absence_id, last=last.date(), reason=reason, author=author)
    _done(row, as_json, "Ended early")


@staff_absences_group.command("cancel")
@click.argument("absence_id", type=int)
@click.option("--reason", required=True, help="Why it is cancelled (entered by mistake…).")
@author_option
@json_option
@click.pass_context
def cancel_command(ctx: click.Context, absence_id: int, reason: str, author: str, as_json: bool) -> None:
    """Cancel absence ABSENCE_ID: it no longer counts, and stays listed."""
    db = database_from(ctx)
    with refused_as_errors():
        row = staff_absences.cancel(db, absence_id, reason=reason, author=author)
    _done(row, as_json, "Cancelled")


def _done(row: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        echo_json(row)
    else:
        click.echo(f"{what}: {_line(row)}")


def _line(row: dict[str, Any]) -> str:
    state = f" [cancelled: {row['cancel_reason']}]" if row["cancelled_at"] else ""
    ended = f" (planned until {row['planned_last_day']}: {row['end_reason']})" if row["ended_at"] else ""
    return f"#{row['id']} {row['name']} {row['kind']} {row['first_day']}..{row['last_day']}{ended}{state}"
