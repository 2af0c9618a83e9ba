"""The demo kindergarten with a week of taps, served for browser checks of every page: the
phone-width test (`test_phone_layout.py`) and `make screenshots` (`tests/screenshots.py`).

`SAMPLE_PATHS` names, for each page route of `web.app.PAGES`, the addresses that show it with
the sample's data; `test_phone_layout` fails when a page route has none, so a new page is
measured (and photographed, if it is in `screenshots.SHOTS`) from the day it is added.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from hub.config import Settings
from hub.devtools.demo import last_weekday, seed_demo, seed_demo_week
from hub.devtools.demo_pedagogy import READINESS_YEAR
from hub.ingest.events import EventBus
from hub.reports import REPORTS
from hub.rules.school_year import school_year_label, school_year_of
from hub.services.firmware_release import write_release
from hub.store import message_files, messages
from hub.store.db import open_database
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account
from web.app import create_app

ROLES: dict[str, dict[str, list[int]]] = {
    "director": {},
    "teacher": {"groups": [1]},
    "secretary": {},
    "parent": {"children": [1]},
    "inspector": {},
    "kiosk": {},
}
"""The accounts signed in (e-mail `<role>@p11.example.pl`, `web_support.PASSWORD`): the teacher
of Motylki (group 1), the guardian of its first child (Zofia Wójcik, child 1); the
inspector's account works for 30 days; the entrance's kiosk."""

REPORT_QUERIES = {
    "daily-sheet": "date={day}&group=1",
    "monthly-grid": "month={month}&group=1",
    "evacuation": "",
    "reader-health": "from={day}&to={day}",
    "stay-report": "month={month}&child=1",
    "fee-summary": "month={month}",
    "meal-count": "date={day}",
    "ledger-statement": "date={day}&child=1",
    "reminder": "date={day}&child=1",
    "receivables": "month={month}",
    "arrears": "date={day}",
    "attendance-stats": "month={month}&group=1",
}
"""Each report's print view filled with the sample: Motylki (group 1), Zofia (child 1)."""

NOT_PAGES = frozenset(
    {
        "/events",
        "/presence/events",
        "/language/{code}",
        "/presence/board",
        "/groups/{group_id}/grid/rows",
        "/calendar/feed/{token}.ics",
        "/account/data.json",
        "/account/data.pdf",
        "/messages/attachments/{attachment_id}",
    }
)
"""GET routes that are no page: the event streams, the language switch (a redirect) and the
fragments of the presence board and the door grid (which `/presence` and the grid show; their
scripts fetch them after each event), the calendar feed (an .ics file for phones), a person's
own data (a JSON or PDF download) and a message's attachment (a file)."""


def sample_paths(today: date) -> dict[str, list[str]]:
    """Each page route → the addresses that show it filled with the sample's data (a group's
    day: the last weekday, a day with taps)."""
    month, day = today.isoformat()[:7], last_weekday(today).isoformat()
    return {
        "/login": ["/login"],
        "/account/welcome": ["/account/welcome"],
        "/account/password": ["/account/password"],
        "/account": ["/account"],
        "/account/pin": ["/account/pin"],
        "/account/notifications": ["/account/notifications"],
        "/admin/users": ["/admin/users"],
        "/admin/users/{user_id}": ["/admin/users/1"],
        "/admin/users/{user_id}/erase": ["/admin/users/1/erase"],
        "/admin/logins": ["/admin/logins"],
        "/admin/backups": ["/admin/backups"],
        "/": ["/"],
        "/presence": ["/presence"],
        "/days": ["/days"],
        "/groups/{group_id}/days/{day}": [f"/groups/1/days/{day}"],
        "/grid": ["/grid"],
        "/groups/{group_id}/grid": ["/groups/1/grid"],
        "/kiosk": ["/kiosk"],
        "/kiosk/pins/{guardian_id}": ["/kiosk/pins/1"],
        "/children/{child_id}": ["/children/1", f"/children/1?month={month}"],
        "/cards": ["/cards"],
        "/readers": ["/readers"],
        "/reports": ["/reports"],
        "/reports/{name}": [
            f"/reports/{name}?{REPORT_QUERIES[name].format(day=day, month=month)}" for name in REPORTS
        ],
        "/registry": ["/registry"],
        "/registry/children": ["/registry/children"],
        "/registry/children/{child_id}": ["/registry/children/1"],
        "/registry/children/{child_id}/erase": ["/registry/children/1/erase"],
        "/registry/guardians/{guardian_id}/erase": ["/registry/guardians/1/erase"],
        "/registry/groups": ["/registry/groups"],
        "/registry/guardians": ["/registry/guardians"],
        "/registry/import": ["/registry/import"],
        "/settings": ["/settings"],
        "/months": ["/months"],
        "/parent": ["/parent"],
        "/parent/children/{child_id}": ["/parent/children/1"],
        "/parent/children/{child_id}/data": ["/parent/children/1/data"],
        "/parent/children/{child_id}/money": ["/parent/children/1/money"],
        "/money": ["/money"],
        "/inconsistencies": ["/inconsistencies"],
        "/audit": ["/audit"],
        "/statistics": ["/statistics", f"/statistics?group=&period={school_year_of(today)}"],
        "/announcements": ["/announcements"],
        "/calendar": ["/calendar", f"/calendar?month={month}"],
        "/plans": ["/plans"],
        "/groups/{group_id}/plans": ["/groups/1/plans"],
        "/groups/{group_id}/plans/{plan_month}": [f"/groups/1/plans/{month}"],
        "/reports/work-plan/{group_id}/{plan_month}": [f"/reports/work-plan/1/{month}"],
        "/observations": ["/observations"],
        "/children/{child_id}/observations": ["/children/1/observations"],
        "/children/{child_id}/readiness/{year}": [f"/children/1/readiness/{READINESS_YEAR}"],
        "/reports/readiness/{child_id}/{year}": [f"/reports/readiness/1/{READINESS_YEAR}"],
        "/parent/children/{child_id}/observations": ["/parent/children/1/observations"],
        "/messages": ["/messages"],
        "/messages/sent": ["/messages/sent"],
        "/messages/new": ["/messages/new"],
        "/messages/{message_id}": ["/messages/1"],
        "/messages/years": ["/messages/years"],
        "/year-end": ["/year-end", "/year-end?year=2024"],
        "/staff-absences": ["/staff-absences", "/staff-absences?show=all"],
        "/replies": ["/replies"],
        "/replies/panel": ["/replies/panel"],
    }


def sample_release(folder: Path, version: str = "1.1.0") -> Path:
    """A firmware release folder as the readers page reads it (a manifest over .mpy files),
    for pages that show its version; no reader could run it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.mpy").write_bytes(b"M\x06 sample")
    return write_release(folder, version).folder


@contextmanager
def sample_site(workdir: Path, now: datetime | None = None) -> Iterator[tuple[WebServer, Settings]]:
    """The demo kindergarten (two groups, twelve children, cards, guardians) with a
    week of taps, an account per role in `ROLES`, served by uvicorn on a free port."""
    settings = Settings(
        database=workdir / "sample.db", firmware_release_dir=sample_release(workdir / "release")
    )
    now = now or datetime.now(settings.tz)
    db = open_database(settings.database)
    seed_demo(db, now.date())
    seed_demo_week(db, settings, now)
    db.close()
    for role, options in ROLES.items():
        valid = {"expires_on": now.date() + timedelta(days=30)} if role == "inspector" else {}
        add_account(settings.database, role, **options, **valid)
    sample_messages(settings)
    with WebServer(create_app(settings, EventBus())) as server:
        yield server, settings


def sample_messages(settings: Settings) -> None:
    """Message 1: the teacher's to the director and the parent, with a PDF, answered by the
    parent (the teacher then sees one receipt read, one not)."""
    db = open_database(settings.database)
    ids = {row["role"]: row["id"] for row in db.query("SELECT id, role FROM users")}
    pdf = message_files.put(settings.attachments_dir, b"%PDF-1.7 plan zajec")
    year = school_year_label(school_year_of(datetime.now(settings.tz).date()))
    first = messages.add_message(
        db, sender_id=ids["teacher"], actor=email("teacher"), subject="Zebranie z rodzicami we wtorek",
        body="Zapraszam na zebranie we wtorek o 17:00 w sali grupy.\nProszę o potwierdzenie.",
        school_year=year,
        recipients=[messages.Recipient(ids["director"], "director"),
                    messages.Recipient(ids["parent"], "group_guardians", "Motylki")],
        attachments=[messages.Attachment("plan zebrania.pdf", "application/pdf", 19, pdf)],
    )  # fmt: skip
    messages.mark_read(db, first, ids["parent"], actor=email("parent"))
    messages.add_message(
        db, sender_id=ids["parent"], actor=email("parent"), subject="Re: Zebranie z rodzicami we wtorek",
        body="Będę, dziękuję.", school_year=year,
        recipients=[messages.Recipient(ids["teacher"], "person", "Test teacher")], in_reply_to=first,
    )  # fmt: skip
    db.close()


def email(role: str) -> str:
    return f"{role}@p11.example.pl"


__all__ = ["NOT_PAGES", "PASSWORD", "ROLES", "email", "sample_paths", "sample_site"]
