"""`ewidencjoner city …` commands find the city's engines from their options or the
environment, and refuse clearly when either is missing or malformed."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from hub.city.config import CityConfig
from hub.cli.city import city_options


@click.command()
@city_options
def shown(config: CityConfig) -> None:
    click.echo(f"{','.join(config.nats)} {config.postgres}")


def test_options_and_environment_name_the_engines() -> None:
    runner = CliRunner()
    both = ["--nats", "nats://a:4222", "--nats", "nats://b:4222"]
    result = runner.invoke(shown, [*both, "--postgres", "dbname=city"])
    assert result.output.strip() == "nats://a:4222,nats://b:4222 dbname=city"
    environment = {
        "EWIDENCJONER_CITY_NATS": "nats://a:4222,nats://b:4222",
        "EWIDENCJONER_CITY_POSTGRES": "dbname=c",
    }
    result = runner.invoke(shown, [], env=environment)
    assert result.output.strip() == "nats://a:4222,nats://b:4222 dbname=c"


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--postgres", "dbname=city"], "NATS"),
        (["--nats", "http://a:80", "--postgres", "dbname=city"], "nats://HOST:PORT"),
        (["--nats", "nats://a:4222"], "PostgreSQL"),
        (["--nats", "nats://a:4222", "--postgres", "  "], "PostgreSQL"),
    ],
)
def test_a_missing_or_malformed_engine_is_refused(arguments: list[str], said: str) -> None:
    result = CliRunner().invoke(shown, arguments, env={"EWIDENCJONER_LANG": "en"})
    assert result.exit_code != 0
    assert said in result.output
