"""`ewidencjoner fees …` and `ewidencjoner absences …`: fee and meal settings, reported absences."""

from __future__ import annotations

import getpass
from datetime import datetime, time

import click

from hub.cli.context import author_option, database_from, echo_json, refused_as_errors, settings_from
from hub.rules.fees import FirstHours, FixedWindow, StayRules, check_settings
from hub.rules.fees.settings import (
    MEAL_BILLINGS,
    MISSING_SCAN_POLICIES,
    ROUNDING_SCOPES,
    ROUNDINGS,
    FreePeriod,
)
from hub.services import months
from hub.store import absences, fee_settings

DATE = click.DateTime(["%Y-%m-%d"])
SOURCES = {"city": "  [uchwała gminy]", "local": "  [zmiana lokalna]", "default": ""}
"""How `fees show` marks who set an entry (`hub.rules.fees.sources`)."""


def _warnings(settings) -> None:
    for warning in check_settings(settings):
        click.echo(f"Uwaga: {warning}", err=True)


@click.group("fees")
def fees_group() -> None:
    """Fee and meal settings (each dated: a change applies from its day on)."""


@fees_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def fees_show(ctx: click.Context, as_json: bool) -> None:
    """Show the rates, stay rules and meal settings in force, each marked by who set it
    (the gmina's resolution, a local change, or the default), with warnings about the legal cap."""
    sourced = fee_settings.load_sourced(database_from(ctx))
    settings, source = sourced.settings, sourced.source_of
    if as_json:
        echo_json(
            {
                **fee_settings.to_json(settings),
                "sources": {
                    "rates": [source(rate) for rate in settings.rates],
                    "rules": [source(rules) for rules in settings.rules],
                    "meal_prices": [source(price) for price in settings.meals.prices],
                },
            }
        )
    else:
        for rate in settings.rates:
            mark = SOURCES[source(rate)]
            click.echo(f"rate from {rate.valid_from}: {rate.per_hour} zł/h {rate.basis}{mark}")
        for rules in settings.rules:
            click.echo(
                f"rules from {rules.valid_from}: {rules.free_period.describe()}, {rules.rounding}, "
                f"grace {rules.grace_minutes} min, missing scan {rules.missing_scan}{SOURCES[source(rules)]}"
            )
        for price in settings.meals.prices:
            click.echo(
                f"meal from {price.valid_from}: {price.meal} {'—' if price.price is None else price.price}"
                f"{SOURCES[source(price)]}"
            )
        click.echo(
            f"meal cut-off {settings.meals.cutoff:%H:%M}, {settings.meals.cutoff_days_before} day(s) before; "
            f"billing {settings.meals.billing}"
        )
    _warnings(settings)


@fees_group.command("set-rate")
@click.option("--from", "valid_from", type=DATE, required=True, help="First day the rate applies.")
@click.option("--per-hour", required=True, help="Złoty per hour beyond the free time, e.g. 1,44.")
@click.option("--basis", default="", help="The uchwała that sets it (printed on statements).")
@author_option
@click.pass_context
def fees_set_rate(ctx: click.Context, valid_from: datetime, per_hour: str, basis: str, author: str) -> None:
    """Set the hourly rate from a day on (a warning if it exceeds the legal cap)."""
    with refused_as_errors():
        settings = fee_settings.set_rate(
            database_from(ctx), valid_from.date(), per_hour, basis, author=author
        )
    click.echo(f"Rate {per_hour} zł/h from {valid_from.date()}.")
    _warnings(settings)


@fees_group.command("set-rules")
@click.option("--from", "valid_from", type=DATE, required=True)
@click.option("--free", "window", help="Free window HH:MM-HH:MM, e.g. 08:00-13:00.")
@click.option("--free-hours", type=int, help="Or: the first N hours from arrival are free.")
@click.option("--rounding", type=click.Choice(ROUNDINGS), default="full_hour", show_default=True)
@click.option("--rounding-scope", type=click.Choice(ROUNDING_SCOPES), default="day", show_default=True)
@click.option("--grace", "grace_minutes", type=int, default=0, show_default=True, help="Minutes waived.")
@click.option(
    "--missing-scan", type=click.Choice(MISSING_SCAN_POLICIES), default="flag_only", show_default=True
)
@click.option("--no-age-exemption", is_flag=True, help="Bill children from the year they turn 6 too.")
@click.option("--basis", default="")
@author_option
@click.pass_context
def fees_set_rules(
    ctx: click.Context,
    valid_from: datetime,
    window: str | None,
    free_hours: int | None,
    no_age_exemption: bool,
    author: str,
    **options,
) -> None:
    """Set how the stay is billed from a day on."""
    if (window is None) == (free_hours is None):
        raise click.UsageError("give either --free HH:MM-HH:MM or --free-hours N")
    period: FreePeriod
    try:
        if window:
            start, _, end = window.partition("-")
            period = FixedWindow(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        else:
            assert free_hours is not None  # one of the two, checked above
            period = FirstHours(free_hours)
        rules = StayRules(
            valid_from=valid_from.date(), free_period=period, age_exemption=not no_age_exemption, **options
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    with refused_as_errors():
        settings = fee_settings.set_rules(database_from(ctx), rules, author=author)
    click.echo(f"Stay rules from {valid_from.date()}: {period.describe()}, {rules.rounding}.")
    _warnings(settings)


@fees_group.command("set-meal")
@click.option("--from", "valid_from", type=DATE, required=True)
@click.option("--meal", required=True, help="e.g. śniadanie, obiad, podwieczorek")
@click.option("--price", help="Złoty per day, e.g. 8,50; omit with --stop.")
@click.option("--stop", is_flag=True, help="The meal is no longer served from that day.")
@author_option
@click.pass_context
def fees_set_meal(
    ctx: click.Context, valid_from: datetime, meal: str, price: str | None, stop: bool, author: str
) -> None:
    """Set a meal's daily price from a day on."""
    if stop == (price is not None):  # so `stop` is `price is None`
        raise click.UsageError("give either --price or --stop")
    with refused_as_errors():
        fee_settings.set_meal_price(database_from(ctx), valid_from.date(), meal, price, author=author)
    click.echo(f"{meal}: {'not served' if price is None else price + ' zł'} from {valid_from.date()}.")


@fees_group.command("meal-rules")
@click.option("--cutoff", default="08:00", show_default=True, help="Report an absence before this time…")
@click.option("--days-before", type=int, default=0, show_default=True, help="…this many days before.")
@click.option("--billing", type=click.Choice(MEAL_BILLINGS), default="in_advance", show_default=True)
@author_option
@click.pass_context
def fees_meal_rules(ctx: click.Context, cutoff: str, days_before: int, billing: str, author: str) -> None:
    """When an absence cancels a meal, and whether meals are billed ahead or after."""
    try:
        cut = time.fromisoformat(cutoff)
    except ValueError as exc:
        raise click.BadParameter(f"HH:MM, got {cutoff!r}") from exc
    with refused_as_errors():
        fee_settings.set_meal_rules(
            database_from(ctx), cutoff=cut, days_before=days_before, billing=billing, author=author
        )
    click.echo(
        f"Absences cancel meals when reported by {cutoff}, {days_before} day(s) before; billing {billing}."
    )


@click.group("absences")
def absences_group() -> None:
    """Absences reported ahead (they cancel meals when reported before the cut-off)."""


@absences_group.command("report")
@click.option("--child", "child_id", type=int, required=True)
@click.option("--from", "first", type=DATE, required=True)
@click.option("--to", "last", type=DATE, help="Last day (default: the first).")
@click.option("--reason", default="")
@click.option("--by", "reported_by", default=lambda: f"cli:{getpass.getuser()}", help="Who reports it.")
@click.pass_context
def absences_report(
    ctx: click.Context, child_id: int, first: datetime, last: datetime | None, reason: str, reported_by: str
) -> None:
    """Report a child's absence for a day or a range of days."""
    with refused_as_errors():
        rows = absences.report_absence(
            database_from(ctx),
            child_id=child_id,
            first=first.date(),
            last=(last or first).date(),
            reported_by=reported_by,
            reason=reason,
        )
    skipped = (((last or first).date() - first.date()).days + 1) - len(rows)
    click.echo(
        f"Absence reported for {len(rows)} day(s)." + (f" Days off left out: {skipped}." if skipped else "")
    )


@absences_group.command("list")
@click.option("--child", "child_id", type=int)
@click.option("--from", "first", type=DATE)
@click.option("--to", "last", type=DATE)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def absences_list(ctx: click.Context, child_id, first, last, as_json: bool) -> None:
    """List reported absences."""
    rows = absences.list_absences(
        database_from(ctx),
        child_id=child_id,
        first=first.date() if first else None,
        last=last.date() if last else None,
    )
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"#{row['id']}  {row['day']}  child {row['child_id']}  reported {row['reported_at']}"
            f" by {row['reported_by']}  {row['reason'] or ''}"
        )


@absences_group.command("withdraw")
@click.argument("absence_id", type=int)
@click.option("--by", "withdrawn_by", default=lambda: f"cli:{getpass.getuser()}", help="Who withdraws it.")
@click.pass_context
def absences_withdraw(ctx: click.Context, absence_id: int, withdrawn_by: str) -> None:
    """Withdraw a reported absence (the child comes after all) before its day starts."""
    with refused_as_errors():
        row = absences.withdraw_absence(
            database_from(ctx), absence_id, withdrawn_by=withdrawn_by, tz=settings_from(ctx).tz
        )
    click.echo(f"Absence on {row['day']} withdrawn: the meal is no longer cancelled.")


@click.group("months")
def months_group() -> None:
    """Closing months: a closed month is locked; later changes become adjustments."""


@months_group.command("close")
@click.argument("month")
@click.option("--by", "closed_by", default=lambda: f"cli:{getpass.getuser()}", help="Who closes it.")
@click.pass_context
def months_close(ctx: click.Context, month: str, closed_by: str) -> None:
    """Close MONTH (YYYY-MM): keep what each child was billed; later corrections are billed
    as adjustments in the next open month."""
    try:
        parsed = datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise click.BadParameter(f"a month is YYYY-MM, got {month!r}") from exc
    with refused_as_errors():
        count = months.close(database_from(ctx), settings_from(ctx), parsed.year, parsed.month, closed_by)
    click.echo(f"Closed {month}: {count} statements kept.")


@months_group.command("list")
@click.pass_context
def months_list(ctx: click.Context) -> None:
    """List closed months."""
    rows = months.closed_months(database_from(ctx))
    if not rows:
        click.echo("No month is closed yet.")
    for row in rows:
        click.echo(f"{row['year']}-{row['month']:02d} closed {row['closed_at']} by {row['closed_by']}")
