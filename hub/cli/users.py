"""`ewidencjoner users …`: accounts of the web UI, their one-time passwords, login statistics
and the security settings (password policy, lockout, idle logout, rate limit).

A one-time password is printed once, to be handed over in person; the person chooses their
own password at the first login. The author recorded in the audit log is `cli:<user>`
unless `--author` names someone.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click

from hub.accounts import accounts, logins, security_policy
from hub.accounts.rights import READ_RIGHTS, RIGHTS, ROLE_RIGHTS, ROLES
from hub.cli.context import (
    DATE,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
    settings_from,
)
from hub.store import registry
from hub.timefmt import from_db, local_day_bounds


@click.group("users")
def users_group() -> None:
    """Accounts of the web UI (log in with an e-mail address)."""


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.option("--title", default="", help="e.g. wychowawca, nauczyciel, specjalista.")
@click.option("--group", "groups", multiple=True, help="A teacher's group, name or id (repeat).")
@click.option("--child", "children", type=int, multiple=True, help="A parent's child id (repeat).")
@click.option("--expires", type=DATE, help="Last day the account works (required for an inspector).")
@click.option(
    "--grant", "granted", multiple=True, type=click.Choice(sorted(READ_RIGHTS)),
    help="A right an inspector may use (repeat; default: every right that only reads).",
)  # fmt: skip
@author_option
@click.pass_context
def users_add(
    ctx: click.Context, email: str, groups: tuple[str, ...], children: tuple[int, ...], **options
) -> None:
    """Create an account for EMAIL and print its one-time password."""
    db = database_from(ctx)
    with refused_as_errors():
        group_ids = [registry.find_group(db, group)["id"] for group in groups]
        user, one_time = accounts.add_user(
            db,
            email=email,
            name=options["name"],
            role=options["role"],
            title=options["title"],
            groups=group_ids,
            children=list(children),
            expires_on=options["expires"].date() if options["expires"] else None,
            granted=list(options["granted"]) or None,
            author=options["author"],
        )
    click.echo(f"Created account {user['email']} ({user['role']}, id {user['id']}).")
    click.echo(f"One-time password: {one_time}")
    click.echo("Hand it over in person; it must be changed at the first login.")


@users_group.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every account with its role, scope and state."""
    rows = accounts.list_users(database_from(ctx))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        state = "BLOCKED" if row["blocked_at"] else "must change password" if row["must_change"] else "active"
        scope = [f"groups {row['groups']}"] if row["groups"] else []
        scope += [f"children {row['children']}"] if row["children"] else []
        scope += [f"until {row['expires_on']}"] if row["expires_on"] else []
        click.echo(f"{row['id']:>4}  {row['email']:<32} {row['role']:<10} {state:<22} {' '.join(scope)}")


@users_group.command("unblock")
@click.argument("email")
@author_option
@click.pass_context
def users_unblock(ctx: click.Context, email: str, author: str) -> None:
    """Unblock EMAIL's account (or reset a forgotten password): print a new one-time password."""
    db = database_from(ctx)
    with refused_as_errors():
        user = accounts.find_user(db, email)
        one_time = accounts.issue_one_time_password(db, user["id"], author=author)
    click.echo(f"One-time password for {user['email']}: {one_time}")
    click.echo("Hand it over in person; it must be changed at the next login.")


@users_group.command("stats")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True, help="The last N days.")
@json_option
@click.pass_context
def users_stats(ctx: click.Context, days: int, as_json: bool) -> None:
    """Login statistics: per account and role, last login, logins and failures, blocked accounts."""
    settings = settings_from(ctx)
    today = datetime.now(settings.tz).date()
    start, end = local_day_bounds(today - timedelta(days=days - 1), today, settings.tz)
    stats = logins.statistics(database_from(ctx), from_db(start), from_db(end))
    if as_json:
        echo_json(stats)
        return
    click.echo(f"Logins over the last {days} days")
    for role, totals in stats["roles"].items():
        click.echo(
            f"  {role:<10} {totals['accounts']:>3} accounts {totals['logins']:>5} logins "
            f"{totals['failures']:>4} failed {totals['blocked']:>3} blocked"
        )
    for user in stats["users"]:
        last = _local(user["last_login_at"], settings.tz) if user["last_login_at"] else "never"
        blocked = "  BLOCKED" if user["blocked_at"] else ""
        click.echo(
            f"  {user['email']:<32} {user['role']:<10} last {last} ({user['last_login_ip'] or '-'}) "
            f"{user['logins']} logins, {user['failures']} failed{blocked}"
        )
    click.echo(f"Attempts with unknown e-mail addresses: {stats['unknown_failures']}; "
               f"refused by the per-address limit: {stats['rate_limited']}")  # fmt: skip


@users_group.command("rights")
def users_rights() -> None:
    """The rights matrix: each role's rights and how far they reach."""
    for role, rights in ROLE_RIGHTS.items():
        click.echo(f"{role} ({ROLES[role]}):")
        for right, reach in rights.items():
            click.echo(f"  {right:<20} {reach:<13} {RIGHTS[right]}")


@users_group.command("policy")
@click.argument("changes", nargs=-1, metavar="[KEY=VALUE]...")
@author_option
@click.pass_context
def users_policy(ctx: click.Context, changes: tuple[str, ...], author: str) -> None:
    """Show the security settings, or change them: `users policy idle_minutes=10`."""
    db = database_from(ctx)
    values = {}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise click.BadParameter(f"write KEY=VALUE, got {change!r}")
        values[key.strip()] = value.strip()
    if values:
        with refused_as_errors():
            security_policy.set_values(db, values, author=author)
    for key, value in asdict(security_policy.load(db)).items():
        low, high = security_policy.LIMITS[key]
        click.echo(f"{key} = {value}  ({low}–{high})")


def _local(stored: str, tz: ZoneInfo) -> str:
    return from_db(stored).astimezone(tz).strftime("%Y-%m-%d %H:%M")
