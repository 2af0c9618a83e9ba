"""`ewidencjoner announcements …` and `ewidencjoner calendar …`, with `--json`."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from hub.accounts import calendar_feeds
from hub.store import registry
from hub.store.db import open_database
from tests.web_support import add_account
from web.cli import cli


def run(database: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    assert result.exit_code == code, result.output
    return result.output


def test_announcements_add_list_and_withdraw(tmp_path: Path) -> None:
    database = tmp_path / "agenda.db"
    db = open_database(database)
    registry.add_group(db, "Żabki", author="test")
    db.close()
    soon = (date.today() + timedelta(days=10)).isoformat()
    added = json.loads(
        run(
            database,
            "announcements",
            "add",
            "Jasełka",
            "--body",
            "W piątek.",
            "--for",
            "Żabki",
            "--to",
            soon,
            "--json",
        )
    )
    assert (added["audience"], added["group_id"]) == ("group", 1)
    run(database, "announcements", "add", "Zebranie", "--body", "B", "--for", "staff", "--to", soon)
    listed = run(database, "announcements", "list", "--current")
    assert "Jasełka" in listed and "for group 1" in listed and "for staff" in listed
    assert "Withdrew announcement 1." in run(
        database, "announcements", "withdraw", "1", "--reason", "Odwołane"
    )
    rows = json.loads(run(database, "announcements", "list", "--json"))
    assert {row["title"]: row["withdraw_reason"] for row in rows} == {"Jasełka": "Odwołane", "Zebranie": None}
    assert "Jasełka" not in run(database, "announcements", "list", "--current")
    refused = run(
        database, "announcements", "add", "X", "--body", "B", "--for", "aliens", "--to", soon, code=1
    )
    assert "no group" in refused.lower()
    before = run(database, "announcements", "add", "X", "--body", "B", "--for", "everyone",
                 "--from", "2026-12-02", "--to", "2026-12-01", code=1)  # fmt: skip
    assert "The end is before the start." in before


def test_calendar_add_list_and_feed_url(tmp_path: Path) -> None:
    database = tmp_path / "agenda.db"
    db = open_database(database)
    registry.add_group(db, "Żabki", author="test")
    db.close()
    add_account(database, "teacher", email="mama@example.pl")
    run(database, "calendar", "add", "Zebranie", "--kind", "meeting", "--date", "2026-12-15",
        "--start", "17:00", "--end", "18:30", "--place", "Sala 2")  # fmt: skip
    run(database, "calendar", "add", "ZOO", "--kind", "trip", "--group", "Żabki", "--date", "2026-12-16")
    listed = run(database, "calendar", "list", "--month", "2026-12")
    assert "2026-12-15 #1 meeting (all groups, 17:00–18:30, Sala 2): Zebranie" in listed
    assert "2026-12-16 #2 trip (group 1, all day, -): ZOO" in listed
    assert "2026-12-25 holiday: Boże Narodzenie (pierwszy dzień)" in listed
    data = json.loads(run(database, "calendar", "list", "--month", "2026-12", "--json"))
    assert [e["title"] for e in data["events"]] == ["Zebranie", "ZOO"] and data["days_off"][0]["holiday"]
    half = run(
        database, "calendar", "add", "X", "--kind", "trip", "--date", "2026-12-16", "--start", "9:00", code=2
    )
    assert "both --start and --end" in half
    links = json.loads(run(database, "calendar", "feed-url", "mama@example.pl", "--base-url",
                           "https://przedszkole.example.pl/", "--json"))  # fmt: skip
    token = re.fullmatch(r"https://przedszkole\.example\.pl/calendar/feed/(\S+)\.ics", links["https"]).group(
        1
    )
    assert links["webcal"] == f"webcal://przedszkole.example.pl/calendar/feed/{token}.ics"
    db = open_database(database)
    assert calendar_feeds.feed_owner(db, token) is not None
    assert "Revoked" in run(database, "calendar", "feed-url", "mama@example.pl", "--revoke")
    assert calendar_feeds.feed_owner(db, token) is None
    db.close()
