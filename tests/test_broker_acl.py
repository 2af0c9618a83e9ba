"""Production Mosquitto with the generated password file and ACLs: readers stay in their lane."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from click.testing import CliRunner

from hub import readers
from hub.config import Settings
from hub.db import open_database
from hub.events import EventBus
from hub.ingest import Ingest
from tests.support import FakeReaderClient, Mosquitto, tap_payload, wait_until
from web.cli import cli

SITE = "acl"


@pytest.fixture
def secured(tmp_path: Path):
    passwd = tmp_path / "passwd"
    for user, password in [("hub", "hub-secret"), ("r1", "r1-secret"), ("r2", "r2-secret")]:
        flags = ["-c"] if not passwd.exists() else []
        subprocess.run(["mosquitto_passwd", *flags, "-b", str(passwd), user, password], check=True)
    acl = tmp_path / "acl"
    config = tmp_path / "hub.toml"
    config.write_text(f'site = "{SITE}"\n')
    acl.write_text(CliRunner().invoke(cli, ["--config", str(config), "broker-acl"]).output)
    broker = Mosquitto(tmp_path, password_file=passwd, acl_file=acl)
    broker.start()
    database = tmp_path / "hub.db"
    db = open_database(database)
    readers.add_reader(db, "r1", "Wejście")
    readers.add_reader(db, "r2", "Ogród")
    db.close()
    settings = Settings(
        database=database, site=SITE, broker_url=f"mqtt://hub:hub-secret@127.0.0.1:{broker.port}"
    )
    ingest = Ingest(settings, EventBus())
    ingest.start()
    assert ingest.wait_connected(10)
    yield broker, settings
    ingest.stop()
    broker.stop()


def stored(settings: Settings) -> list[tuple[str, int]]:
    db = open_database(settings.database)
    try:
        return [tuple(row) for row in db.execute("SELECT reader_id, seq FROM taps ORDER BY reader_id, seq")]
    finally:
        db.close()


def test_a_reader_publishes_only_as_itself_and_reads_only_its_own_acks(secured) -> None:
    broker, settings = secured
    r1 = FakeReaderClient(broker.port, SITE, "r1", password="r1-secret")
    r2 = FakeReaderClient(broker.port, SITE, "r2", password="r2-secret")
    r1.client.subscribe(f"ewidencjoner/{SITE}/reader/r2/ack", qos=1)  # not allowed: never delivered
    r1.publish("tap", tap_payload(5), topic=f"ewidencjoner/{SITE}/reader/r2/tap")  # impersonation: dropped
    r1.publish("tap", tap_payload(1))
    r2.publish("tap", tap_payload(1))
    wait_until(lambda: len(stored(settings)) == 2)
    wait_until(lambda: r1.acks and r2.acks)
    time.sleep(0.5)
    assert stored(settings) == [("r1", 1), ("r2", 1)]
    assert r1.acked_seqs() == [1] and r2.acked_seqs() == [1]
    r1.close()
    r2.close()


@pytest.mark.parametrize(("user", "password"), [(None, None), ("r1", "wrong"), ("nobody", "x")])
def test_anonymous_and_wrong_passwords_are_refused(secured, user: str | None, password: str | None) -> None:
    broker, _ = secured
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if user:
        client.username_pw_set(user, password)
    codes = []
    client.on_connect = lambda c, u, flags, code, props: codes.append(code)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    wait_until(lambda: codes)
    client.loop_stop()
    assert codes[0].is_failure
