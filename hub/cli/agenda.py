"""`ewidencjoner announcements` and `ewidencjoner calendar`: announcements (ogłoszenia) and the
calendar (terminarz), with each account's private calendar feed link."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from hub.accounts import accounts, calendar_feeds
from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    or_dash,
    refused_as_errors,
    settings_from,
)
from hub.rules.agenda import AUDIENCES, EVENT_KINDS, GROUP, days_off, month_days
from hub.rules.attendance import local_instant
from hub.services import announcements as publishing
from hub.store import announcements, calendar_events, registry, site_settings
from hub.timefmt import from_db, local_clock

CLOCK = click.DateTime(["%H:%M"])
MONTH = click.DateTime(["%Y-%m"])


@click.group("announcements")
def announcements_group() -> None:
    """Announcements (ogłoszenia) for everyone, a group, staff or parents."""


@announcements_group.command("list")
@click.option("--current", is_flag=True, help="Only those shown today.")
@json_option
@click.pass_context
def announcements_list(ctx: click.Context, current: bool, as_json: bool) -> None:
    """List announcements, the latest first (withdrawn ones marked)."""
    db = database_from(ctx)
    today = _today(ctx)
    rows = [
        row
        for row in announcements.list_announcements(db)
        if not current or announcements.is_current(row, today)
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        audience = f"group {row['group_id']}" if row["audience"] == GROUP else row["audience"]
        state = f" [withdrawn: {row['withdraw_reason']}]" if row["withdrawn_at"] else ""
        click.echo(
            f"#{row['id']} {row['shown_from']}..{row['shown_to']} for {audience}{state}: {row['title']}"
        )


@announcements_group.command("add")
@click.argument("title")
@click.option("--body", required=True, help="The text.")
@click.option(
    "--for", "audience", required=True,
    help=f"Whom for: {', '.join(a for a in AUDIENCES if a != GROUP)}, or a group's name or id.",
)  # fmt: skip
@click.option("--from", "first", type=DATE, help="First day shown (default: today).")
@click.option("--to", "last", type=DATE, required=True, help="Last day shown.")
@author_option
@json_option
@click.pass_context
def announcements_add(
    ctx: click.Context, title: str, body: str, audience: str, first: datetime | None, last: datetime,
    author: str, as_json: bool,
) -> None:  # fmt: skip
    """Publish announcement TITLE."""
    db = database_from(ctx)
    with refused_as_errors():
        group_id = None if audience in AUDIENCES else registry.find_group(db, audience)["id"]
        row = publishing.publish(
            db, title=title, body=body, audience=GROUP if group_id else audience, group_id=group_id,
            shown_from=first.date() if first else _today(ctx), shown_to=last.date(), author=author,
            today=_today(ctx),
        )  # fmt: skip
    if as_json:
        echo_json(row)
        return
    click.echo(f"Published announcement {row['id']}, shown {row['shown_from']}..{row['shown_to']}.")


@announcements_group.command("withdraw")
@click.argument("announcement_id", type=int)
@click.option("--reason", required=True, help="Why it is withdrawn (kept with it).")
@author_option
@click.pass_context
def announcements_withdraw(ctx: click.Context, announcement_id: int, reason: str, author: str) -> None:
    """Withdraw announcement ANNOUNCEMENT_ID before its last day."""
    with refused_as_errors():
        announcements.withdraw(database_from(ctx), announcement_id, reason=reason, author=author)
    click.echo(f"Withdrew announcement {announcement_id}.")


@click.group("calendar")
def calendar_group() -> None:
    """The calendar (terminarz): events, closed days, holidays; feed links."""


@calendar_group.command("list")
@click.option("--month", "shown", type=MONTH, help="The month, YYYY-MM (default: this month).")
@json_option
@click.pass_context
def calendar_list(ctx: click.Context, shown: datetime | None, as_json: bool) -> None:
    """A month's events, the site's closed days and the public holidays."""
    db = database_from(ctx)
    month = shown.date() if shown else _today(ctx)
    first, last = month_days(month.year, month.month)
    events = calendar_events.events_between(db, first, last)
    closed = {date.fromisoformat(row["day"]): row["reason"] for row in site_settings.closed_days(db)}
    offs = days_off(first, last, closed)
    if as_json:
        echo_json(
            {
                "events": events,
                "days_off": [{"day": o.day.isoformat(), "name": o.name, "holiday": o.holiday} for o in offs],
            }
        )
        return
    items: list[tuple[str, str]] = [
        (o.day.isoformat(), f"{'holiday' if o.holiday else 'closed'}: {o.name}") for o in offs
    ]
    tz = settings_from(ctx).tz
    items += [(row["start_day"], _event_line(row, tz)) for row in events]
    for day, line in sorted(items):
        click.echo(f"{day} {line}")


@calendar_group.command("add")
@click.argument("title")
@click.option("--kind", type=click.Choice(EVENT_KINDS), required=True, help="What kind of event.")
@click.option("--group", help="Group name or id (default: all groups).")
@click.option("--date", "first", type=DATE, required=True, help="The (first) day.")
@click.option("--to", "last", type=DATE, help="The last day (default: the first).")
@click.option("--start", type=CLOCK, help="Starts at HH:MM (with --end; neither: all day).")
@click.option("--end", type=CLOCK, help="Ends at HH:MM, on the last day.")
@click.option("--place", default="", help="Where.")
@author_option
@json_option
@click.pass_context
def calendar_add(
    ctx: click.Context, title: str, kind: str, group: str | None, first: datetime, last: datetime | None,
    start: datetime | None, end: datetime | None, place: str, author: str, as_json: bool,
) -> None:  # fmt: skip
    """Add event TITLE to the calendar."""
    db = database_from(ctx)
    tz = settings_from(ctx).tz
    first_day, last_day = first.date(), (last or first).date()
    if (start is None) != (end is None):
        raise click.UsageError("give both --start and --end, or neither for an all-day event")
    when: tuple[Any, Any] = (first_day, last_day)
    if start and end:
        when = (local_instant(first_day, start.time(), tz), local_instant(last_day, end.time(), tz))
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"] if group else None
        row = calendar_events.add_event(
            db, kind=kind, title=title, place=place, group_id=group_id, start=when[0], end=when[1],
            author=author, tz=tz,
        )  # fmt: skip
    if as_json:
        echo_json(row)
        return
    click.echo(f"Added event {row['id']} on {row['start_day']}.")


@calendar_group.command("feed-url")
@click.argument("email")
@click.option(
    "--base-url", default=None,
    help="The journal's address as phones reach it (default: http://<web_host>:<web_port>).",
)  # fmt: skip
@click.option("--revoke", is_flag=True, help="Only revoke the account's link; make no new one.")
@author_option
@json_option
@click.pass_context
def calendar_feed_url(
    ctx: click.Context, email: str, base_url: str | None, revoke: bool, author: str, as_json: bool
) -> None:
    """A new private calendar link for the account EMAIL (the old one stops working)."""
    db = database_from(ctx)
    settings = settings_from(ctx)
    with refused_as_errors():
        user_id = accounts.find_user(db, email)["id"]
    if revoke:
        revoked = calendar_feeds.revoke_feed(db, user_id, author=author)
        if as_json:
            echo_json({"revoked": revoked})
        else:
            click.echo("Revoked the calendar link." if revoked else "The account had no calendar link.")
        return
    token = calendar_feeds.new_feed(db, user_id, author=author)
    web = (base_url or f"http://{settings.web_host}:{settings.web_port}").rstrip("/")
    web += f"/calendar/feed/{token}.ics"
    links = {"https": web, "webcal": "webcal://" + web.split("://", 1)[1]}
    if as_json:
        echo_json(links)
        return
    click.echo(
        f"Subscribe on a phone: {links['webcal']}\nOr add this address to a calendar: {links['https']}"
    )


def _event_line(row: dict[str, Any], tz: ZoneInfo) -> str:
    group = f"group {row['group_id']}" if row["group_id"] else "all groups"
    span = (
        "all day"
        if row["all_day"]
        else f"{local_clock(from_db(row['starts_at']), tz)}–" + local_clock(from_db(row["ends_at"]), tz)
    )
    state = f" [cancelled: {row['cancel_reason']}]" if row["cancelled_at"] else ""
    return f"#{row['id']} {row['kind']} ({group}, {span}, {or_dash(row['place'])}){state}: {row['title']}"
