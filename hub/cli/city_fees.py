"""`ewidencjoner city resolution …`: the gmina's fee resolution, set once for all its
kindergartens and applied by each from its date (`hub.city.fee_resolution`)."""

from __future__ import annotations

import asyncio
import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hub.city.config import CityConfig
from hub.cli.city import city_options
from hub.cli.context import DATE, echo_json, refused_as_errors
from hub.refusal import N_, Refusal
from hub.rules.fees import check_rates
from hub.store.fee_document import resolution_entries


@click.group("resolution")
def resolution_group() -> None:
    """The gmina's fee resolution, set once for all its kindergartens."""


@resolution_group.command("set")
@click.option("--from", "valid_from", type=DATE, required=True, help="The first day it applies.")
@click.option("--basis", required=True, help='The resolution, e.g. "Uchwała nr XII/85/2026 Rady Miasta".')
@click.option("--by", "set_by", default=lambda: f"cli:{getpass.getuser()}", help="Who sets it.")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_options
def resolution_set(config: CityConfig, valid_from: datetime, basis: str, set_by: str, document: Path) -> None:
    """Set the fee resolution from a day on: DOCUMENT is JSON in the form of `fees show
    --json` with only rates, rules and meals.prices (an entry without valid_from takes
    --from). A bad document is refused whole; a good one is kept and sent to every site."""
    from hub.city import fee_resolution

    with refused_as_errors():
        try:
            parsed = json.loads(document.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refusal(
                "fees.resolution_not_json", N_("The resolution is not JSON: %(reason)s"), reason=str(exc)
            ) from exc
        checked = fee_resolution.checked_document(parsed, valid_from.date(), basis)  # before the engines
        with _connect(config) as conn:
            row = fee_resolution.set_resolution(conn, valid_from.date(), basis, parsed, set_by)
            rows = fee_resolution.resolutions(conn)
    click.echo(f"Resolution #{row['id']} from {row['valid_from']} kept ({row['basis']}).")
    for warning in check_rates(resolution_entries(checked, valid_from.date()).rates):
        click.echo(f"Uwaga: {warning.message}", err=True)
    _publish(config, rows)


@resolution_group.command("publish")
@city_options
def resolution_publish(config: CityConfig) -> None:
    """Send the resolutions in force to the sites again (after the NATS cluster was down)."""
    from hub.city import fee_resolution

    with _connect(config) as conn:
        rows = fee_resolution.resolutions(conn)
    _publish(config, rows)


@resolution_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--overrides", is_flag=True, help="List what the sites set locally instead.")
@city_options
def resolution_list(config: CityConfig, as_json: bool, overrides: bool) -> None:
    """List the resolutions set (the last one for each date is in force), or the sites' own
    overrides of them."""
    from hub.city import fee_resolution

    with _connect(config) as conn:
        rows = fee_resolution.site_overrides(conn) if overrides else fee_resolution.resolutions(conn)
    if as_json:
        echo_json(rows)
    elif overrides:
        for row in rows:
            click.echo(f"{row['site']}  from {row['valid_from']}  local: {_entries(row['document'])}")
    else:
        for row in rows:
            mark = "in force" if row["in_force"] else "replaced"
            click.echo(
                f"#{row['id']}  from {row['valid_from']}  {row['basis']}  ({mark}; set by {row['set_by']}"
                f" {row['set_at']:%Y-%m-%d %H:%M})  {_entries(row['document'])}"
            )


def _entries(document: dict[str, Any]) -> str:
    parts = [f"rate {rate['per_hour']} zł/h" for rate in document.get("rates", [])]
    parts += [f"rules ({rules['rounding']})" for rules in document.get("rules", [])]
    prices = document.get("meals", {}).get("prices", [])
    parts += [f"{price['meal']} {price['price'] or '—'}" for price in prices]
    return ", ".join(parts)


def _connect(config: CityConfig) -> Any:
    import psycopg

    from hub.city import pg_schema

    try:
        conn = psycopg.connect(config.postgres, connect_timeout=10, autocommit=True)
    except psycopg.OperationalError as exc:
        raise click.ClickException(f"the city's PostgreSQL cannot be reached: {exc}") from exc
    pg_schema.migrate(conn)
    return conn


def _publish(config: CityConfig, rows: list[dict[str, Any]]) -> None:
    from hub.city import fee_resolution

    async def run() -> int:
        import nats

        client = await nats.connect(servers=list(config.nats), connect_timeout=5, max_reconnect_attempts=2)
        try:
            return await fee_resolution.publish(client.jetstream(), rows)
        finally:
            await client.close()

    try:
        put = asyncio.run(run())
    except Exception as exc:  # any failure to reach or write NATS: the record is safe in PostgreSQL
        raise click.ClickException(
            f"kept in PostgreSQL but not sent to the sites ({exc!r}); run `ewidencjoner city resolution "
            "publish` when the NATS cluster is back"
        ) from exc
    click.echo(f"Sent to the sites: {put} resolution(s) new or changed.")
