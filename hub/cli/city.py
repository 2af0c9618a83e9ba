"""`ewidencjoner city …`: the gmina's side, run on the city's machines rather than a
kindergarten's (see README, "City"). Each subcommand lives in a module of its own,
imported only when it runs; `city --help` lists them from `CITY_COMMANDS`. Subcommands
that reach the engines take `city_options`, which gives them a `CityConfig` as `config`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from hub.cli.lazy import LazyCommand, LazyGroup

CITY_COMMANDS: dict[str, LazyCommand] = {
    "officers": LazyCommand(
        "hub.cli.city_panel:officers_group", "The gmina officers who may read the panel."
    ),
    "panel": LazyCommand(
        "web.city.cli:panel_command", "Serve the gmina officers' panel over the city's PostgreSQL."
    ),
    "serve": LazyCommand(
        "hub.cli.city_serve:serve", "Run the city service: the sites' events into the city's PostgreSQL."
    ),
    "sites": LazyCommand("hub.cli.city_panel:sites_group", "The kindergartens as the city knows them."),
}

city_group = LazyGroup(
    "city",
    help="The gmina's side: all of a city's kindergartens in one view (NATS, PostgreSQL).",
    lazy_commands=CITY_COMMANDS,
)


def city_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--nats` and `--postgres` (or their environment variables), passed on as `config`."""

    @click.option(
        "--nats", "nats", multiple=True, envvar="EWIDENCJONER_CITY_NATS",
        help="A NATS server of the city's cluster, nats://HOST:PORT (repeat for each node).",
    )  # fmt: skip
    @click.option("--postgres", envvar="EWIDENCJONER_CITY_POSTGRES", help="The city's PostgreSQL (a DSN).")
    @functools.wraps(command)
    def with_config(nats: tuple[str, ...], postgres: str | None, **kwargs: Any) -> Any:
        from hub.city.config import city_config
        from hub.cli.context import refused_as_errors

        with refused_as_errors():
            config = city_config(nats, postgres)
        return command(config=config, **kwargs)

    return with_config
