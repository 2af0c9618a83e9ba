"""Reader logins: made by `reader provision`, replaced by `new-login`, taken by `revoke-login`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.store import broker_credentials, readers
from hub.store.broker_credentials import CredentialsError
from hub.store.db import open_database
from web.cli import cli


@pytest.fixture
def config(tmp_path: Path) -> Path:
    database = tmp_path / "hub.db"
    db = open_database(database)
    readers.add_reader(db, "wejscie", "Wejście")
    db.close()
    path = tmp_path / "hub.toml"
    path.write_text(
        f'database = "{database}"\ntls_cert_file = "{tmp_path / "certs" / "server.pem"}"\n'
        f'tls_key_file = "{tmp_path / "certs" / "server.key"}"\n'
    )
    return path


def run(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def stored_hash(config: Path, reader_id: str) -> str | None:
    db = open_database(config.parent / "hub.db")
    try:
        return broker_credentials.reader_hashes(db).get(reader_id)
    finally:
        db.close()


def provision(config: Path, out: Path, *extra: str):
    return run(
        config,
        "reader",
        "provision",
        "wejscie",
        "--wifi-ssid",
        "P",
        "--wifi-pass",
        "w",
        "--broker-host",
        "192.168.1.2",
        "--output",
        str(out),
        *extra,
    )


def test_provision_makes_the_login_and_a_second_one_replaces_it(config: Path, tmp_path: Path) -> None:
    result = provision(config, tmp_path / "r")
    assert result.exit_code == 0, result.output
    first = json.loads((tmp_path / "r" / "config.json").read_text())
    assert first["mqtt_user"] == "wejscie" and first["tls"] is False and first["broker_port"] == 1883
    assert broker_credentials.verify(first["mqtt_pass"], stored_hash(config, "wejscie"))
    assert provision(config, tmp_path / "r").exit_code == 0
    second = json.loads((tmp_path / "r" / "config.json").read_text())
    assert second["mqtt_pass"] != first["mqtt_pass"]
    assert not broker_credentials.verify(first["mqtt_pass"], stored_hash(config, "wejscie"))


def test_the_wifi_password_can_come_from_the_environment(config: Path, tmp_path: Path) -> None:
    args = ["--config", str(config), "reader", "provision", "wejscie", "--wifi-ssid", "P"]
    args += ["--broker-host", "192.168.1.2", "--output", str(tmp_path / "r")]
    result = CliRunner().invoke(cli, args, env={"READER_WIFI_PASS": "from-env"})
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r" / "config.json").read_text())["wifi_pass"] == "from-env"


def test_provision_with_tls_installs_the_site_ca(config: Path, tmp_path: Path) -> None:
    result = provision(config, tmp_path / "r", "--tls")
    assert result.exit_code == 1 and "certs init" in result.output
    assert run(config, "certs", "init", "--ip", "192.168.1.2").exit_code == 0
    result = provision(config, tmp_path / "r", "--tls")
    assert result.exit_code == 0, result.output
    reader_config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert (reader_config["tls"], reader_config["ca_file"], reader_config["broker_port"]) == (
        True,
        "ca.der",
        8883,
    )
    assert (tmp_path / "r" / "ca.der").read_bytes() == (tmp_path / "certs" / "ca.der").read_bytes()


def test_new_login_and_revoke_login(config: Path) -> None:
    result = run(config, "reader", "new-login", "wejscie")
    assert result.exit_code == 0, result.output
    password = result.output.split("mqtt_pass: ")[1].split()[0]
    assert broker_credentials.verify(password, stored_hash(config, "wejscie"))
    assert run(config, "reader", "revoke-login", "wejscie").exit_code == 0
    assert stored_hash(config, "wejscie") is None
    result = run(config, "reader", "revoke-login", "wejscie")
    assert result.exit_code == 1 and "no MQTT login" in result.output
    result = run(config, "reader", "new-login", "nieznany")
    assert result.exit_code == 1 and "not registered" in result.output


def test_the_hubs_user_name_is_no_readers(tmp_path: Path) -> None:
    db = open_database(tmp_path / "h.db")
    readers.add_reader(db, "hub", "Ktoś sprytny")
    with pytest.raises(CredentialsError, match="cannot be a reader's MQTT user name"):
        broker_credentials.issue(db, "hub")


def test_the_hash_is_mosquittos_own_format() -> None:
    """Mosquitto 2 reads `$7$iterations$salt$hash` (PBKDF2-SHA512); test_broker_acl logs in
    to a real Mosquitto with it. Fixed salt: the hash is the one mosquitto_passwd would write."""
    stored = broker_credentials.mosquitto_hash("secret", salt=b"0123456789ab")
    assert stored.startswith("$7$101$MDEyMzQ1Njc4OWFi$")
    assert broker_credentials.verify("secret", stored)
    assert not broker_credentials.verify("Secret", stored)
    assert not broker_credentials.verify("secret", "$6$not$ours")
    assert not broker_credentials.verify("secret", "garbage")
