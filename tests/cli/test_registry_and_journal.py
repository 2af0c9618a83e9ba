"""The registry, cards, days and corrections through the `ewidencjoner` command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.store import readers, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from web.cli import cli

DAY = date(2026, 11, 18)  # a Wednesday


def warsaw(hour: int, minute: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour - 1, minute, tzinfo=UTC)  # CET is UTC+1 in November


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    db = open_database(path)
    readers.add_reader(db, "wejscie", "Wejście")
    db.close()
    return path


def run(database: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def refused(database: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args], catch_exceptions=False)
    assert result.exit_code != 0, result.output
    return result.output


def tap(database: Path, seq: int, uid: str, moment: datetime) -> None:
    db = open_database(database)
    with db.atomic():
        taps.insert_new(
            db, [taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(moment.timestamp())), moment)]
        )
    db.close()


def day_json(database: Path, day: date = DAY) -> list[dict]:
    return json.loads(run(database, "day", "--date", day.isoformat(), "--json"))


def clocks(entry: dict) -> list[tuple[str | None, str | None]]:
    return [
        (visit["arrival"] and visit["arrival"]["clock"], visit["departure"] and visit["departure"]["clock"])
        for visit in entry["visits"]
    ]


def registered(database: Path) -> None:
    run(database, "groups", "add", "Motylki", "--teachers", "Anna Nowak")
    run(database, "children", "add", "--first-name", "Zofia", "--last-name", "Wójcik", "--group", "Motylki",
        "--birth-date", "2021-05-04", "--from", "2026-09-01")  # fmt: skip
    run(database, "cards", "assign", "04a2b3c4", "--child", "1", "--number", "17", "--holder", "mama",
        "--valid-from", "2026-09-01")  # fmt: skip


def test_a_plain_day_then_a_correction_moved_and_revoked(database: Path) -> None:
    registered(database)
    tap(database, 1, "04A2B3C4", warsaw(7, 42))
    [entry] = day_json(database)
    assert entry["name"] == "Zofia Wójcik" and clocks(entry) == [("07:42", None)]
    assert entry["flags"]["missing_departure"] == 1  # the day is over with no departure
    assert entry["visits"][0]["arrival"]["card_holder"] == "mama"
    run(database, "correct", "add-departure", "--child", "1", "--date", "2026-11-18", "--time", "16:05",
        "--reason", "odebrana przez babcię, karta została w domu")  # fmt: skip
    assert clocks(day_json(database)[0]) == [("07:42", "16:05")]
    run(database, "correct", "move", "--child", "1", "--date", "2026-11-18", "--tap", "wejscie#1",
        "--time", "07:30", "--reason", "odbicie po rozebraniu dziecka")  # fmt: skip
    assert clocks(day_json(database)[0]) == [("07:30", "16:05")]
    run(database, "correct", "revoke", "2", "--reason", "pomyłka")
    entry = day_json(database)[0]
    assert clocks(entry) == [("07:42", "16:05")]
    assert {c["id"]: c["state"] for c in entry["corrections"]} == {"1": "applied", "2": "revoked"}


def test_missing_departure_shows_in_the_inconsistency_log(database: Path) -> None:
    registered(database)
    tap(database, 1, "04A2B3C4", warsaw(7, 42))
    tap(database, 2, "04FFFFFF", warsaw(8, 0))
    items = json.loads(
        run(database, "inconsistencies", "--from", "2026-11-18", "--to", "2026-11-18", "--json")
    )
    kinds = sorted((item["kind"], item["child_id"] or item["card_uid"]) for item in items)
    assert kinds == [("missing_departure", 1), ("unknown_card", "04FFFFFF")]


def test_an_unknown_card_assigned_in_one_step_takes_its_earlier_taps_of_the_day(database: Path) -> None:
    registered(database)
    now = datetime.now(UTC)
    tap(database, 1, "04C0FFEE", now)
    unknown = json.loads(run(database, "cards", "unknown", "--json"))
    assert [row["uid"] for row in unknown] == ["04C0FFEE"]
    run(database, "cards", "assign", "04C0FFEE", "--child", "1", "--holder", "tata")
    assert json.loads(run(database, "cards", "unknown", "--json")) == []
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Warsaw")).date()
    [entry] = day_json(database, today)
    assert entry["visits"][0]["arrival"]["card_holder"] == "tata"


def test_card_rules(database: Path) -> None:
    registered(database)
    run(database, "children", "add", "--first-name", "Jan", "--last-name", "Kos", "--group", "Motylki")
    assert "already assigned to Zofia Wójcik" in refused(
        database, "cards", "assign", "04A2B3C4", "--child", "2"
    )
    assert "8, 14 or 20 hexadecimal digits" in refused(database, "cards", "assign", "XYZ", "--child", "2")
    assert "no child with id 9" in refused(database, "cards", "assign", "04000001", "--child", "9")
    run(database, "cards", "revoke", "1", "--reason", "zgubiona")
    run(database, "cards", "assign", "04A2B3C4", "--child", "2", "--from-now")
    history = json.loads(run(database, "cards", "list", "--all", "--json"))
    assert [(card["child_id"], bool(card["revoked_at"])) for card in history] == [(2, False), (1, True)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "correct",
                "add-arrival",
                "--child",
                "1",
                "--date",
                "2026-11-18",
                "--time",
                "7:6x",
                "--reason",
                "x",
            ],
            "HH:MM",
        ),
        (
            [
                "correct",
                "add-arrival",
                "--child",
                "1",
                "--date",
                "2026-11-18",
                "--time",
                "07:00",
                "--reason",
                "  ",
            ],
            "Reason: this is required",
        ),
        (
            ["correct", "move", "--child", "1", "--date", "2026-11-18", "--time", "07:00", "--reason", "x"],
            "needs the tap or the correction it changes",
        ),
        (
            [
                "correct",
                "cancel",
                "--child",
                "1",
                "--date",
                "2026-11-18",
                "--tap",
                "wejscie#99",
                "--reason",
                "x",
            ],
            "no tap wejscie#99",
        ),
        (
            [
                "correct",
                "cancel",
                "--child",
                "1",
                "--date",
                "2026-11-18",
                "--tap",
                "wejscie",
                "--reason",
                "x",
            ],
            "READER#SEQ",
        ),
        (["correct", "mark-absent", "--child", "7", "--date", "2026-11-18", "--reason", "x"], "no child"),
        (["correct", "mark-absent", "--child", "1", "--date", "2099-12-31", "--reason", "x"], "not ahead"),
        (["correct", "revoke", "42", "--reason", "x"], "no correction with id 42"),
        (["children", "add", "--first-name", "A", "--last-name", "B", "--group", "Żabki"], "no group"),
        (
            ["children", "add", "--first-name", " ", "--last-name", "B", "--group", "Motylki"],
            "First name: this is required",
        ),
        (["groups", "add", "Motylki"], "already a group"),
        (["guardians", "add", "--name", "Ewa", "--email", "ewa-at-example"], "not an e-mail"),
        (["settings", "set", "closing", "05:00"], "before closing"),
    ],
)
def test_wrong_input_is_refused_with_a_reason(database: Path, args: list[str], message: str) -> None:
    registered(database)
    assert message in refused(database, *args)


def test_guardians_and_child_record(database: Path) -> None:
    registered(database)
    run(database, "guardians", "add", "--name", "Ewa Wójcik", "--phone", "600 100 200", "--child", "1",
        "--relation", "matka")  # fmt: skip
    child = json.loads(run(database, "children", "show", "1", "--json"))
    assert child["guardians"][0]["name"] == "Ewa Wójcik" and child["cards"][0]["number"] == "17"


def test_csv_import_is_all_or_nothing(database: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "imię;nazwisko;grupa;karta;numer_karty;opiekun\n"
        "Łucja;Żak;Biedronki;04AA0001;1;Marta Żak\n"
        "Jan;;Biedronki;04AA0002;2;\n"
        "Ola;Nowak;Biedronki;04AA0001;3;\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--database", str(database), "children", "import", str(bad)])
    assert result.exit_code == 1
    assert "row 3: Last name: this is required." in result.output and "row 4: Card 04AA0001" in result.output
    assert json.loads(run(database, "children", "list", "--json")) == []
    assert json.loads(run(database, "groups", "list", "--json")) == []
    good = tmp_path / "good.csv"
    good.write_text(
        bad.read_text(encoding="utf-8").replace("Jan;;", "Jan;Kos;").replace("04AA0001;3", "04AA0003;3")
    )
    output = run(database, "children", "import", str(good))
    assert "Imported 3 children, 3 cards, 1 guardians." in output and "Created group Biedronki." in output
    names = [row["last_name"] for row in json.loads(run(database, "children", "list", "--json"))]
    assert names == ["Kos", "Nowak", "Żak"]


def test_settings_and_closed_days(database: Path) -> None:
    registered(database)
    run(database, "settings", "set", "closing", "16:30")
    run(database, "settings", "close-day", "2026-11-18", "--reason", "dzień dyrektorski")
    tap(database, 1, "04A2B3C4", warsaw(9, 0))
    [entry] = day_json(database)
    assert entry["day_off"] and entry["flags"]["closed_day_taps"] == ["wejscie#1"]
    shown = json.loads(run(database, "settings", "show", "--json"))
    assert shown["closing"] == "16:30" and shown["closed_days"][0]["reason"] == "dzień dyrektorski"


def test_a_mode_change_does_not_reinterpret_earlier_taps(database: Path) -> None:
    registered(database)
    tap(database, 1, "04A2B3C4", warsaw(7, 30))
    tap(database, 2, "04A2B3C4", warsaw(7, 35))
    assert clocks(day_json(database)[0]) == [("07:30", "07:35")]
    run(database, "readers", "set-mode", "wejscie", "in")
    assert clocks(day_json(database)[0]) == [("07:30", "07:35")]  # 18 November was a toggle day
    assert "in" in run(database, "readers", "list")
    assert "not registered" in refused(database, "readers", "set-mode", "nowhere", "out")
