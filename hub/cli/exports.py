"""`ewidencjoner export taps`: every stored tap between two local days, as CSV or JSON."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

import click

from hub.cli.context import database_from, settings_from
from hub.store import taps
from hub.timefmt import local_day_bounds


@click.group("export")
def export_group() -> None:
    """Export stored data."""


@export_group.command("taps")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First local day.")
@click.option(
    "--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last local day (inclusive)."
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)."
)
@click.pass_context
def export_taps(ctx: click.Context, first, last, fmt: str, output) -> None:
    """Export every tap between two local days, unknown-time taps by receipt day."""
    first_day: date = first.date()
    last_day: date = last.date()
    if last_day < first_day:
        raise click.BadParameter("--to is before --from")
    settings = settings_from(ctx)
    start, end = local_day_bounds(first_day, last_day, settings.tz)
    rows = taps.list_taps(database_from(ctx), start, end)
    write_rows(rows, fmt, output, columns=TAP_COLUMNS)


TAP_COLUMNS = [
    "reader_id",
    "seq",
    "uid",
    "at",
    "time_quality",
    "received_at",
    "boot",
    "ms",
    "now",
    "device_t",
]


def write_rows(rows: list[dict[str, Any]], fmt: str, output, columns: list[str]) -> None:
    if fmt == "json":
        json.dump(rows, output, ensure_ascii=False, indent=2)
        output.write("\n")
        return
    writer = csv.DictWriter(output, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
