"""`ewidencjoner report NAME …`: any report in any format, to a file or standard output."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from hub import reports
from hub.cli.context import database_from, refusal_message, settings_from
from hub.refusal import Refusal


def _month(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError as exc:
        raise click.BadParameter(f"a month is YYYY-MM, got {value!r}") from exc
    return parsed.year, parsed.month


@click.command("report")
@click.argument("name", type=click.Choice(sorted(reports.REPORTS)))
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day (daily reports).")
@click.option("--month", help="The month as YYYY-MM (monthly reports).")
@click.option(
    "--school-year",
    type=click.IntRange(2000, 2098),
    help="The school year by the year it starts: 2026 is 1 Sep 2026 – 31 Aug 2027 (attendance-stats).",
)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (ranges).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (ranges).")
@click.option("--group", help="One group (name or id); default: the whole kindergarten.")
@click.option("--child", "child_id", type=int, help="One child (per-child reports).")
@click.option(
    "--every-child",
    is_flag=True,
    help="Every child's report (of --group) in one PDF, each on its own pages (stay-report).",
)
@click.option("--copayer", "copayer_id", type=int, help="A co-payer's ledger (ledger-statement).")
@click.option(
    "--format", "fmt", type=click.Choice(reports.FORMATS), help="Default: html; pdf with --every-child."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
@click.pass_context
def report_command(
    ctx: click.Context, name: str, day, month, school_year, first, last, group, child_id, every_child,
    copayer_id, fmt, output,
) -> None:  # fmt: skip
    """Make report NAME (see the README's list) as HTML, PDF, CSV or XLSX."""
    db = database_from(ctx)
    settings = settings_from(ctx)
    today = datetime.now(settings.tz).date()
    period = reports.Period(
        day=day.date() if day else (today if reports.REPORTS[name].period == "day" else None),
        month=_month(month),
        first=first.date() if first else None,
        last=last.date() if last else None,
        school_year=school_year,
    )
    if every_child and child_id is not None:
        raise click.UsageError("--every-child or --child, not both")
    fmt = fmt or ("pdf" if every_child else "html")
    try:
        if every_child:
            every = reports.build_every_child(name, db, settings, period, group=group)
            data = reports.render_every_child(every, fmt)
        else:
            steps = reports.progress_steps(name, db, period, group)
            with click.progressbar(length=steps, label=f"{name}", file=sys.stderr) as bar:
                report = reports.build(
                    name,
                    db,
                    settings,
                    period,
                    group=group,
                    child_id=child_id,
                    progress=bar.update,
                    copayer_id=copayer_id,
                )
            data = reports.render(report, fmt)
    except Refusal as refusal:
        raise click.ClickException(refusal_message(refusal)) from refusal
    _write(data, fmt, output)


def _write(data: bytes, fmt: str, output: Path | None) -> None:
    """To `output`, or to standard output unless it is a terminal and `data` binary."""
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes).", err=True)
    elif fmt in ("pdf", "xlsx") and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary: give -o FILE")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
