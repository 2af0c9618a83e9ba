"""Sample kindergarten and virtual readers for `ewidencjoner demo`.

`seed_demo` registers two groups of children with their cards and guardians (once; a
second run keeps what is there); `seed_demo_accounts` makes one account of each role and
gives each a new random password at every start, printed by `ewidencjoner demo` (no
password is kept in the repository); `seed_demo_reader_logins` does the same for the
readers' MQTT logins; `seed_demo_messages` sends, once, a teacher's message to her group's
parents and the director's to all staff; `seed_demo_replies`, once, a parent's questions
waiting for the teacher's reply (one overdue) and her training next week. `DemoDay` boots
two virtual readers — the real firmware on the MicroPython unix port with a simulated
MFRC522 (`hub/devtools/virtual_reader.py`), each logging in
to the embedded broker with its own login — and plays a kindergarten day faster than life:
children arrive at the main door, a few go out to the garden and come back, everyone leaves
in the afternoon, one card nobody knows is tapped. Then the day starts again.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypedDict

from sqlite_utils import Database

from hub.accounts import accounts, passwords, security_policy
from hub.config import Settings
from hub.devtools.demo_pedagogy import seed_pedagogy
from hub.devtools.virtual_reader import VirtualReader
from hub.refusal import Refusal
from hub.rules.attachments import Limits
from hub.rules.attendance import local_instant
from hub.rules.attendance.calendar import WARSAW
from hub.rules.reply_term import WorkingDays
from hub.rules.school_year import school_year_of, school_year_start
from hub.services import messages
from hub.store import (
    announcements,
    broker_credentials,
    calendar_events,
    cards,
    notifications,
    readers,
    registry,
    site_settings,
    staff_absences,
    taps,
)
from hub.wire import StatusMessage, TapMessage

log = logging.getLogger(__name__)

DEMO_READERS = [("wejscie", "Wejście główne"), ("ogrod", "Wyjście do ogrodu")]
DEMO_GROUPS = {
    "Motylki": [
        ("Zofia", "Wójcik", "mama"),
        ("Antoni", "Nowak", "tata"),
        ("Łucja", "Żak", "babcia"),
        ("Jan", "Kowalski", "mama"),
        ("Hanna", "Szczęsna", "tata"),
        ("Michał", "Dąbrowski", "mama"),
    ],
    "Biedronki": [
        ("Maja", "Lewandowska", "mama"),
        ("Franciszek", "Wiśniewski", "dziadek"),
        ("Ola", "Kamińska", "tata"),
        ("Jakub", "Zieliński", "mama"),
        ("Helena", "Grabowska", "mama"),
        ("Szymon", "Pawłowski", "tata"),
    ],
}
UNKNOWN_CARD = "04DEADBEEF0001"
DEMO_DEBOUNCE_S = 5
DEMO_AUTHOR = "demo"


class DemoAccount(TypedDict, total=False):
    """A demo account's extras: its group and title (teacher), child (parent), days valid."""

    group: str
    title: str
    child: tuple[str, str]
    days: int


DEMO_ACCOUNTS: list[tuple[str, str, str, DemoAccount]] = [
    # (e-mail, name, role, options): the parent is the first child's guardian (rodzic1@…)
    ("dyrektor@example.pl", "Barbara Dyrektor", "director", {}),
    ("anna.nowak@example.pl", "Anna Nowak", "teacher", {"group": "Motylki", "title": "wychowawca"}),
    ("sekretariat@example.pl", "Ewa Sekretarz", "secretary", {}),
    ("rodzic1@example.pl", "Mama Wójcik", "parent", {"child": ("Zofia", "Wójcik")}),
    ("kontrola@example.pl", "Jan Kontroler", "inspector", {"days": 30}),
    ("kiosk@example.pl", "Kiosk przy wejściu", "kiosk", {}),  # a guardian's PIN: /kiosk/pins/…
]


def demo_uid(index: int) -> str:
    """A 7-byte UID, as NTAG keyfobs have."""
    return f"04{index:02X}A1B2C3D4{(index * 37) % 256:02X}"


def seed_demo(db: Database, today: date) -> None:
    """Register the demo readers, groups, children, cards and guardians if missing.

    The demo plays a day in minutes, so taps of one child a few seconds apart are meant as
    separate taps: the debounce window is 5 s here instead of the default 60 s.
    """
    site_settings.set_value(db, "debounce_s", str(DEMO_DEBOUNCE_S), author=DEMO_AUTHOR)
    for reader_id, name in DEMO_READERS:
        if not readers.is_registered(db, reader_id):
            readers.add_reader(db, reader_id, name)
    if registry.list_groups(db):
        return
    index = 0
    for group, children in DEMO_GROUPS.items():
        registry.add_group(
            db, group, teachers="Anna Nowak" if group == "Motylki" else "Ewa Lis", author=DEMO_AUTHOR
        )
        school_year = school_year_start(school_year_of(today))
        for first, last, holder in children:
            index += 1
            child = registry.add_child(
                db,
                first_name=first,
                last_name=last,
                group=group,
                birth_date=date(2021, 1 + index % 12, 10),
                active_from=school_year,
                author=DEMO_AUTHOR,
            )
            cards.assign_card(  # handed out with the school year: `seed_demo_week`'s taps count
                db,
                uid=demo_uid(index),
                child_id=child["id"],
                author=DEMO_AUTHOR,
                number=str(index),
                holder=holder,
                valid_from=local_instant(school_year, time(0)),
            )
            registry.add_guardian(
                db,
                name=f"{holder.capitalize()} {last}",
                phone=f"600 100 {index:03d}",
                email=f"rodzic{index}@example.pl",
                children=[child["id"]],
                relation=holder,
                author=DEMO_AUTHOR,
            )
    seed_demo_agenda(db, today)
    seed_pedagogy(db, today)


def seed_demo_agenda(db: Database, today: date) -> None:
    """Announcements on the home pages (one for everyone, one for Motylki) and two events
    ahead in the calendar (a Motylki trip, a meeting for all)."""
    motylki = registry.find_group(db, "Motylki")["id"]
    for title, body, group_id in (
        ("Zbiórka nakrętek", "Do piątku zbieramy nakrętki dla Kuby.\nPudełko stoi w szatni.", None),
        ("Jasełka Motylków", "Prosimy o stroje pastuszków na czwartek.", motylki),
    ):
        announcements.publish(
            db, title=title, body=body, audience="group" if group_id else "everyone", group_id=group_id,
            shown_from=today, shown_to=today + timedelta(days=7), author=DEMO_AUTHOR,
        )  # fmt: skip
    trip = today + timedelta(days=3)
    calendar_events.add_event(
        db, kind="trip", title="Wycieczka do lasu", place="Las Wolski", group_id=motylki, author=DEMO_AUTHOR,
        start=local_instant(trip, time(9)), end=local_instant(trip, time(12)), tz=WARSAW,
    )  # fmt: skip
    meeting = today + timedelta(days=7)
    calendar_events.add_event(
        db, kind="meeting", title="Zebranie z rodzicami", place="Sala Motylków", group_id=None,
        author=DEMO_AUTHOR, start=local_instant(meeting, time(17)), end=local_instant(meeting, time(18)),
        tz=WARSAW,
    )  # fmt: skip


SAMPLE_SEQ_BASE = 900_000
"""The sample week's taps are numbered from here, far from a virtual reader's own."""


def last_weekday(day: date) -> date:
    """`day`, or the Friday before it if it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def seed_demo_week(db: Database, settings: Settings, now: datetime) -> None:
    """A week of taps on the main door, for the pages' screenshots and layout tests (not for
    `demo`, whose virtual readers tap the day themselves). Each weekday of the last seven days
    (and today, even on a weekend): every child but the last of each group arrives between
    7:00 and 8:30 and leaves from 15:00, one unknown card is tapped; only taps before `now`
    are stored, so pages never show the future."""
    today = now.astimezone(settings.tz).date()
    uids = [demo_uid(index) for index in range(1, 1 + sum(len(c) for c in DEMO_GROUPS.values()))]
    arriving = [uid for number, uid in enumerate(uids, 1) if number % len(DEMO_GROUPS["Motylki"])]
    moments = [(uid, number * 8) for number, uid in enumerate(arriving)]  # minutes after 7:00
    moments += [(uid, 480 + number * 7) for number, uid in enumerate(arriving)]
    moments += [(UNKNOWN_CARD, 40)]
    rows = []
    seq = SAMPLE_SEQ_BASE
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        if back and day.weekday() >= 5:
            continue
        seven = local_instant(day, time(7, 0), settings.tz)
        for uid, minutes in moments:
            at = seven + timedelta(minutes=minutes + back)
            seq += 1
            if at <= now:
                rows.append(
                    taps.tap_row("wejscie", TapMessage(uid, seq, 1, 0, None, int(at.timestamp())), at)
                )
    with db.atomic():
        taps.insert_new(db, rows)
        for reader_id, _ in DEMO_READERS:
            status = StatusMessage(online=True, queue=0)
            readers.record_status(db, reader_id, status, datetime.now(UTC), retained=False)


def seed_demo_accounts(db: Database, today: date) -> list[tuple[str, str, str]]:
    """One account of each role (created once), each with a new random password now;
    returns (role, e-mail, password) to print."""
    policy = security_policy.load(db)
    logins = []
    for email, name, role, options in DEMO_ACCOUNTS:
        try:
            user = accounts.find_user(db, email)
        except Refusal:
            user, _ = accounts.add_user(
                db,
                email=email,
                name=name,
                role=role,
                title=options.get("title", ""),
                groups=[registry.find_group(db, options["group"])["id"]] if "group" in options else [],
                children=[_child_id(db, *options["child"])] if "child" in options else [],
                expires_on=today + timedelta(days=options["days"]) if "days" in options else None,
                author=DEMO_AUTHOR,
            )
        if "days" in options and user["expires_on"] < today.isoformat():
            accounts.update_user(
                db, user["id"], expires_on=today + timedelta(days=options["days"]), author=DEMO_AUTHOR
            )
        password = passwords.one_time_password(policy)
        accounts.set_password(db, user["id"], password, author=DEMO_AUTHOR)
        logins.append((role, email, password))
    return logins


DEMO_NOTIFIED = "rodzic1@example.pl"
"""The demo parent chose arrivals and departures by e-mail: the demo's mailbox fills."""


def seed_demo_notifications(db: Database) -> None:
    """The demo parent's choices, unless they chose something themselves meanwhile."""
    user = accounts.find_user(db, DEMO_NOTIFIED)
    if not notifications.choices(db, user["id"]):
        notifications.set_choices(
            db, user["id"], {("arrival", "email"), ("departure", "email")}, datetime.now(UTC)
        )


def seed_demo_messages(db: Database, settings: Settings) -> None:
    """Once: the teacher's message to her group's parents and the director's to all staff,
    so the demo's inbox, thread and receipts have something to show."""
    if db.execute("SELECT 1 FROM messages WHERE kind = 'personal' LIMIT 1").fetchone():
        return
    today = datetime.now(settings.tz).date()
    limits = Limits(settings.message_attachment_max_mb * 1024 * 1024, settings.message_attachment_max_files)
    for email, audience, target, subject, body in (
        ("anna.nowak@example.pl", "group_guardians", "Motylki", "Zebranie z rodzicami we wtorek",
         "Zapraszam na zebranie we wtorek o 17:00 w sali Motylków.\nProszę o potwierdzenie."),
        ("dyrektor@example.pl", "all_staff", None, "Rada pedagogiczna",
         "Rada pedagogiczna w czwartek o 15:00 w pokoju nauczycielskim."),
    ):  # fmt: skip
        user = accounts.find_user(db, email)
        person = messages.writer(db, account_id=user["id"], role=user["role"],
                                 teacher_groups=frozenset(user["groups"]), today=today)  # fmt: skip
        messages.send(
            db, person, actor=email, audience=audience,
            target=registry.find_group(db, target)["id"] if target else None, subject=subject, body=body,
            attachments_dir=settings.attachments_dir, limits=limits, tz=settings.tz,
        )  # fmt: skip


def seed_demo_replies(db: Database, settings: Settings) -> None:
    """Once: a parent's question to the teacher sent six working days ago (overdue on her
    "Do odpowiedzi" and the director's panel), another sent today, and the secretary's
    record of the teacher's training next week (the staff absences page)."""
    if db.execute("SELECT 1 FROM staff_absences LIMIT 1").fetchone():
        return
    today = datetime.now(settings.tz).date()
    working = WorkingDays(frozenset(date.fromisoformat(row["day"]) for row in site_settings.closed_days(db)))
    earlier = today
    for _ in range(6):
        earlier -= timedelta(days=1)
        while earlier not in working:
            earlier -= timedelta(days=1)
    parent, teacher = (
        accounts.find_user(db, email) for email in ("rodzic1@example.pl", "anna.nowak@example.pl")
    )
    person = messages.writer(
        db, account_id=parent["id"], role="parent", teacher_groups=frozenset(), today=today
    )
    limits = Limits(settings.message_attachment_max_mb * 1024 * 1024, settings.message_attachment_max_files)
    for day, subject in ((earlier, "Czy Zosia może wyjść o 14:00?"), (today, "Prowiant na wycieczkę")):
        messages.send(
            db, person, actor=parent["email"], audience="teacher", target=teacher["id"], subject=subject,
            body="Dzień dobry, proszę o odpowiedź.", attachments_dir=settings.attachments_dir, limits=limits,
            tz=settings.tz, now=local_instant(day, time(10, 0), settings.tz),
        )  # fmt: skip
    monday = working.next_after(today + timedelta(days=6 - today.weekday()))
    staff_absences.add_absence(
        db, account_id=teacher["id"], first=monday, last=monday, kind="training",
        note="Szkolenie z pierwszej pomocy", author="sekretariat@example.pl",
    )  # fmt: skip


def seed_demo_reader_logins(db: Database) -> dict[str, str]:
    """A new MQTT password for each demo reader at every start (reader id → password): the
    virtual readers log in to the embedded broker as real ones do."""
    return {reader_id: broker_credentials.issue(db, reader_id) for reader_id, _ in DEMO_READERS}


def _child_id(db: Database, first_name: str, last_name: str) -> int:
    row = db.execute(
        "SELECT id FROM children WHERE first_name = ? AND last_name = ?", [first_name, last_name]
    ).fetchone()
    return row[0]


class DemoDay:
    """Virtual readers and a scripted day of taps, in a background thread."""

    def __init__(
        self, settings: Settings, flash_root: Path, logins: dict[str, str], pace_s: float = 2.0
    ) -> None:
        self.pace_s = pace_s
        broker = settings.broker
        self.readers = {
            reader_id: VirtualReader(
                reader_id,
                settings.site,
                broker.host,
                broker.port,
                workdir=flash_root / reader_id,
                username=reader_id,
                password=logins.get(reader_id),
            )
            for reader_id, _ in DEMO_READERS
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-day", daemon=True)

    def start(self) -> None:
        for reader in self.readers.values():
            reader.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for reader in self.readers.values():
            reader.stop()

    def _run(self) -> None:
        rng = random.Random(7)
        uids = [demo_uid(index) for index in range(1, 1 + sum(len(c) for c in DEMO_GROUPS.values()))]
        while not self._stop.is_set():
            arrivals = rng.sample(uids, len(uids))
            garden = rng.sample(arrivals, 3)
            script = [("wejscie", uid) for uid in arrivals]
            script += [("ogrod", UNKNOWN_CARD)]
            script += [("ogrod", uid) for uid in garden] + [("ogrod", uid) for uid in garden]
            script += [("wejscie", uid) for uid in rng.sample(uids, len(uids))]
            for reader_id, uid in script:
                if self._stop.wait(rng.uniform(0.4, 1.6) * self.pace_s):
                    return
                try:
                    self.readers[reader_id].tap(uid)
                except (OSError, RuntimeError):
                    log.exception("virtual reader %s did not take the tap", reader_id)
            self._stop.wait(10 * self.pace_s)
