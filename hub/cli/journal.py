"""`ewidencjoner` commands for the journal: groups, children, guardians, cards, days, corrections.

The author recorded (and written to the audit log) for a change made here is the
operating-system user, prefixed `cli:`, unless `--author` names someone: whoever can run
the command can open the database anyway, so the command line asks for no login.
"""

from __future__ import annotations

import getpass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from hub.cli.context import database_from, echo_json, refused_as_errors, settings_from
from hub.rules.attendance import local_instant
from hub.rules.attendance.result import DayResult
from hub.services import csv_import, day_json, days
from hub.services.presence import presence_now
from hub.store import cards, corrections, registry, site_settings
from hub.timefmt import local_day_bounds

DATE = click.DateTime(["%Y-%m-%d"])


def author_option(function):
    return click.option(
        "--author",
        default=lambda: f"cli:{getpass.getuser()}",
        help="Who makes the change (default: cli:<user>).",
    )(function)


def json_option(function):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(function)


def _today(ctx: click.Context) -> date:
    return datetime.now(settings_from(ctx).tz).date()


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
            click.echo(f"row {error.row}: {error.message}", err=True)
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
                 **details: str) -> None:  # fmt: skip
    """Assign card UID to a child. By default it counts from the start of today, so the
    card's earlier taps today (seen as unknown) are attributed to the child."""
    db = database_from(ctx)
    with refused_as_errors():
        if from_now:
            card = cards.assign_card(db, uid=uid, child_id=child_id, **details)
        else:
            day = valid_from.date() if valid_from else _today(ctx)
            tz = settings_from(ctx).tz
            card = cards.assign_card_from_day(db, uid=uid, child_id=child_id, day=day, tz=tz, **details)
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
        click.echo(f"{row['uid']:<20} {row['taps']:>3} taps, last {row['last_seen']} on {row['readers']}")


# -- days and presence -------------------------------------------------------------------


@click.command("day")
@click.option("--date", "day", type=DATE, help="Local day (default today).")
@click.option("--group", help="Group name or id (default all).")
@json_option
@click.pass_context
def day_command(ctx: click.Context, day: datetime | None, group: str | None, as_json: bool) -> None:
    """Each child's arrivals and departures on a day, with flags to resolve."""
    db = database_from(ctx)
    settings = settings_from(ctx)
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"] if group else None
    the_day = day.date() if day else _today(ctx)
    results = days.compute_days(db, settings, the_day, group_id=group_id)
    if as_json:
        echo_json([day_json.day_as_dict(child_day, settings.tz) for child_day in results])
        return
    for child_day in results:
        click.echo(_day_line(child_day.child, child_day.result, settings.tz))


def _day_line(child: dict, result: DayResult, tz) -> str:
    def clock(event) -> str:
        return event.at.astimezone(tz).strftime("%H:%M") if event else "??:??"

    visits = ", ".join(f"{clock(v.arrival)}–{clock(v.departure)}" for v in result.visits) or "—"
    flags = " !" if result.flags.any else ""
    return f"{child['last_name']} {child['first_name']:<18} {result.status:<8} {visits}{flags}"


@click.command("presence")
@json_option
@click.pass_context
def presence_command(ctx: click.Context, as_json: bool) -> None:
    """Who is in the building now, per group (the evacuation list)."""
    groups = presence_now(database_from(ctx), settings_from(ctx))
    if as_json:
        echo_json(groups)
        return
    tz = settings_from(ctx).tz
    for group in groups:
        click.echo(f"{group['group']}: {group['count']}")
        for child in group["children"]:
            since = child["since"].astimezone(tz).strftime("%H:%M") if child["since"] else "?"
            note = "" if child["certain"] else f"  ({child['why']})"
            click.echo(f"   {child['name']:<30} since {since}{note}")


@click.command("inconsistencies")
@click.option("--from", "first", type=DATE, help="First local day (default 7 days ago).")
@click.option("--to", "last", type=DATE, help="Last local day (default today).")
@json_option
@click.pass_context
def inconsistencies_command(ctx: click.Context, first, last, as_json: bool) -> None:
    """The inconsistency log: missing departures, unknown-time taps, unknown cards…"""
    last_day = last.date() if last else _today(ctx)
    first_day = first.date() if first else last_day - timedelta(days=6)
    items = days.inconsistencies(database_from(ctx), settings_from(ctx), first_day, last_day)
    if as_json:
        echo_json([day_json.inconsistency_as_dict(item) for item in items])
        return
    if not items:
        click.echo("Nothing to resolve.")
    for item in items:
        who = f"child {item.child_id}" if item.child_id else f"card {item.card_uid}"
        click.echo(f"{item.day}  {item.kind:<22} {who}: {item.detail}")


# -- corrections -------------------------------------------------------------------------


@click.group("correct")
def correct_group() -> None:
    """Correct a child's day (always with a reason; taps are never changed)."""


def _correction_options(*, needs_time: bool, needs_target: bool, allows_tap: bool = False):
    def decorate(function):
        options = [
            click.option("--child", "child_id", type=int, required=True),
            click.option("--date", "day", type=DATE, required=True, help="The local day corrected."),
            click.option("--reason", required=True, help="Why (kept in the record)."),
            author_option,
        ]
        if needs_time:
            options.append(click.option("--time", "clock", required=True, help="Local time HH:MM."))
        if needs_target or allows_tap:
            options.append(click.option("--tap", help="The tap as READER#SEQ (see `day --json`)."))
        if needs_target:
            options.append(click.option("--correction", "correction_id", type=int, help="A correction's id."))
        for option in reversed(options):
            function = option(function)
        return click.pass_context(function)

    return decorate


def _store(
    ctx: click.Context,
    kind: str,
    *,
    child_id: int,
    day: datetime,
    reason: str,
    author: str,
    clock: str | None = None,
    tap: str | None = None,
    correction_id: int | None = None,
) -> None:
    settings = settings_from(ctx)
    with refused_as_errors():
        at = _local_time(day.date(), clock, settings.tz) if clock else None
        stored = corrections.add_correction(
            database_from(ctx),
            child_id=child_id,
            day=day.date(),
            kind=kind,
            reason=reason,
            author=author,
            at=at,
            target_tap=corrections.parse_tap_id(tap) if tap else None,
            target_correction=correction_id,
            today=datetime.now(settings.tz).date(),
        )
    click.echo(f"Recorded correction {stored['id']} ({kind}).")


def _local_time(day: date, clock: str, tz) -> datetime:
    try:
        wall = time.fromisoformat(clock)
    except ValueError as exc:
        raise registry.RegistryError(f"time must be HH:MM, got {clock!r}") from exc
    return local_instant(day, wall, tz)


@correct_group.command("add-arrival")
@_correction_options(needs_time=True, needs_target=False, allows_tap=True)
def correct_add_arrival(ctx, **options) -> None:
    """Add an arrival (or confirm an unknown-time tap with --tap)."""
    _store(ctx, "add_arrival", **options)


@correct_group.command("add-departure")
@_correction_options(needs_time=True, needs_target=False, allows_tap=True)
def correct_add_departure(ctx, **options) -> None:
    """Add a departure (or confirm an unknown-time tap with --tap)."""
    _store(ctx, "add_departure", **options)


@correct_group.command("move")
@_correction_options(needs_time=True, needs_target=True)
def correct_move(ctx, **options) -> None:
    """Move an arrival or departure (named by --tap or --correction) to --time."""
    _store(ctx, "move", **options)


@correct_group.command("cancel")
@_correction_options(needs_time=False, needs_target=True)
def correct_cancel(ctx, **options) -> None:
    """Cancel an arrival or departure, or dismiss an unknown-time tap."""
    _store(ctx, "cancel", **options)


@correct_group.command("mark-absent")
@_correction_options(needs_time=False, needs_target=False)
def correct_mark_absent(ctx, **options) -> None:
    """Mark the whole day absent, whatever the taps say."""
    _store(ctx, "mark_absent", **options)


@correct_group.command("mark-present")
@_correction_options(needs_time=False, needs_target=False)
def correct_mark_present(ctx, **options) -> None:
    """Mark the day present without times."""
    _store(ctx, "mark_present", **options)


@correct_group.command("revoke")
@click.argument("correction_id", type=int)
@click.option("--reason", required=True)
@author_option
@click.pass_context
def correct_revoke(ctx: click.Context, correction_id: int, reason: str, author: str) -> None:
    """Revoke a correction; it stays in the record without effect."""
    with refused_as_errors():
        corrections.revoke_correction(database_from(ctx), correction_id, author=author, reason=reason)
    click.echo(f"Revoked correction {correction_id}.")


# -- the kindergarten's settings ---------------------------------------------------------


@click.group("settings")
def settings_group() -> None:
    """Opening hours, debounce and closed days."""


@settings_group.command("show")
@json_option
@click.pass_context
def settings_show(ctx: click.Context, as_json: bool) -> None:
    """Show the settings and the kindergarten's own closed days."""
    db = database_from(ctx)
    values = {**site_settings.get_all(db), "closed_days": site_settings.closed_days(db)}
    if as_json:
        echo_json(values)
        return
    for key, value in values.items():
        click.echo(f"{key}: {value}")


@settings_group.command("set")
@click.argument("key", type=click.Choice(sorted(site_settings.DEFAULTS)))
@click.argument("value")
@author_option
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str, author: str) -> None:
    """Set opening (HH:MM), closing (HH:MM) or debounce_s (seconds)."""
    with refused_as_errors():
        site_settings.set_value(database_from(ctx), key, value, author=author)
    click.echo(f"{key} = {value}")


@settings_group.command("close-day")
@click.argument("day", type=DATE)
@click.option("--reason", required=True, help="e.g. dzień dyrektorski, przerwa wakacyjna")
@author_option
@click.pass_context
def settings_close_day(ctx: click.Context, day: datetime, reason: str, author: str) -> None:
    """Mark DAY as closed (on top of weekends and public holidays)."""
    with refused_as_errors():
        site_settings.add_closed_day(database_from(ctx), day.date(), reason, author=author)
    click.echo(f"{day.date()} closed: {reason}")


@settings_group.command("open-day")
@click.argument("day", type=DATE)
@author_option
@click.pass_context
def settings_open_day(ctx: click.Context, day: datetime, author: str) -> None:
    """Undo `close-day`."""
    site_settings.remove_closed_day(database_from(ctx), day.date(), author=author)
    click.echo(f"{day.date()} is a working day again (unless a weekend or holiday).")


JOURNAL_COMMANDS = [
    groups_group,
    children_group,
    guardians_group,
    cards_group,
    day_command,
    presence_command,
    inconsistencies_command,
    correct_group,
    settings_group,
]
