"""`ewidencjoner` commands for the register: groups, children (and the CSV import), guardians, cards.

The author recorded (and written to the audit log) for a change made here is the
operating-system user, prefixed `cli:`, unless `--author` names someone: whoever can run
the command can open the database anyway, so the command line asks for no login.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refusal_message,
    refused_as_errors,
    settings_from,
)
from hub.services import csv_import
from hub.store import cards, registry
from hub.timefmt import local_day_bounds

# -- groups ------------------------------------------------------------------------------


@click.group("groups")
def groups_group() -> None:
    """Kindergarten groups (oddziały)."""


@groups_group.command("add")
@click.argument("name")
@click.option("--teachers", default="", help="The group's teachers, e.g. 'Anna Nowak, Ewa Lis'.")
@author_option
@click.pass_context
def groups_add(ctx: click.Context, name: str, teachers: str, author: str) -> None:
    """Add group NAME."""
    with refused_as_errors():
        group = registry.add_group(database_from(ctx), name, teachers, author=author)
    click.echo(f"Added group {group['name']} (id {group['id']}).")


@groups_group.command("list")
@json_option
@click.pass_context
def groups_list(ctx: click.Context, as_json: bool) -> None:
    """List groups with their number of children."""
    rows = registry.list_groups(database_from(ctx))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['name']:<24} {row['children']:>3} children  {row['teachers'] or ''}"
        )


# -- children ----------------------------------------------------------------------------


@click.group("children")
def children_group() -> None:
    """The register of children."""


@children_group.command("add")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--group", required=True, help="Group name or id.")
@click.option("--birth-date", type=DATE, help="YYYY-MM-DD")
@click.option("--from", "active_from", type=DATE, help="First day in the kindergarten (default today).")
@click.option("--to", "active_to", type=DATE, help="Last day, if known.")
@click.option("--fee-exempt/--fee-payer", default=None, help="Override the age-based fee exemption.")
@click.option("--notes", default="")
@author_option
@click.pass_context
def children_add(ctx: click.Context, **fields) -> None:
    """Add a child to a group."""
    for name in ("birth_date", "active_from", "active_to"):
        fields[name] = fields[name].date() if fields[name] else None
    with refused_as_errors():
        child = registry.add_child(database_from(ctx), **fields)
    click.echo(
        f"Added {child['first_name']} {child['last_name']} to {child['group_name']} (id {child['id']})."
    )


@children_group.command("list")
@click.option("--group", help="Group name or id.")
@json_option
@click.pass_context
def children_list(ctx: click.Context, group: str | None, as_json: bool) -> None:
    """List children, by group and name."""
    db = database_from(ctx)
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"] if group else None
    rows = registry.list_children(db, group_id=group_id)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        left = f" (until {row['active_to']})" if row["active_to"] else ""
        click.echo(f"{row['id']:>5}  {row['last_name']} {row['first_name']:<20} {row['group_name']}{left}")


@children_group.command("show")
@click.argument("child_id", type=int)
@json_option
@click.pass_context
def children_show(ctx: click.Context, child_id: int, as_json: bool) -> None:
    """A child's data, guardians and cards."""
    db = database_from(ctx)
    with refused_as_errors():
        child = registry.get_child(db, child_id)
    child["guardians"] = registry.guardians_of(db, child_id)
    child["cards"] = cards.list_cards(db, child_id=child_id, include_revoked=True)
    if as_json:
        echo_json(child)
        return
    click.echo(f"{child['first_name']} {child['last_name']} — {child['group_name']} (id {child['id']})")
    click.echo(
        f"  born {child['birth_date'] or '?'}, attending {child['active_from']} – {child['active_to'] or ''}"
    )
    for guardian in child["guardians"]:
        click.echo(f"  guardian: {guardian['name']} {guardian['relation'] or ''} {guardian['phone'] or ''}")
    for card in child["cards"]:
        state = f"revoked {card['revoked_at']}" if card["revoked_at"] else "active"
        click.echo(f"  card {card['uid']} no. {card['number'] or '-'} {card['holder'] or ''} ({state})")


@children_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@author_option
@click.pass_context
def children_import(ctx: click.Context, csv_file: Path, author: str) -> None:
    """Import children (with cards and guardians) from the secretary's CSV list.

    Columns (Polish or English headers): imie/first_name, nazwisko/last_name, grupa/group,
    data_urodzenia/birth_date, karta/card_uid, numer_karty/card_number, posiadacz/card_holder,
    opiekun/guardian_name, telefon/guardian_phone, email/guardian_email. Either every row is
    imported or none: errors are listed by row.
    """
    report = csv_import.import_children(
        database_from(ctx),
        csv_file.read_text(encoding="utf-8-sig"),
        author=author,
        today=_today(ctx),
        tz=settings_from(ctx).tz,
    )
    if report.errors:
        for error in report.errors:
            click.echo(f"row {error.row}: {refusal_message(error.refusal)}", err=True)
        raise click.ClickException(f"nothing imported: {len(report.errors)} rows have errors")
    click.echo(f"Imported {report.children} children, {report.cards} cards, {report.guardians} guardians.")
    for name in report.groups_created:
        click.echo(f"Created group {name}.")


# -- guardians ---------------------------------------------------------------------------


@click.group("guardians")
def guardians_group() -> None:
    """Parents and legal guardians."""


@guardians_group.command("add")
@click.option("--name", required=True)
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--child", "children", type=int, multiple=True, help="Child id (repeat for siblings).")
@click.option("--relation", default="", help="e.g. matka, ojciec, opiekun prawny")
@author_option
@click.pass_context
def guardians_add(ctx: click.Context, **fields) -> None:
    """Add a guardian, linked to their children."""
    fields["children"] = list(fields["children"])
    with refused_as_errors():
        guardian = registry.add_guardian(database_from(ctx), **fields)
    click.echo(f"Added guardian {guardian['name']} (id {guardian['id']}).")


@guardians_group.command("list")
@json_option
@click.pass_context
def guardians_list(ctx: click.Context, as_json: bool) -> None:
    """List guardians and their children."""
    rows = registry.list_guardians(database_from(ctx))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        children = ", ".join(str(link["child_id"]) for link in row["children"])
        click.echo(f"{row['id']:>5}  {row['name']:<28} {row['phone'] or '':<14} children {children}")


# -- cards -------------------------------------------------------------------------------


@click.group("cards")
def cards_group() -> None:
    """Cards: assign, revoke, list, and cards seen but assigned to nobody."""


@cards_group.command("assign")
@click.argument("uid")
@click.option("--child", "child_id", type=int, required=True)
@click.option("--number", default="", help="The number printed on the card.")
@click.option("--holder", default="", help="Who carries it: mama, tata, babcia…")
@click.option("--valid-from", type=DATE, help="Counts from the start of this day (default: today).")
@click.option("--from-now", is_flag=True, help="Counts from now, not from the start of a day.")
@author_option
@click.pass_context
def cards_assign(ctx: click.Context, uid: str, child_id: int, valid_from: datetime | None, from_now: bool,
                 number: str, holder: str, author: str) -> None:  # fmt: skip
    """Assign card UID to a child. By default it counts from the start of today, so the
    card's earlier taps today (seen as unknown) are attributed to the child."""
    db = database_from(ctx)
    with refused_as_errors():
        if from_now:
            card = cards.assign_card(
                db, uid=uid, child_id=child_id, number=number, holder=holder, author=author
            )
        else:
            day = valid_from.date() if valid_from else _today(ctx)
            tz = settings_from(ctx).tz
            card = cards.assign_card_from_day(
                db, uid=uid, child_id=child_id, day=day, tz=tz, number=number, holder=holder, author=author
            )
    click.echo(
        f"Card {card['uid']} (id {card['id']}) now belongs to {card['first_name']} {card['last_name']}."
    )


@cards_group.command("revoke")
@click.argument("card_id", type=int)
@click.option("--reason", required=True)
@author_option
@click.pass_context
def cards_revoke(ctx: click.Context, card_id: int, reason: str, author: str) -> None:
    """Revoke a card (lost, returned); its past taps stay attributed."""
    with refused_as_errors():
        card = cards.revoke_card(database_from(ctx), card_id, author=author, reason=reason)
    click.echo(f"Revoked card {card['uid']} of {card['first_name']} {card['last_name']}.")


@cards_group.command("list")
@click.option("--child", "child_id", type=int)
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked cards.")
@json_option
@click.pass_context
def cards_list(ctx: click.Context, child_id: int | None, include_revoked: bool, as_json: bool) -> None:
    """List cards and their children."""
    rows = cards.list_cards(database_from(ctx), child_id=child_id, include_revoked=include_revoked)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        state = " revoked" if row["revoked_at"] else ""
        click.echo(
            f"{row['id']:>5}  {row['uid']:<20} no. {row['number'] or '-':<6} "
            f"{row['first_name']} {row['last_name']} {row['holder'] or ''}{state}"
        )


@cards_group.command("unknown")
@click.option("--days", type=int, default=7, show_default=True, help="How far back to look.")
@json_option
@click.pass_context
def cards_unknown(ctx: click.Context, days: int, as_json: bool) -> None:
    """Cards tapped recently that belong to nobody: assign them with `cards assign`."""
    first = _today(ctx) - timedelta(days=days - 1)
    since, _ = local_day_bounds(first, first, settings_from(ctx).tz)
    rows = cards.unknown_cards(database_from(ctx), since)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("No unknown cards.")
    for row in rows:
        click.echo(
            f"{row['uid']:<20} {row['taps']:>3} taps, last {row['last_seen']} on {row['reader_names']}"
        )
