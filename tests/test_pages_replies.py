"""The reply rule's pages: the teacher's "Do odpowiedzi", "nie wymaga odpowiedzi", the
director's panel, and the staff absences page (entered by the director or the secretary)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from hub.rules import messaging as rule
from hub.store import messages, staff_absences
from tests.pages_support import Site, errors
from tests.web_support import signed_in

FRIDAY = date(2026, 11, 27)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


def clock_at(site: Site, day: date, hour: int = 12) -> None:
    moment = datetime.combine(day, time(hour), tzinfo=site.settings.tz)
    site.app.state.clock = lambda: moment


def parent_writes(site: Site, when: datetime, subject: str = "Wycieczka") -> int:
    teacher = site.client("teacher").account["id"]  # type: ignore[attr-defined]
    parent = site.client("parent").account["id"]  # type: ignore[attr-defined]
    db = site.db()
    try:
        return messages.add_message(
            db, sender_id=parent, actor="parent", subject=subject, body="Czy jutro jest wycieczka?",
            recipients=[messages.Recipient(teacher, rule.TEACHER, "")], school_year="2026/2027", now=when,
        )  # fmt: skip
    finally:
        db.close()


def test_the_teacher_sees_what_is_due_and_marks_no_reply_needed(site: Site) -> None:
    message = parent_writes(site, datetime.combine(FRIDAY, time(10), tzinfo=site.settings.tz))
    clock_at(site, date(2026, 12, 3))  # the fourth working day
    teacher = site.client("teacher")
    page = teacher.get("/replies").text
    assert "Wycieczka" in page and "zaległa" in page and "2 grudnia 2026" in page
    refused = teacher.post(f"/replies/{message}/no-reply", data={"reason": " "})
    assert refused.status_code == 422 and errors(refused.text)
    done = teacher.post(
        f"/replies/{message}/no-reply", data={"reason": "podziękowanie"}, follow_redirects=False
    )
    assert done.status_code == 303
    page = teacher.get("/replies").text
    assert "Nic nie czeka na Twoją odpowiedź" in page and "podziękowanie" in page
    again = teacher.post(f"/replies/{message}/no-reply", data={"reason": "znowu"})
    assert again.status_code == 422  # no longer owed: said so, nothing stored


def test_another_teacher_cannot_waive_it(site: Site) -> None:
    message = parent_writes(site, datetime.combine(FRIDAY, time(10), tzinfo=site.settings.tz))
    other = signed_in(
        site.app, site.settings.database, "teacher", email="inna@p11.example.pl", groups=[site.zabki]
    )
    assert other.post(f"/replies/{message}/no-reply", data={"reason": "x"}).status_code == 422
    db = site.db()
    assert db["reply_waivers"].count == 0
    db.close()


def test_the_directors_panel_shows_it_overdue_on_the_fourth_working_day(site: Site) -> None:
    parent_writes(site, datetime.combine(FRIDAY, time(16, 30), tzinfo=site.settings.tz))
    director = site.client("director")
    clock_at(site, date(2026, 12, 2))  # Wednesday: the due day
    page = director.get("/replies/panel").text
    assert "0 zaległych" in page and "1 na dziś" in page
    clock_at(site, date(2026, 12, 3))
    page = director.get("/replies/panel").text
    assert "1 zaległa" in page and "Wycieczka" in page


def test_staff_absences_are_entered_ended_and_cancelled_with_reasons(site: Site) -> None:
    secretary = site.client("secretary")
    teacher_id = site.client("teacher").account["id"]  # type: ignore[attr-defined]
    clock_at(site, date(2026, 11, 16))
    added = secretary.post(
        "/staff-absences",
        data={"account_id": str(teacher_id), "kind": "sick", "first": "2026-11-16", "last": "2026-11-20",
              "note": "L4"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303
    db = site.db()
    [absence] = staff_absences.list_absences(db)
    db.close()
    page = secretary.get("/staff-absences").text
    assert "zwolnienie lekarskie" in page and "L4" in page
    bad_end = secretary.post(
        f"/staff-absences/{absence['id']}/end", data={"last": "2026-11-25", "reason": "x"}
    )
    assert bad_end.status_code == 422 and errors(bad_end.text)
    ended = secretary.post(
        f"/staff-absences/{absence['id']}/end", data={"last": "2026-11-17", "reason": "wróciła"},
        follow_redirects=False,
    )  # fmt: skip
    assert ended.status_code == 303
    cancelled = secretary.post(
        f"/staff-absences/{absence['id']}/cancel", data={"reason": "pomyłka"}, follow_redirects=False
    )
    assert cancelled.status_code == 303
    page = secretary.get("/staff-absences?show=all").text
    assert "pomyłka" in page and "wróciła" in page and "odwołane" in page
    assert secretary.post("/staff-absences/999/cancel", data={"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"account_id": "", "kind": "sick", "first": "2026-11-16"}, "account_id"),
        ({"account_id": "²", "kind": "sick", "first": "2026-11-16"}, "account_id"),
        ({"account_id": "{teacher}", "kind": "wakacje", "first": "2026-11-16"}, None),
        ({"account_id": "{teacher}", "kind": "sick", "first": "jutro"}, "first"),
        ({"account_id": "{teacher}", "kind": "sick", "first": "2026-11-16", "last": "2026-11-10"}, "last"),
        ({"account_id": "{parent}", "kind": "sick", "first": "2026-11-16"}, None),
    ],
)
def test_a_bad_absence_is_refused_with_the_reason(
    site: Site, data: dict[str, str], field: str | None
) -> None:
    secretary = site.client("secretary")
    ids = {
        "{teacher}": str(site.client("teacher").account["id"]),  # type: ignore[attr-defined]
        "{parent}": str(site.client("parent").account["id"]),  # type: ignore[attr-defined]
    }
    data = {key: ids.get(value, value) for key, value in data.items()}
    refused = secretary.post("/staff-absences", data=data)
    assert refused.status_code == 422 and errors(refused.text), refused.text[:500]
    if field:
        assert f'id="new-{field}-error"' in refused.text
    db = site.db()
    assert staff_absences.list_absences(db) == []
    db.close()
