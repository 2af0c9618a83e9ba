"""A city of kindergartens on one machine, for the city simulation and the morning bench.

Each site is a real site database made with the hub's own store: groups, children with
their birth dates, a card each, an entrance reader (`in`) and an exit reader (`out`). One
site is made through the store and copied for the others (a copy costs a file's copy, not
150 children's registrations); the sites then differ by their taps, each drawn from the
site's own seeded random numbers. Taps are stored as ingest stores them (`taps.insert_new`
in batches), a month is closed with `months.close`, as the director closes it.

    sites = make_sites(tmp_path, count=41, children=150, since=date(2026, 9, 1))
    for site in sites:
        site.store(site.past_day(day))      # a day of the month to close
        site.close_month(year, month)
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hub.city.events import CHANGE_ACTIONS
from hub.config import Settings
from hub.rules.attendance import local_instant
from hub.services import days, months
from hub.store import cards, readers, registry, taps
from hub.store.db import SiteDatabase, connect, open_database
from hub.wire import TapMessage

ENTRANCE, EXIT = "wejscie", "wyjscie"
GROUPS = ("Motylki", "Biedronki", "Żabki", "Pszczółki", "Sówki", "Jeżyki")
AUTHOR = "symulacja"
MORNING = (time(7, 0), 90)
"""Arrivals from 7:00, over 90 minutes."""


@dataclass(frozen=True)
class Tap:
    """A tap to store: which reader, which card, when (the reader's clock)."""

    reader: str
    uid: str
    at: datetime


@dataclass
class SimSite:
    site: str
    settings: Settings
    db: SiteDatabase
    children: list[int]
    uids: list[str]
    rng: random.Random
    seqs: dict[str, int] = field(default_factory=lambda: {ENTRANCE: 0, EXIT: 0})

    def arrivals(self, day: date, start: time = MORNING[0], minutes: int = MORNING[1]) -> list[Tap]:
        """Every child arrives once, at the entrance, within `minutes` after `start`; in order."""
        first = local_instant(day, start, self.settings.tz)
        moments = sorted(
            (first + timedelta(seconds=self.rng.randrange(minutes * 60)), uid) for uid in self.uids
        )
        return [Tap(ENTRANCE, uid, at) for at, uid in moments]

    def departures(self, day: date) -> list[Tap]:
        """Every child leaves at the exit between 12:30 and 17:00 (some pay for hours)."""
        first = local_instant(day, time(12, 30), self.settings.tz)
        moments = sorted((first + timedelta(seconds=self.rng.randrange(270 * 60)), uid) for uid in self.uids)
        return [Tap(EXIT, uid, at) for at, uid in moments]

    def child_of(self, uid: str) -> int:
        return self.children[self.uids.index(uid)]

    def store(self, day_taps: list[Tap], received: datetime | None = None) -> None:
        """Store taps as ingest stores them, in one transaction: received at `received`
        (now, for the bench), or at the tap itself (a replay of a past day)."""
        rows = []
        for tap in day_taps:
            self.seqs[tap.reader] += 1
            message = TapMessage(tap.uid, self.seqs[tap.reader], 1, 0, None, int(tap.at.timestamp()))
            rows.append(taps.tap_row(tap.reader, message, received or tap.at))
        with self.db.atomic():
            taps.insert_new(self.db, rows)

    def close_month(self, year: int, month: int) -> int:
        return months.close(self.db, self.settings, year, month, closed_by=AUTHOR)

    def tap_count(self) -> int:
        return taps.count_taps(self.db)

    def event_keys(self) -> set[str]:
        """The key of every event the city must hold once: each stored tap, and each audited
        change of the actions the city hears about (`hub.city.events`)."""
        stored = self.db.execute("SELECT reader_id, seq FROM taps").fetchall()
        marks = ", ".join("?" * len(CHANGE_ACTIONS))
        sql = f"SELECT id FROM audit_log WHERE action IN ({marks})"
        changes = self.db.execute(sql, list(CHANGE_ACTIONS)).fetchall()
        return {f"tap:{reader}:{seq}" for reader, seq in stored} | {f"change:{id_}" for (id_,) in changes}

    def days(self, day: date) -> dict[int, tuple[datetime | None, datetime | None]]:
        """Each child's first arrival and last departure of `day` by the site's own rules
        (`days.compute_days`), for the children who came."""
        found: dict[int, tuple[datetime | None, datetime | None]] = {}
        for child_day in days.compute_days(self.db, self.settings, day):
            visits = child_day.result.visits
            arrivals = [visit.arrival.at for visit in visits if visit.arrival is not None]
            if visits:
                departure = visits[-1].departure
                left = departure.at if departure is not None else None
                found[child_day.child["id"]] = (arrivals[0] if arrivals else None, left)
        return found

    def fees(self, year: int, month: int) -> dict[int, dict[str, Any]]:
        """Each child's month as the site's own fee summary has it (`months.summary`), checked
        against what the closing billed (`months.billed_month`)."""
        found = {}
        for row in months.summary(self.db, self.settings, year, month).rows:
            billed = months.billed_month(self.db, row.child_id, year, month)
            assert billed is not None, (self.site, row.child_id)
            fee = {
                "stay_fee": row.stay_fee, "meals_charged": row.meals_charged,
                "meals_refunded": row.meals_refunded, "minutes_billed": row.minutes_billed,
            }  # fmt: skip
            assert fee == {
                "stay_fee": billed.stay_fee, "meals_charged": billed.meals_charged,
                "meals_refunded": billed.meals_refunded,
                "minutes_billed": sum(day.minutes_billed for day in billed.days),
            }, (self.site, row.child_id)  # fmt: skip
            found[row.child_id] = fee
        return found


def uid_of(number: int) -> str:
    """A 7-byte UID, as NTAG keyfobs have."""
    return f"04{number:06X}A1B2C3"


def make_template(path: Path, children: int, since: date) -> list[str]:
    """One site through the store: groups, children (aged 3 to 5) enrolled and carded from
    `since`, two readers."""
    settings = Settings(database=path)
    db = open_database(path)
    readers.add_reader(db, ENTRANCE, "Wejście główne", mode="in")
    readers.add_reader(db, EXIT, "Wyjście", mode="out")
    for name in GROUPS:
        registry.add_group(db, name, author=AUTHOR)
    rng = random.Random(0)
    uids = []
    for number in range(1, children + 1):
        child = registry.add_child(
            db, first_name=f"Dziecko{number}", last_name="Próbne", group=GROUPS[number % len(GROUPS)],
            birth_date=date(since.year - 5 + number % 3, 1 + rng.randrange(12), 1 + rng.randrange(28)),
            active_from=since, author=AUTHOR,
        )  # fmt: skip
        uids.append(uid_of(number))
        cards.assign_card_from_day(
            db, uid=uids[-1], child_id=child["id"], author=AUTHOR, day=since, tz=settings.tz
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return uids


def make_sites(workdir: Path, count: int, children: int, since: date) -> list[SimSite]:
    """`count` sites named `p01`, `p02`, …, each with `children` children in six groups."""
    workdir.mkdir(parents=True, exist_ok=True)
    template = workdir / "template.db"
    uids = make_template(template, children, since)
    sites = []
    for number in range(1, count + 1):
        name = f"p{number:02d}"
        path = workdir / f"{name}.db"
        shutil.copyfile(template, path)
        settings = Settings(database=path, site=name)
        db = connect(path)
        ids = [row[0] for row in db.execute("SELECT id FROM children ORDER BY id").fetchall()]
        sites.append(SimSite(name, settings, db, ids, list(uids), random.Random(number)))
    return sites


def previous_month(day: date) -> tuple[int, int]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def working_day_in(year: int, month: int) -> date:
    """The month's Tuesday from the 16th on: no Polish holiday ever falls on it."""
    day = date(year, month, 16)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def in_ticks(day_taps: list[Tap], start: datetime, span: timedelta, ticks: int) -> list[list[Tap]]:
    """`day_taps` cut into `ticks` equal steps of time from `start` over `span` (a replay)."""
    slices: list[list[Tap]] = [[] for _ in range(ticks)]
    for tap in day_taps:
        slices[max(0, min(ticks - 1, int((tap.at - start) / span * ticks)))].append(tap)
    return slices
