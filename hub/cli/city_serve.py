"""`ewidencjoner city serve`: one instance of the city service (hub/city/service.py)."""

from __future__ import annotations

import logging
from typing import Any

import click

from hub.cli.city import city_options

READY = "city service ready"
"""Printed once the instance consumes (a supervisor or a test waits for it)."""


@click.command("serve")
@city_options
@click.option("--name", default="city", show_default=True, help="This instance's name in the logs.")
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
def serve(config: Any, name: str, verbose: bool) -> None:
    """Run the city service: the sites' events into the city's PostgreSQL.

    Runs until SIGTERM or SIGINT; any number of instances may run at once (NATS spreads
    the messages among them, each event is stored once)."""
    from hub.city.service import serve as run

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format=f"%(asctime)s %(levelname)s {name} %(name)s: %(message)s",
    )
    logging.getLogger("nats").setLevel(logging.WARNING)
    run(config, name, on_ready=lambda: click.echo(READY))
