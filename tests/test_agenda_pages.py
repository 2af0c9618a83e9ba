"""The announcements and calendar pages, the home pages' box and the private iCalendar feed,
through the app (the clock set to a Monday in December)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from hub.accounts import accounts
from hub.store import site_settings
from tests.pages_support import INJECTION, Site, errors
from tests.web_support import signed_in

MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
TOKEN = re.compile(r"/calendar/feed/([A-Za-z0-9_-]{43})\.ics")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site.make(tmp_path_factory.mktemp("agenda"))
    site.app.state.clock = lambda: MONDAY
    db = site.db()
    site_settings.add_closed_day(db, date(2026, 12, 31), "Sylwester", author="test")
    db.close()
    site.clients["olek_parent"] = signed_in(
        site.app, site.settings.database, "parent", email="ojciec.olka@example.pl", children=[site.olek]
    )
    return site


def publish(site: Site, role: str, **form: str):
    data = {
        "title": "Zebranie z rodzicami",
        "body": "Zapraszamy.\nSala 2.",
        "audience": "everyone",
        "shown_from": "2026-12-07",
        "shown_to": "2026-12-09",
    } | form
    return site.client(role).post("/announcements", data=data, follow_redirects=False)


def test_a_group_announcement_reaches_that_groups_parents_home_and_no_other(site: Site) -> None:
    response = publish(site, "director", title="Motylki: jasełka", audience=f"group:{site.motylki}")
    assert response.status_code == 303, response.text
    ania_home = site.client("parent").get("/parent").text
    assert "Motylki: jasełka" in ania_home
    olek_home = site.clients["olek_parent"].get("/parent").text
    assert "Motylki: jasełka" not in olek_home
    assert "Motylki: jasełka" in site.client("teacher").get(f"/groups/{site.motylki}/grid").text
    assert "Motylki: jasełka" in site.client("director").get("/").text


def test_an_announcement_leaves_the_home_page_after_its_last_day(site: Site) -> None:
    publish(site, "director", title="Tylko do wtorku", shown_to="2026-12-08")
    parent = site.client("parent")
    assert "Tylko do wtorku" in parent.get("/parent").text
    site.app.state.clock = lambda: datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    try:
        assert "Tylko do wtorku" not in parent.get("/parent").text
        assert "Tylko do wtorku" in parent.get("/announcements").text  # among the past ones
    finally:
        site.app.state.clock = lambda: MONDAY


def test_staff_only_announcements_are_hidden_from_parents(site: Site) -> None:
    publish(site, "secretary", title="Rada pedagogiczna", audience="staff")
    assert "Rada pedagogiczna" not in site.client("parent").get("/announcements").text
    assert "Rada pedagogiczna" in site.client("teacher").get("/announcements").text


def test_a_teacher_publishes_only_for_their_own_group(site: Site) -> None:
    assert publish(site, "teacher", title="Motylki", audience=f"group:{site.motylki}").status_code == 303
    assert publish(site, "teacher", audience=f"group:{site.zabki}").status_code == 403
    assert publish(site, "teacher", audience="everyone").status_code == 403
    assert publish(site, "parent").status_code == 403


def test_a_withdrawn_announcement_shows_its_reason(site: Site) -> None:
    publish(site, "director", title="Do wycofania")
    page = site.client("director").get("/announcements").text
    newest = max(int(n) for n in re.findall(r"/announcements/(\d+)/withdraw", page))
    refused = site.client("director").post(f"/announcements/{newest}/withdraw", data={"reason": ""})
    assert refused.status_code == 422
    done = site.client("director").post(
        f"/announcements/{newest}/withdraw", data={"reason": "Zmiana terminu"}
    )
    assert done.status_code == 200 and "Zmiana terminu" in done.text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": ""}, "Headline: this is required."),
        ({"title": "x" * 201}, "Headline: at most 200 characters."),
        ({"body": "x" * 10_001}, "Text: at most 10000 characters."),
        ({"shown_to": "2026-12-01"}, "The end is before the start."),
        ({"shown_from": "1999-01-01"}, "Give a date from 2000-01-01 to 2099-12-31."),
        ({"shown_to": "31.12.2026"}, "Date must be given as YYYY-MM-DD."),
        ({"audience": "kosmici"}, "Choose who the announcement is for."),
        ({"audience": "group:abc"}, "Choose the group."),
    ],
)
def test_a_wrong_announcement_is_shown_again_with_the_reason(site: Site, form: dict, message: str) -> None:
    client = site.client("director")
    client.cookies.set("lang", "en")
    try:
        response = publish(site, "director", **form)
    finally:
        client.cookies.delete("lang")
    assert response.status_code == 422
    assert message in errors(response.text), errors(response.text)


def test_html_in_an_announcement_is_shown_as_text(site: Site) -> None:
    publish(site, "director", title=INJECTION, body=INJECTION)
    page = site.client("parent").get("/parent").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_calendar_shows_events_closed_days_and_holidays(site: Site) -> None:
    added = site.client("teacher").post(
        "/calendar/events",
        data={"kind": "trip", "title": "Wycieczka do lasu", "place": "Las Kabacki",
              "group": str(site.motylki), "start_day": "2026-12-10", "start_time": "9:00", "end_day": "",
              "end_time": "12:30"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, errors(added.text)
    page = unescape(site.client("parent").get("/calendar?month=2026-12").text)
    assert "Wycieczka do lasu" in page and "09:00–12:30" in page
    assert "Sylwester" in page and "Boże Narodzenie (pierwszy dzień)" in page
    assert "Wycieczka do lasu" not in site.clients["olek_parent"].get("/calendar?month=2026-12").text


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"group": "all"}, 403),  # a teacher: not for every group
        ({"start_time": "10:00", "end_time": "09:00"}, 422),
        ({"start_time": "10:00"}, 422),
        ({"end_day": "2026-12-01"}, 422),
        ({"start_day": "2150-01-01"}, 422),
        ({"kind": "impreza"}, 422),
        ({"title": INJECTION * 100}, 422),
    ],
)
def test_a_wrong_event_is_refused(site: Site, form: dict, status: int) -> None:
    data = {"kind": "trip", "title": "T", "group": str(site.motylki), "start_day": "2026-12-10"} | form
    response = site.client("teacher").post("/calendar/events", data=data, follow_redirects=False)
    assert response.status_code == status
    if status == 422:
        assert errors(response.text)


def feed_token(site: Site, role: str) -> str:
    page = site.client(role).post("/calendar/feed")
    assert page.status_code == 200
    assert "webcal://" in page.text
    return TOKEN.search(page.text).group(1)


def test_the_feed_holds_the_readers_events_the_days_off_and_the_time_zone(site: Site, caplog) -> None:
    site.client("director").post(
        "/calendar/events",
        data={"kind": "meeting", "title": "Zebranie", "group": "all", "start_day": "2026-12-15",
              "start_time": "17:00", "end_time": "18:30"},
    )  # fmt: skip
    site.client("director").post(
        "/calendar/events",
        data={"kind": "trip", "title": "Żabki w ZOO", "group": str(site.zabki), "start_day": "2026-12-16"},
    )
    token = feed_token(site, "parent")
    with caplog.at_level(logging.DEBUG):
        response = TestClient(site.app).get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    meeting = events["Zebranie: Zebranie"]
    assert meeting.decoded("dtstart") == datetime(2026, 12, 15, 17, 0, tzinfo=site.settings.tz)
    assert meeting["dtstart"].params["TZID"] == "Europe/Warsaw"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Warsaw"]
    assert "Żabki w ZOO" not in " ".join(events)
    assert events["Przedszkole nieczynne: Sylwester"].decoded("dtstart") == date(2026, 12, 31)
    christmas = events["Boże Narodzenie (pierwszy dzień)"]
    assert christmas.decoded("dtstart") == date(2026, 12, 25) and christmas.decoded("dtend") == date(
        2026, 12, 26
    )
    again = Calendar.from_ical(TestClient(site.app).get(f"/calendar/feed/{token}.ics").content)
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(
        str(e["uid"]) for e in calendar.walk("VEVENT")
    )
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not [line for line in server_side if token in line]  # the test's own HTTP client logs URLs


def test_a_revoked_wrong_or_malformed_token_is_a_plain_404(site: Site) -> None:
    token = feed_token(site, "teacher")
    anyone = TestClient(site.app)
    assert anyone.get(f"/calendar/feed/{token}.ics").status_code == 200
    newer = feed_token(site, "teacher")
    assert anyone.get(f"/calendar/feed/{token}.ics").status_code == 404  # a new link revokes the old
    site.client("teacher").post("/calendar/feed/revoke")
    for wrong in (newer, "x" * 43, "short", "../../etc/passwd", "%00" * 10, "A" * 5000):
        response = anyone.get(f"/calendar/feed/{wrong}.ics")
        assert response.status_code == 404, wrong
        assert "teacher" not in response.text.lower()
    db = site.db()
    try:
        logged = " ".join(str(row) for row in db.execute("SELECT * FROM audit_log").fetchall())
        logged += " ".join(str(row) for row in db.execute("SELECT * FROM denied_actions").fetchall())
    finally:
        db.close()
    assert token not in logged and newer not in logged


def test_the_feed_of_a_blocked_account_is_a_404(site: Site) -> None:
    """Written last: it blocks the secretary's account."""
    token = feed_token(site, "secretary")
    anyone = TestClient(site.app)
    assert anyone.get(f"/calendar/feed/{token}.ics").status_code == 200
    db = site.db()
    try:
        accounts.block(db, site.clients["secretary"].account["id"], author="test")  # type: ignore[attr-defined]
    finally:
        db.close()
    assert anyone.get(f"/calendar/feed/{token}.ics").status_code == 404
