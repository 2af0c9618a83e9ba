"""Settings: defaults, the TOML file, environment variables, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import BrokerAddress, ConfigError, Settings, load_settings


def test_defaults_use_the_embedded_broker_and_warsaw_time() -> None:
    settings = load_settings(environ={})
    assert settings.uses_embedded_broker
    assert settings.timezone == "Europe/Warsaw"
    assert settings.broker == BrokerAddress("127.0.0.1", 1883)
    assert settings.mqtt_client_id == "hub-przedszkole"


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "ewidencjoner.toml"
    config.write_text('site = "p12"\nweb_port = 8080\ndatabase = "/srv/p12.db"\n')
    settings = load_settings(config, environ={"EWIDENCJONER_WEB_PORT": "9090"})
    assert (settings.site, settings.web_port, settings.database) == ("p12", 9090, Path("/srv/p12.db"))
    assert settings.with_overrides(web_port=7000, site=None).web_port == 7000


def test_config_file_named_by_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text('site = "from-env-file"\n')
    assert load_settings(environ={"EWIDENCJONER_CONFIG": str(config)}).site == "from-env-file"


def test_the_city_commands_own_variables_are_no_unknown_setting() -> None:
    """`ewidencjoner city serve` reads them (its systemd unit sets them); a site's settings
    pass them over, and still refuse a look-alike typo."""
    environ = {"EWIDENCJONER_CITY_NATS": "nats://a:4222", "EWIDENCJONER_CITY_POSTGRES": "dbname=city"}
    assert load_settings(environ=environ).city_servers == ""
    with pytest.raises(ConfigError, match="EWIDENCJONER_CITY_NAT"):
        load_settings(environ={"EWIDENCJONER_CITY_NAT": "nats://a:4222"})


def test_broker_url_with_credentials() -> None:
    settings = Settings(broker_url="mqtt://hub:s%40cret@broker.local:8883")
    assert settings.broker == BrokerAddress("broker.local", 8883, "hub", "s@cret")
    assert not settings.uses_embedded_broker


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EWIDENCJONER_BROKER_URL": "http://x"}, "mqtt://"),
        ({"EWIDENCJONER_EMBEDDED_BROKER_ANONYMOUS": "maybe"}, "true or false"),
        ({"EWIDENCJONER_EMBEDDED_BROKER_TLS_PORT": "70000"}, "between 1 and 65535"),
        ({"EWIDENCJONER_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"EWIDENCJONER_WEB_PORT": "eighty"}, "whole number"),
        ({"EWIDENCJONER_WEB_PORT": "70000"}, "between 1 and 65535"),
        ({"EWIDENCJONER_SITE": "a/b"}, "site must be"),
        ({"EWIDENCJONER_COLOUR": "red"}, "unknown setting"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_bad_config_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("site = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken, environ={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('colour = "red"\n')
    with pytest.raises(ConfigError, match="unknown settings"):
        load_settings(unknown, environ={})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("web_port = [8000]", "web_port must be one value"),
        ("site = { name = 'x' }", "site must be one value"),
        ("web_port = true", "web_port must be a whole number"),
        ("web_port = 80.5", "web_port must be a whole number"),
        ("cookie_secure = [true]", "cookie_secure must be one value"),
    ],
)
def test_a_config_file_value_of_the_wrong_kind_is_refused_clearly(
    tmp_path: Path, line: str, message: str
) -> None:
    config = tmp_path / "ewidencjoner.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_mqtts_means_tls_on_8883_with_a_ca_file(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "EWIDENCJONER_BROKER_URL": "mqtts://hub@broker.local",
            "EWIDENCJONER_BROKER_CA_FILE": str(tmp_path / "ca.pem"),
        }
    )
    assert settings.broker == BrokerAddress("broker.local", 8883, "hub", None, tls=True)
    assert settings.broker_ca_file == tmp_path / "ca.pem"


def test_the_hubs_password_comes_from_the_environment_or_a_file_made_owner_only(tmp_path: Path) -> None:
    from_env = load_settings(
        environ={
            "EWIDENCJONER_DATABASE": str(tmp_path / "h.db"),
            "EWIDENCJONER_BROKER_URL": "mqtt://hub@127.0.0.1",
            "EWIDENCJONER_BROKER_PASSWORD": "from-env",
        }
    )
    assert from_env.broker_login() == ("hub", "from-env")
    settings = Settings(database=tmp_path / "h.db", broker_url="mqtt://hub@127.0.0.1")
    user, password = settings.broker_login()
    assert user == "hub" and len(password) >= 32
    assert settings.hub_password_file.stat().st_mode & 0o777 == 0o600
    assert settings.broker_login() == (user, password)  # the same at every start
    embedded = Settings(database=tmp_path / "h.db")
    assert embedded.broker_login() == ("hub", password)
    assert Settings(database=tmp_path / "h.db", embedded_broker_anonymous=True).broker_login() is None
    assert Settings(broker_url="mqtt://127.0.0.1").broker_login() is None  # an anonymous broker


def test_no_password_on_the_command_line(tmp_path: Path) -> None:
    """`ps` shows every user the command line: a password in --broker-url is refused."""
    from click.testing import CliRunner

    from web.cli import cli

    result = CliRunner().invoke(
        cli, ["--database", str(tmp_path / "x.db"), "serve", "--broker-url", "mqtt://hub:secret@127.0.0.1"]
    )
    assert result.exit_code == 2
    assert "EWIDENCJONER_BROKER_PASSWORD" in result.output
