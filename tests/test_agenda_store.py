"""Announcements and calendar events in storage: who each concerns (worked examples),
expiry by date, withdrawal with a reason, and each field's refusals."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.refusal import Refusal
from hub.rules.agenda import Reader, days_off
from hub.store import announcements, audit, calendar_events, registry
from hub.store.db import open_database
from tests.web_support import add_account

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Motylki (Ania, her mother's account, a teacher) and Żabki (Olek, his father's account),
    made once (accounts hash passwords: slow) and copied for each test."""
    database = tmp_path_factory.mktemp("agenda") / "agenda.db"
    db = open_database(database)
    motylki = registry.add_group(db, "Motylki", author="test")["id"]
    zabki = registry.add_group(db, "Żabki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="K", group=motylki, active_from="2026-09-01", author="t"
    )
    olek = registry.add_child(
        db, first_name="Olek", last_name="Ż", group=zabki, active_from="2026-09-01", author="t"
    )
    db.close()
    ids = {
        "motylki": motylki,
        "zabki": zabki,
        "ania": ania["id"],
        "olek": olek["id"],
        "mother": add_account(database, "parent", email="m@example.pl", children=[ania["id"]])["id"],
        "father": add_account(database, "parent", email="f@example.pl", children=[olek["id"]])["id"],
        "teacher": add_account(database, "teacher", groups=[motylki])["id"],
        "director": add_account(database, "director")["id"],
        "kiosk": add_account(database, "kiosk")["id"],
    }
    return database, ids


@pytest.fixture
def site(template: tuple[Path, dict[str, int]], tmp_path: Path):
    database = tmp_path / "agenda.db"
    shutil.copyfile(template[0], database)
    db = open_database(database)
    yield db, template[1]
    db.close()


def publish(db, audience: str, group_id: int | None = None, *, title: str = "Ogłoszenie", **days):
    return announcements.publish(
        db, title=title, body="Treść", audience=audience, group_id=group_id,
        shown_from=days.get("shown_from", MONDAY), shown_to=days.get("shown_to", date(2026, 12, 11)),
        author="director@example.pl",
    )  # fmt: skip


def test_a_parent_sees_their_childs_group_and_everyones_not_another_group_nor_staffs(site) -> None:
    db, ids = site
    for audience, group in (("everyone", None), ("group", ids["motylki"]), ("group", ids["zabki"])):
        publish(db, audience, group, title=f"{audience}-{group}")
    publish(db, "staff", title="staff")
    publish(db, "parents", title="parents")
    mother = announcements.reader_of(db, "parent", [], [ids["ania"]])
    teacher = announcements.reader_of(db, "teacher", [ids["motylki"]], [])
    director = announcements.reader_of(db, "director", [], [])

    def titles(reader: Reader) -> set[str]:
        return {row["title"] for row in announcements.current_for_reader(db, reader, MONDAY)}

    assert titles(mother) == {"everyone-None", f"group-{ids['motylki']}", "parents"}
    assert titles(teacher) == {"everyone-None", f"group-{ids['motylki']}", "staff"}
    assert len(titles(director)) == 5


def test_an_announcement_shows_from_its_first_day_through_its_last(site) -> None:
    db, _ = site
    publish(db, "everyone", shown_from=date(2026, 12, 7), shown_to=date(2026, 12, 9))
    everyone = Reader(staff=False)
    shown = [
        day for day in range(5, 12) if announcements.current_for_reader(db, everyone, date(2026, 12, day))
    ]
    assert shown == [7, 8, 9]


def test_a_withdrawn_announcement_leaves_the_home_pages_and_keeps_its_reason(site) -> None:
    db, _ = site
    row = publish(db, "everyone")
    withdrawn = announcements.withdraw(db, row["id"], reason="Pomyłka w dacie", author="director@example.pl")
    assert withdrawn["withdraw_reason"] == "Pomyłka w dacie"
    assert announcements.current_for_reader(db, Reader(staff=True), MONDAY) == []
    assert [r["id"] for r in announcements.for_reader(db, Reader(staff=True))] == [row["id"]]  # still listed
    with pytest.raises(Refusal) as again:
        announcements.withdraw(db, row["id"], reason="x", author="d")
    assert again.value.code == "announcement.withdrawn"
    with pytest.raises(Refusal) as no_reason:
        announcements.withdraw(db, publish(db, "everyone")["id"], reason="  ", author="d")
    assert no_reason.value.code == "field.required"
    actions = [entry["action"] for entry in audit.entries(db, entity="announcement", entity_id=row["id"])]
    assert sorted(actions) == ["announcement.publish", "announcement.withdraw"]


def test_audience_accounts_are_whom_it_is_addressed_to(site) -> None:
    db, ids = site
    group = publish(db, "group", ids["motylki"])
    assert announcements.audience_accounts(db, group["id"], today=MONDAY) == sorted(
        [ids["mother"], ids["teacher"]]
    )
    staff = publish(db, "staff")
    assert announcements.audience_accounts(db, staff["id"], today=MONDAY) == sorted(
        [ids["teacher"], ids["director"]]
    )
    parents = publish(db, "parents")
    assert announcements.audience_accounts(db, parents["id"], today=MONDAY) == sorted(
        [ids["mother"], ids["father"]]
    )
    everyone = publish(db, "everyone")
    assert ids["kiosk"] not in announcements.audience_accounts(db, everyone["id"], today=MONDAY)
    announcements.withdraw(db, everyone["id"], reason="x", author="d")
    assert announcements.audience_accounts(db, everyone["id"], today=MONDAY) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "field.required"),
        ({"title": "x" * 201}, "field.too_long"),
        ({"body": "x" * 10_001}, "field.too_long"),
        ({"audience": "aliens"}, "audience.unknown"),
        ({"audience": "group", "group_id": None}, "audience.no_group"),
        ({"audience": "group", "group_id": 999}, "group.not_found"),
        ({"shown_to": date(2026, 12, 6)}, "dates.end_before_start"),
        ({"shown_from": date(1999, 12, 31)}, "dates.out_of_range"),
        ({"shown_to": date(2100, 1, 1)}, "dates.out_of_range"),
        ({"shown_to": date(2028, 1, 1)}, "dates.too_long"),
        ({"author": " "}, "author.missing"),
    ],
)
def test_a_wrong_announcement_is_refused_and_nothing_stored(site, change, code) -> None:
    db, _ = site
    fields = {
        "title": "T", "body": "B", "audience": "everyone", "group_id": None,
        "shown_from": MONDAY, "shown_to": MONDAY, "author": "d",
    } | change  # fmt: skip
    with pytest.raises(Refusal) as refused:
        announcements.publish(db, **fields)
    assert refused.value.code == code
    assert announcements.list_announcements(db) == []


def test_html_in_an_announcement_is_kept_as_typed(site) -> None:
    db, _ = site
    row = publish(db, "everyone", title='<script>alert("x")</script>')
    assert announcements.get_announcement(db, row["id"])["title"] == '<script>alert("x")</script>'


def test_events_concern_their_group_or_everyone(site) -> None:
    db, ids = site
    add = calendar_events.add_event
    add(
        db,
        kind="trip",
        title="Do lasu",
        group_id=ids["motylki"],
        start=MONDAY,
        end=MONDAY,
        author="t",
        tz=WARSAW,
    )
    add(
        db,
        kind="trip",
        title="Do ZOO",
        group_id=ids["zabki"],
        start=MONDAY,
        end=MONDAY,
        author="t",
        tz=WARSAW,
    )
    add(
        db, kind="meeting", title="Zebranie", group_id=None, author="d", tz=WARSAW,
        start=datetime(2026, 12, 10, 17, tzinfo=WARSAW), end=datetime(2026, 12, 10, 18, tzinfo=WARSAW),
    )  # fmt: skip
    mother = announcements.reader_of(db, "parent", [], [ids["ania"]])
    seen = calendar_events.events_between(db, date(2026, 12, 1), date(2026, 12, 31), reader=mother)
    assert [e["title"] for e in seen] == ["Do lasu", "Zebranie"]
    assert seen[1]["starts_at"].startswith("2026-12-10T16:00")  # 17:00 in Warsaw, stored in UTC
    assert len(calendar_events.events_between(db, date(2026, 12, 1), date(2026, 12, 31))) == 3


def test_a_cancelled_event_leaves_the_calendar_with_its_reason(site) -> None:
    db, _ = site
    event = calendar_events.add_event(
        db,
        kind="celebration",
        title="Jasełka",
        group_id=None,
        start=MONDAY,
        end=MONDAY,
        author="d",
        tz=WARSAW,
    )
    calendar_events.cancel_event(db, event["id"], reason="Choroba", author="d")
    assert calendar_events.events_between(db, MONDAY, MONDAY) == []
    kept = calendar_events.events_between(db, MONDAY, MONDAY, cancelled=True)
    assert kept[0]["cancel_reason"] == "Choroba"


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (date(2026, 12, 8), date(2026, 12, 7), "dates.end_before_start"),
        (
            datetime(2026, 12, 8, 10, tzinfo=WARSAW),
            datetime(2026, 12, 8, 9, tzinfo=WARSAW),
            "dates.end_before_start",
        ),
        (
            datetime(2026, 12, 8, 10, tzinfo=WARSAW),
            datetime(2026, 12, 8, 10, tzinfo=WARSAW),
            "dates.end_before_start",
        ),
        (date(1999, 1, 1), date(1999, 1, 1), "dates.out_of_range"),
        (date(2026, 1, 1), date(2026, 6, 1), "dates.too_long"),
    ],
)
def test_an_event_with_wrong_dates_is_refused(site, start, end, code) -> None:
    db, _ = site
    with pytest.raises(Refusal) as refused:
        calendar_events.add_event(
            db, kind="trip", title="T", group_id=None, start=start, end=end, author="d", tz=WARSAW
        )
    assert refused.value.code == code


def test_an_unknown_kind_or_group_is_refused(site) -> None:
    db, _ = site
    for kind, group, code in (("party", None, "event.kind_unknown"), ("trip", 999, "group.not_found")):
        with pytest.raises(Refusal) as refused:
            calendar_events.add_event(
                db, kind=kind, title="T", group_id=group, start=MONDAY, end=MONDAY, author="d", tz=WARSAW
            )
        assert refused.value.code == code


def test_days_off_are_the_holidays_and_the_sites_closed_days() -> None:
    found = days_off(
        date(2026, 12, 20), date(2027, 1, 7), {date(2026, 12, 31): "Sylwester", date(2026, 12, 24): "x"}
    )
    assert [(d.day.isoformat(), d.holiday) for d in found] == [
        ("2026-12-24", True),  # Wigilia, a holiday since 2025: the holiday's name wins
        ("2026-12-25", True),
        ("2026-12-26", True),
        ("2026-12-31", False),
        ("2027-01-01", True),
        ("2027-01-06", True),
    ]
    assert found[0].name == "Wigilia Bożego Narodzenia"
