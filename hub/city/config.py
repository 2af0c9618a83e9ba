"""Where the city's engines are: the NATS cluster's servers and the PostgreSQL database.

Every `ewidencjoner city …` command takes them as `--nats URL` (repeated, one per node)
and `--postgres DSN`, or from the environment (`EWIDENCJONER_CITY_NATS`, comma-separated,
and `EWIDENCJONER_CITY_POSTGRES`), which is how the systemd units in the README set them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.refusal import N_, Refusal


@dataclass(frozen=True)
class CityConfig:
    nats: tuple[str, ...]
    """The cluster's client URLs, e.g. `nats://10.0.0.1:4222`; the client fails over among them."""
    postgres: str
    """A libpq connection string or URI, e.g. `postgresql://city@db.gmina.local/city`."""


def city_config(nats: Iterable[str], postgres: str | None) -> CityConfig:
    servers = tuple(url.strip() for item in nats for url in item.split(",") if url.strip())
    if not servers:
        raise Refusal("city.no_nats", N_("Name the city's NATS servers (--nats or EWIDENCJONER_CITY_NATS)."))
    if not all(url.startswith(("nats://", "tls://")) for url in servers):
        raise Refusal("city.bad_nats", N_("A NATS server is named as nats://HOST:PORT or tls://HOST:PORT."))
    if not postgres or not postgres.strip():
        raise Refusal(
            "city.no_postgres",
            N_("Name the city's PostgreSQL database (--postgres or EWIDENCJONER_CITY_POSTGRES)."),
        )
    return CityConfig(servers, postgres.strip())
