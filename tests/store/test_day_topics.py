"""The day's topics ("zapisy dnia"): written, corrected without losing the first text, refused when wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from hub.refusal import Refusal
from hub.store import day_topics, registry
from hub.store.db import open_database
from web.cli import cli

DAY = date(2026, 11, 20)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "topics.db")
    registry.add_group(db, "Żabki", author="test")
    registry.add_group(db, "Biedronki", author="test")
    yield db
    db.close()


def test_a_substitute_writes_the_topic_and_a_correction_keeps_the_first_text(db: Database) -> None:
    first = day_topics.add_topic(
        db, group_id=1, day=DAY, topic="Jesień w lesie: liście", author="Anna Nowak",
        substitution=True, substitute_for="Ewa Żak", today=DAY,
    )  # fmt: skip
    assert first["substitution"] is True and first["substitute_for"] == "Ewa Żak"
    fixed = day_topics.add_topic(
        db, group_id=1, day=DAY, topic="Jesień w lesie: liście i kasztany", author="Anna Nowak",
        substitution=True, substitute_for="Ewa Żak", replaces=first["id"],
    )  # fmt: skip
    assert [t["topic"] for t in day_topics.list_topics(db, 1, DAY, DAY)] == [
        "Jesień w lesie: liście i kasztany"
    ]
    history = day_topics.list_topics(db, 1, DAY, DAY, with_history=True)
    assert [(t["id"], t["superseded_by"]) for t in history] == [
        (first["id"], fixed["id"]),
        (fixed["id"], None),
    ]
    assert day_topics.list_topics(db, 2, DAY, DAY) == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"topic": "  "}, "topic.empty"),
        ({"topic": "x" * 2001}, "topic.too_long"),
        ({"author": ""}, "author.missing"),
        ({"day": date(2026, 11, 21)}, "topic.day_ahead"),
        ({"substitute_for": "Ewa Żak"}, "topic.absent_without_substitution"),
        ({"group_id": 9}, "group.not_found"),
    ],
)
def test_wrong_entries_are_refused_with_a_reason(db: Database, changes: dict[str, object], code: str) -> None:
    entry = {"group_id": 1, "day": DAY, "topic": "Zabawy ruchowe", "author": "Anna Nowak", "today": DAY}
    with pytest.raises(Refusal) as refused:
        day_topics.add_topic(db, **{**entry, **changes})
    assert refused.value.code == code
    assert db["day_topics"].count == 0


def test_a_correction_must_be_of_the_same_group_and_day_and_only_once(db: Database) -> None:
    first = day_topics.add_topic(db, group_id=1, day=DAY, topic="Rytmika", author="A")
    with pytest.raises(Refusal, match="another group or day"):
        day_topics.add_topic(db, group_id=2, day=DAY, topic="Rytmika", author="A", replaces=first["id"])
    day_topics.add_topic(db, group_id=1, day=DAY, topic="Rytmika i śpiew", author="A", replaces=first["id"])
    with pytest.raises(Refusal, match="already been corrected"):
        day_topics.add_topic(db, group_id=1, day=DAY, topic="Śpiew", author="A", replaces=first["id"])


def test_topics_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    registry.add_group(open_database(database), "Żabki", author="test")
    runner = CliRunner()
    base = ["--database", str(database), "topics"]
    added = runner.invoke(
        cli, [*base, "add", "Jesień w lesie", "--group", "Żabki", "--date", "2026-11-20",
              "--substitution", "--for", "Ewa Żak", "--author", "Anna Nowak"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, [*base, "list", "--group", "Żabki", "--from", "2026-11-20"])
    assert "Anna Nowak (zastępstwo za Ewa Żak): Jesień w lesie" in listed.output
    ahead = runner.invoke(cli, [*base, "add", "Jutro", "--group", "Żabki", "--date", "2099-01-01"])
    assert ahead.exit_code != 0 and "not ahead" in ahead.output
