"""`ewidencjoner city …`: the gmina's side, run on the city's machines rather than a
kindergarten's (see README, "City"). Each subcommand lives in a module of its own,
imported only when it runs; `city --help` lists them from `CITY_COMMANDS`."""

from __future__ import annotations

from hub.cli.lazy import LazyCommand, LazyGroup

CITY_COMMANDS: dict[str, LazyCommand] = {}

city_group = LazyGroup(
    "city",
    help="The gmina's side: all of a city's kindergartens in one view (NATS, PostgreSQL).",
    lazy_commands=CITY_COMMANDS,
)
