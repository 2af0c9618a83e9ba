"""`ewidencjoner` commands for the journal: days, presence, inconsistencies, corrections, settings.

The author recorded (and written to the audit log) for a change made here is the
operating-system user, prefixed `cli:`, unless `--author` names someone: whoever can run
the command can open the database anyway, so the command line asks for no login.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import click

from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
    settings_from,
)
from hub.refusal import N_, Refusal
from hub.rules.attendance import local_instant
from hub.rules.attendance.result import DayResult
from hub.services import day_json, days
from hub.services.presence import presence_now
from hub.store import corrections, registry, site_settings

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
        raise Refusal("time.invalid", N_("Time must be HH:MM, not “%(value)s”."), value=clock) from exc
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
    """Set opening (HH:MM), closing (HH:MM), debounce_s (seconds) or missing_from (HH:MM:
    from then a child expected today who has not come is listed as missing)."""
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
