"""A kindergarten's school year with every kind of record the archive holds, made the
`make demo` way (`hub.devtools.demo`), plus what the demo leaves out: a topic with a
substitution, corrections, an approved plan, an observation changed by the director, a
six-year-old's readiness information, a reported absence, a read receipt, a closed month.

The records are of the school year running now, archived as if it were 2 September after
it (`ARCHIVED_AT`), so the year is closed and its records are whatever today's are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.devtools.demo import (
    last_weekday,
    seed_demo,
    seed_demo_accounts,
    seed_demo_messages,
    seed_demo_replies,
    seed_demo_week,
)
from hub.rules.school_year import school_year_of
from hub.services import school_readiness, work_plans
from hub.store import (
    absences,
    cards,
    corrections,
    day_topics,
    message_files,
    messages,
    observations,
    readers,
    registry,
    taps,
)
from hub.store.db import open_database
from hub.timefmt import to_db
from hub.wire import TapMessage

DIRECTOR = "dyrektor@example.pl"
TEACHER = "anna.nowak@example.pl"
POLISH_CHILD = ("Źdźisław", "Łęcki-Ąę")
"""A child with every Polish letter that has a diacritic in its name."""


@dataclass(frozen=True)
class Year:
    settings: Settings
    school_year: int
    archived_at: datetime
    polish_child_id: int


def seed_year(workdir: Path) -> Year:
    """The demo kindergarten with its week of taps and every other kind of record."""
    settings = Settings(database=workdir / "year.db")
    now = datetime.now(settings.tz)
    today = now.date()
    year = school_year_of(today)
    db = open_database(settings.database)
    seed_demo(db, today)
    seed_demo_week(db, settings, now)
    seed_demo_accounts(db, today)
    seed_demo_messages(db, settings)
    seed_demo_replies(db, settings)
    _read_receipt(db, settings)
    day = last_weekday(today)
    day_topics.add_topic(
        db, group_id=1, day=day, topic="Jesienne liście — praca plastyczna\nźdźbła, żołędzie & <kasztany>",
        author="ewa.lis@example.pl", substitution=True, substitute_for="Anna Nowak",
    )  # fmt: skip
    corrections.add_correction(
        db, child_id=6, day=day, kind="mark_absent", reason="Choroba, telefon od mamy", author=TEACHER
    )
    corrections.add_correction(
        db, child_id=12, day=day, kind="add_arrival", reason="Zapomniana karta", author=TEACHER,
        at=datetime.combine(day, time(8, 5), tzinfo=settings.tz),
    )  # fmt: skip
    plan_id = db.execute("SELECT id FROM work_plans").fetchone()[0]
    work_plans.approve(db, plan_id, actor=DIRECTOR)
    first = observations.list_for_child(db, 1)[0]
    observations.modify(
        db, first["id"], day=date.fromisoformat(first["day"]), kind=first["kind"], area=first["area"],
        text="Opowiada chętnie; zdania złożone, bogate słownictwo.", actor=DIRECTOR, for_parents=True,
    )  # fmt: skip
    child = registry.add_child(
        db, first_name=POLISH_CHILD[0], last_name=POLISH_CHILD[1], group="Motylki",
        birth_date=date(year - 6, 3, 1), active_from=date(year, 9, 1), author=DIRECTOR,
    )  # fmt: skip
    registry.add_guardian(
        db, name="Żaneta Ćwikła-Óśń", phone="600 200 300", email="zaneta@example.pl",
        children=[child["id"]], relation="mama", author=DIRECTOR,
    )  # fmt: skip
    school_readiness.write(
        db, child_id=child["id"], school_year=year, text="Gotów do nauki w szkole; ćwiczyć grafomotorykę.",
        author=TEACHER,
    )  # fmt: skip
    absences.report_absence(db, child_id=5, first=day, last=day, reported_by="rodzic5@example.pl")
    _closed_month(db, year)
    db.close()
    return Year(settings, year, datetime(year + 1, 9, 2, 10, tzinfo=UTC), child["id"])


ATTACHMENT = b"%PDF-1.7 plan wycieczki"


def _read_receipt(db: Database, settings: Settings) -> None:
    """The first recipient of the first message opens it and answers with an attachment."""
    message_id, account_id = db.execute(
        "SELECT message_id, account_id FROM message_recipients ORDER BY message_id, account_id"
    ).fetchone()
    messages.mark_read(db, message_id, account_id, actor="rodzic1@example.pl")
    sender = db.execute("SELECT sender_id, school_year FROM messages WHERE id = ?", [message_id]).fetchone()
    digest = message_files.put(settings.attachments_dir, ATTACHMENT)
    messages.add_message(
        db, sender_id=account_id, actor="rodzic1@example.pl", subject="Re: zgoda na wycieczkę",
        body="Zgoda w załączniku.", school_year=sender[1], in_reply_to=message_id,
        recipients=[messages.Recipient(sender[0], "person", "Anna Nowak")],
        attachments=[messages.Attachment("zgoda — Łucja.pdf", "application/pdf", len(ATTACHMENT), digest)],
    )  # fmt: skip


def _closed_month(db: Database, year: int) -> None:
    """September closed with one child's statement, as `months.close` keeps them (closing a
    month needs it over, which September is not while the tests run in it)."""
    closed_at = to_db(datetime(year, 10, 1, 8, tzinfo=UTC))
    db["closed_months"].insert({"year": year, "month": 9, "closed_at": closed_at, "closed_by": DIRECTOR})
    db["billed_months"].insert(
        {"year": year, "month": 9, "child_id": 1, "version": 1, "recorded_at": closed_at,
         "billed": '{"total": "250.00", "uwagi": "wrzesień — pełny"}'}
    )  # fmt: skip


SCHOOL_YEAR_OVER = 2024
"""2024/2025: over whenever the tests run, so the command line (at today's clock) archives it."""
JUNE = [date(2025, 6, d) for d in range(1, 31)]
WORKING = [day for day in JUNE if day.weekday() < 5 and day != date(2025, 6, 19)]  # Boże Ciało
Stay = tuple[date, int, int]
"""A day, the minutes after 7:00 of the arrival, the minutes stayed."""


def june_year(
    workdir: Path, group: str, children: list[tuple[str, str, list[Stay]]]
) -> tuple[Settings, dict[int, tuple[dict[str, Any], dict[str, tuple[str, str]]]]]:
    """A kindergarten whose `children` of `group` attended in June 2025 only, each tapping in
    and out at the toggle reader `r1` on its stays; returns its settings and, per child, its
    record and each tapped day's (arrival, departure) as stored instants."""
    settings = Settings(database=workdir / "hub.db")
    db = open_database(settings.database)
    readers.add_reader(db, "r1", "Wejście")
    registry.add_group(db, group, author="t")
    stored = {}
    seq = 0
    for number, (first_name, last_name, stays) in enumerate(children, 1):
        row = registry.add_child(
            db, first_name=first_name, last_name=last_name, group=group, active_from=JUNE[0],
            active_to=JUNE[-1], author="t",
        )  # fmt: skip
        uid = f"04A1B2C3D4{number:04X}"
        cards.assign_card(
            db, uid=uid, child_id=row["id"], author="t", valid_from=datetime(2025, 5, 1, tzinfo=settings.tz)
        )
        tapped = {}
        for day, after_seven, minutes in stays:
            arrival = datetime.combine(day, time(7), tzinfo=settings.tz) + timedelta(minutes=after_seven)
            departure = arrival + timedelta(minutes=minutes)
            for moment in (arrival, departure):
                seq += 1
                message = TapMessage(uid, seq, 1, 0, None, int(moment.timestamp()))
                with db.atomic():
                    taps.insert_new(db, [taps.tap_row("r1", message, moment)])
            tapped[day.isoformat()] = (to_db(arrival), to_db(departure))
        stored[row["id"]] = (row, tapped)
    db.close()
    return settings, stored
