"""`ewidencjoner attendance-stats`: attendance statistics (frekwencja) of a group or the whole
kindergarten for a month or a school year, as a table or `--json`. The same figures as the
`/statistics` page and the `attendance-stats` report (`ewidencjoner report attendance-stats`
for print, PDF, CSV or XLSX)."""

from __future__ import annotations

import calendar
from datetime import datetime

import click

from hub.cli.context import database_from, echo_json, json_option, refused_as_errors, settings_from
from hub.reports.attendance_stats import tally_cells
from hub.reports.render import polish_number
from hub.rules.school_year import school_year_end, school_year_start
from hub.rules.statistics import Tally
from hub.services.statistics import statistics, statistics_as_dict
from hub.store import registry


@click.command("attendance-stats")
@click.option("--month", type=click.DateTime(["%Y-%m"]), help="The month as YYYY-MM.")
@click.option(
    "--school-year",
    type=click.IntRange(2000, 2098),
    help="The school year by the year it starts (2026: 2026/27).",
)
@click.option("--group", help="One group (name or id); default: the whole kindergarten.")
@json_option
@click.pass_context
def attendance_stats_command(
    ctx: click.Context, month: datetime | None, school_year: int | None, group: str | None, as_json: bool
) -> None:
    """Attendance statistics of a month or a school year, per child and group (--json).

    Per child: open days, present, absent reported ahead and not, to resolve, days off, the
    average stay and the attendance rate; each group's totals (hub/rules/statistics.py)."""
    if (month is None) == (school_year is None):
        raise click.UsageError("give either --month YYYY-MM or --school-year YYYY")
    db = database_from(ctx)
    settings = settings_from(ctx)
    if month is not None:
        first = month.date()
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    else:
        assert school_year is not None
        first, last = school_year_start(school_year), school_year_end(school_year)
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"] if group else None
    found = statistics(db, settings, first, last, group_id=group_id)
    if as_json:
        echo_json(statistics_as_dict(found))
        return
    click.echo(f"{'':30} open  pres  abs+r abs-r  todo   off   average stay      rate")
    for group_stats in found.groups:
        click.echo(f"Grupa {group_stats.name}")
        for child in group_stats.children:
            click.echo(_line(f"  {child.name}", child.tally))
        click.echo(_line("  Razem", group_stats.total))
    if group_id is None and len(found.groups) > 1:
        click.echo(_line("Całe przedszkole", found.total))


def _line(name: str, tally: Tally) -> str:
    cells = [polish_number(cell) or "—" for cell in tally_cells(tally)]
    widths = (4, 5, 5, 5, 5, 5, 14, 9)
    return f"{name[:30]:30} " + " ".join(
        f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True)
    )
