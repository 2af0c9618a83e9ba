"""The `ewidencjoner` command: readers, exports, the quarantine, help and config files."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hub.store import quarantine, readers, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from web.cli import cli


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    db = open_database(path)
    readers.add_reader(db, "wejscie", "Wejście główne")
    with db.atomic():
        # 23:30 UTC on 31 Oct is 00:30 on 1 Nov in Warsaw: it belongs to November.
        for seq, moment in enumerate(
            [datetime(2026, 10, 31, 23, 30, tzinfo=UTC), datetime(2026, 11, 2, 7, 0, tzinfo=UTC)]
        ):
            taps.insert_new(
                db,
                [
                    taps.tap_row(
                        "wejscie", TapMessage("04A2B3C4", seq, 1, 0, None, int(moment.timestamp())), moment
                    )
                ],
            )
        quarantine.quarantine(
            db,
            topic="t",
            payload=b"\xffoops",
            reason="bad_json",
            detail="not JSON",
            received=datetime.now(UTC),
        )
    db.close()
    return path


def run(database: Path, *args: str) -> click.testing.Result:
    result = CliRunner().invoke(cli, ["--database", str(database), *args], catch_exceptions=False)
    return result


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize(
    "command", all_commands(cli), ids=lambda command: " ".join(command) or "ewidencjoner"
)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_readers_add_and_list(database: Path) -> None:
    assert (
        run(database, "readers", "add", "ogrod", "--name", "Wyjście do ogrodu", "--mode", "out").exit_code
        == 0
    )
    listed = json.loads(run(database, "readers", "list", "--json").output)
    assert [(row["id"], row["mode"]) for row in listed] == [
        ("ogrod", "out"),
        ("wejscie", "toggle"),
    ]
    assert "Wyjście do ogrodu" in run(database, "readers", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wejscie", "--name", "x"], "already registered"),
        (["zła nazwa", "--name", "x"], "reader id must be"),
        (["r9", "--name", "  "], "needs a name"),
    ],
)
def test_readers_add_refuses_bad_input(database: Path, args: list[str], message: str) -> None:
    result = run(database, "readers", "add", *args)
    assert result.exit_code == 1 and message in result.output


def test_export_taps_by_local_day(database: Path) -> None:
    result = run(database, "export", "taps", "--from", "2026-11-01", "--to", "2026-11-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(row["reader_id"], row["seq"], row["at"]) for row in rows] == [
        ("wejscie", "0", "2026-10-31T23:30:00.000Z")
    ]
    as_json = json.loads(
        run(
            database, "export", "taps", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"
        ).output
    )
    assert [row["seq"] for row in as_json] == [0, 1]


def test_export_to_a_file_and_bad_ranges(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "taps.csv"
    assert (
        run(
            database, "export", "taps", "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out)
        ).exit_code
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("reader_id,seq,uid,at")
    assert run(database, "export", "taps", "--from", "2026-11-30", "--to", "2026-11-01").exit_code == 2
    assert run(database, "export", "taps", "--from", "30.11.2026", "--to", "2026-11-01").exit_code == 2


def test_quarantine_list(database: Path) -> None:
    text = run(database, "quarantine", "list").output
    assert "bad_json: not JSON" in text and "\\xffoops" in text
    data = json.loads(run(database, "quarantine", "list", "--json").output)
    assert data["counts"] == {"bad_json": 1}


def test_config_file_and_its_errors(database: Path, tmp_path: Path) -> None:
    config = tmp_path / "ewidencjoner.toml"
    config.write_text(f'database = "{database.as_posix()}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "readers", "list", "--json"])
    assert [row["id"] for row in json.loads(result.output)] == ["wejscie"]
    config.write_text("timezone = 'Nowhere/Land'\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "readers", "list"])
    assert result.exit_code == 2 and "unknown time zone" in result.output


def test_reader_provision_writes_config_and_the_compiled_bundle(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "r-ogrod"
    args = [
        "reader",
        "provision",
        "ogrod",
        "--name",
        "Ogród",
        "--wifi-ssid",
        "Przedszkole",
        "--wifi-pass",
        "w1f1",
        "--broker-host",
        "192.168.10.2",
        "--output",
        str(out),
    ]
    result = run(database, *args)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["reader_id"] == config["mqtt_user"] == "ogrod" and config["site"] == "przedszkole"
    assert (out / "config.json").stat().st_mode & 0o077 == 0  # passwords: owner only
    assert (out / "firmware" / "main.py").exists() and (out / "firmware" / "mfrc522.mpy").exists()
    assert not (out / "firmware" / "sim").exists()
    assert "ogrod" in run(database, "readers", "list").output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--wifi-ssid", ""], "Wi-Fi network"),
        (["--device", "/dev/ttyNOPE"], "mpremote is not installed"),
    ],
)
def test_reader_provision_refusals(
    database: Path, tmp_path: Path, extra: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no mpremote here, whatever the machine has
    args = [
        "reader",
        "provision",
        "wejscie",
        "--wifi-ssid",
        "P",
        "--wifi-pass",
        "w",
        "--broker-host",
        "10.0.0.2",
        "--output",
        str(tmp_path / "x"),
        *extra,
    ]
    result = run(database, *args)
    assert result.exit_code == 1 and message in result.output


def test_provisioning_an_unregistered_reader_needs_a_name(database: Path, tmp_path: Path) -> None:
    args = [
        "reader",
        "provision",
        "nowy",
        "--wifi-ssid",
        "P",
        "--wifi-pass",
        "w",
        "--broker-host",
        "10.0.0.2",
        "--output",
        str(tmp_path / "x"),
    ]
    result = run(database, *args)
    assert result.exit_code == 1 and "give --name" in result.output
