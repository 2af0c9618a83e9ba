"""`ewidencjoner city officers …`, `city sites name`: the gmina officers who read the panel
(`city panel`, served by `web/city/cli.py`: the hub never imports the web) and the
kindergartens' names as the panel shows them.

These reach only the city's PostgreSQL (never NATS), so they take `--postgres` alone (or
`EWIDENCJONER_CITY_POSTGRES`). An officer's password is never an argument (it would stay
in the shell's history and the process list): it is asked for twice at a terminal, or read
as the first line of standard input, and must meet the site's password policy; it is
hashed with the site's accounts' argon2id.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from hub.cli.context import echo_json, json_option, refused_as_errors

postgres_option = click.option(
    "--postgres", envvar="EWIDENCJONER_CITY_POSTGRES", required=True, help="The city's PostgreSQL (a DSN)."
)


@contextmanager
def city_database(dsn: str) -> Iterator[Any]:
    """The city's database, its schema made if missing."""
    from hub.city.pg_schema import migrate

    with reachable():
        import psycopg

        conn = psycopg.connect(dsn, autocommit=True)
    with conn:
        migrate(conn)
        yield conn


@contextmanager
def reachable() -> Iterator[None]:
    """A database that cannot be reached (down, a wrong DSN, refused) ends the command with
    the reason, not a traceback."""
    import psycopg

    from hub.city.panel_queries import unreachable

    try:
        yield
    except psycopg.OperationalError as exc:
        raise unreachable(exc) from exc


@click.group("officers")
def officers_group() -> None:
    """The gmina officers who may read the panel."""


def read_password(prompt: Callable[[], str]) -> str:
    """The password from a terminal (asked twice) or the first line of standard input."""
    if sys.stdin.isatty():
        return prompt()
    return sys.stdin.readline().rstrip("\r\n")


@officers_group.command("add")
@click.argument("login")
@click.option("--name", required=True, help="The officer's name as the panel shows it.")
@postgres_option
def officers_add(login: str, name: str, postgres: str) -> None:
    """Add an officer LOGIN; the password is asked for (or read from standard input)."""
    from hub.accounts import passwords, security_policy
    from hub.city import officers

    password = read_password(lambda: click.prompt("Password", hide_input=True, confirmation_prompt=True))
    with refused_as_errors():
        policy = security_policy.SecuritySettings()
        problems = passwords.policy_problems(password, policy)
        if problems:
            raise passwords.PasswordRejected(problems, policy)
        with city_database(postgres) as conn:
            officer = officers.add(conn, login, name, passwords.hash_password(password))
    click.echo(f"officer {officer.login} added")


@officers_group.command("block")
@click.argument("login")
@postgres_option
def officers_block(login: str, postgres: str) -> None:
    """Block an officer LOGIN; their open sessions end at once."""
    from hub.city import officers

    with refused_as_errors(), city_database(postgres) as conn:
        ended = officers.block(conn, login)
    click.echo(f"officer {login} blocked; sessions ended: {ended}")


@officers_group.command("list")
@postgres_option
@json_option
def officers_list(postgres: str, as_json: bool) -> None:
    """List the officers."""
    from hub.city import officers

    with refused_as_errors(), city_database(postgres) as conn:
        found = officers.listed(conn)
    if as_json:
        echo_json([{"login": o.login, "name": o.display_name, "blocked": o.blocked} for o in found])
        return
    for officer in found:
        click.echo(
            "\t".join([officer.login, officer.display_name, *(["(blocked)"] if officer.blocked else [])])
        )


@click.group("sites")
def sites_group() -> None:
    """The kindergartens as the city knows them."""


@sites_group.command("name")
@click.argument("site")
@click.argument("name")
@postgres_option
def sites_name(site: str, name: str, postgres: str) -> None:
    """Give the kindergarten SITE the NAME the panel shows."""
    from hub.city import panel_queries

    with refused_as_errors(), city_database(postgres) as conn:
        panel_queries.name_site(conn, site, name)
    click.echo(f"{site}: {name.strip()}")
