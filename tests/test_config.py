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


def test_broker_url_with_credentials() -> None:
    settings = Settings(broker_url="mqtt://hub:s%40cret@broker.local:8883")
    assert settings.broker == BrokerAddress("broker.local", 8883, "hub", "s@cret")
    assert not settings.uses_embedded_broker


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EWIDENCJONER_BROKER_URL": "http://x"}, "mqtt://"),
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
