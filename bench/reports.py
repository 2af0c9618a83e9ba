"""Fee summary and report PDFs for a synthetic kindergarten and a synthetic city, one month.

`.venv/bin/python bench/reports.py [--fresh] [--runs N] [--city-runs N] [--pdf-only]` (part of
`make bench`; `--pdf-only`: the kindergarten's PDFs alone, without building the city).
Builds, or reuses from a cache under the temp dir keyed by `DATA_VERSION` and the schema
version, two SQLite databases through the hub's own schema (`hub.store.db.open_database`):

- a kindergarten: 150 children in 6 groups, one toggle reader at the door;
- a city: 400 such kindergartens in one database, 60,000 children. One database because
  the gmina's uchwała (the fee rules) is city-wide and the city's shared accounting office
  (CUW) bills every municipal kindergarten; 60,000 is about Warsaw's public kindergartens.

One month, March 2026 (the DST change on Sunday the 29th, so the last two working days are
CEST): two taps per child per working day, with absences (most reported ahead, which
cancels meals; February's reported absences are refunded in March), leave-and-return
days, double taps inside the debounce window, forgotten departures (half of them
corrected by a teacher) and absences marked by a teacher, children starting and leaving
mid-month. Fee rules: the legal cap, free 08:00–13:00, per full hour; three meals.

Times, each the best of a few runs (the machine is shared, so CPU time is printed too):
the kindergarten's fee summary; its fee-summary and monthly-grid PDFs (build and render,
in a warm process, and each through a cold `ewidencjoner report`); the stay reports of all
150 children, one PDF each (one run); the PDFs are laid out by Typst (bench/README.md has
the same run's figures of WeasyPrint, which laid them out before issue 12); the city's fee summary through
`hub.services.months.summary`, as the `fee-summary` report computes it, with worker processes and
in one process. The baseline, timed in the same run on both databases: a single SQL
aggregate over the same taps (per child and day, last tap − first tap, summed per child).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub import reports
from hub.config import Settings
from hub.rules.attendance import working_days
from hub.rules.fees import (
    FeeSettings,
    FeeSummary,
    FixedWindow,
    HourlyRate,
    MealPrice,
    MealSettings,
    StayRules,
)
from hub.services import billing, months
from hub.store import fee_settings
from hub.store.db import open_database
from hub.store.migrations import MIGRATIONS

DATA_VERSION = "reports-bench-4"
"""Bump when the generated data changes: the cached databases are keyed by it."""

YEAR, MONTH = 2026, 3
CHILDREN_PER_GROUP = 25
CITY_KINDERGARTENS = 400
GROUP_NAMES = ("Biedronki", "Żabki", "Wiewiórki", "Słoneczka", "Pszczółki", "Jeżyki")
FIRST_NAMES = ("Łucja", "Zofia", "Hanna", "Maja", "Jagoda", "Ania", "Gabriela", "Józef", "Szymon",
               "Jakub", "Mikołaj", "Stanisław", "Wojciech", "Kacper", "Zuzanna", "Małgosia")  # fmt: skip
LAST_NAMES = ("Żak", "Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek",
              "Zając", "Król", "Wróbel", "Dąbrowski", "Pietrzak", "Górski", "Michalski", "Śliwa")  # fmt: skip
MEALS = (("śniadanie", "4.00"), ("obiad", "9.50"), ("podwieczorek", "3.50"))
DST_DAY = date(2026, 3, 29)
TARGETS = {"pdf": 2.0, "city": 30.0, "grid": 0.5, "stays": 10.0}
"""Issue 5: the kindergarten's monthly PDF in under 2 s, the city's fee summary in under 30 s;
issue 12: the monthly grid's PDF in under 0.5 s, the 150 stay reports' in under 10 s."""

T = TypeVar("T")


# -- data ---------------------------------------------------------------------------------


def utc_offset(day: date) -> int:
    """Hours Warsaw is ahead of UTC on `day` (CET until 29 March 2026, then CEST)."""
    return 2 if day > DST_DAY else 1


def utc_text(day: date, seconds: int) -> str:
    """The stored form of local `day` at `seconds` after midnight (from 02:00 on, so the UTC
    date is the local one)."""
    utc = seconds - 3600 * utc_offset(day)
    return f"{day.isoformat()}T{utc // 3600:02d}:{utc // 60 % 60:02d}:{utc % 60:02d}.000Z"


def epoch(day: date, seconds: int) -> int:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(midnight.timestamp()) + seconds - 3600 * utc_offset(day)


def sample_fee_settings() -> FeeSettings:
    """The gmina's rules: the legal cap, free 08:00–13:00, per full hour; three meals."""
    return FeeSettings(
        rates=(HourlyRate(date(2025, 9, 1), Decimal("1.44"), "uchwała"),),
        rules=(StayRules(valid_from=date(2025, 9, 1), free_period=FixedWindow(clock(8), clock(13))),),
        meals=MealSettings(
            prices=tuple(MealPrice(date(2025, 9, 1), meal, Decimal(price)) for meal, price in MEALS),
            cutoff=clock(8, 0),
        ),
    )


def child_rows(rng: random.Random, group_ids: list[int], first_id: int) -> Iterator[dict[str, Any]]:
    """A kindergarten's 150 children: born 2019–2023 (the 2019s are exempt by age), a few with
    their own exemption, one in 50 starting on 16 March, one in 60 leaving on 20 March."""
    child_id = first_id
    for group_id in group_ids:
        for _ in range(CHILDREN_PER_GROUP):
            roll = rng.random()
            yield {
                "id": child_id,
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(LAST_NAMES),
                "group_id": group_id,
                "birth_date": date(
                    rng.randint(2019, 2023), rng.randint(1, 12), rng.randint(1, 28)
                ).isoformat(),
                "active_from": "2026-03-16" if roll < 0.02 else "2025-09-01",
                "active_to": "2026-03-20" if 0.02 <= roll < 0.037 else None,
                "fee_exempt": 1 if rng.random() < 0.02 else None,
                "notes": None,
                "created_at": "2025-08-25T10:00:00.000Z",
            }
            child_id += 1


def day_stays(rng: random.Random) -> list[int] | None:
    """One child's working day as tap times (seconds after local midnight), or None if absent."""
    roll = rng.random()
    if roll < 0.07:
        return None
    arrive = rng.randint(6 * 3600 + 1800, 9 * 3600)
    leave = rng.randint(13 * 3600, 16 * 3600 + 3540)
    if roll < 0.08:
        return [arrive]  # a forgotten departure tap
    times = [arrive, leave]
    if roll < 0.12:  # out to the dentist and back
        out = rng.randint(arrive + 3600, 12 * 3600)
        times[1:1] = [out, out + rng.randint(3600, 7200)]
    if rng.random() < 0.03:  # the card held twice at the reader: debounced
        times.append(arrive + rng.randint(1, 50))
    return sorted(times)


def populate(db: Any, kindergartens: int, seed: int = 2026) -> None:
    """The registry, cards, a month of taps, absences and corrections, by bulk inserts into
    the real schema (the hub's own functions would take hours for a city)."""
    rng = random.Random(seed)
    conn: sqlite3.Connection = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    march = working_days(YEAR, MONTH)
    february = working_days(YEAR, MONTH - 1)
    child_id = 1
    with conn:
        for kg in range(kindergartens):
            reader = f"p{kg:03d}-wejscie"
            conn.execute(
                "INSERT INTO readers (id, name, mode, created_at) VALUES (?, ?, 'toggle', ?)",
                [reader, f"Przedszkole nr {kg + 1}, wejście", "2025-08-25T10:00:00.000Z"],
            )
            conn.execute(
                "INSERT INTO reader_modes (reader_id, valid_from, mode, changed_by) "
                "VALUES (?, '1970-01-01T00:00:00.000Z', 'toggle', 'b')",
                [reader],
            )
            prefix = f"P{kg + 1:03d} " if kindergartens > 1 else ""
            group_ids = [
                cast(int, conn.execute(
                    "INSERT INTO groups (name, teachers, created_at) VALUES (?, ?, ?)",
                    [prefix + name, "p. Kowalska", "2025-08-25T10:00:00.000Z"],
                ).lastrowid)
                for name in GROUP_NAMES
            ]  # fmt: skip
            kids = list(child_rows(rng, group_ids, child_id))
            child_id += len(kids)
            conn.executemany(
                "INSERT INTO children (id, first_name, last_name, group_id, birth_date, active_from, "
                "active_to, fee_exempt, notes, created_at) VALUES (:id, :first_name, :last_name, "
                ":group_id, :birth_date, :active_from, :active_to, :fee_exempt, :notes, :created_at)",
                kids,
            )
            populate_kindergarten(conn, rng, reader, kids, march, february)
    conn.execute("PRAGMA synchronous = FULL")
    fee_settings.save(db, sample_fee_settings())


def populate_kindergarten(
    conn: sqlite3.Connection,
    rng: random.Random,
    reader: str,
    kids: list[dict[str, Any]],
    days: list[date],
    previous: list[date],
) -> None:
    """Cards (one child in five has a second one, for the other parent), the month's taps, the
    absences reported ahead (the previous month's too: they are refunded this month) and the
    teachers' corrections of forgotten taps and unreported absences."""
    uids: dict[int, list[str]] = {}
    card_rows: list[tuple[str, str, int, str]] = []
    for kid in kids:
        uids[kid["id"]] = []
        for holder in ["mama", "tata"] if rng.random() < 0.2 else ["mama"]:
            uid = f"{kid['id'] * 4 + len(uids[kid['id']]):08X}"
            uids[kid["id"]].append(uid)
            card_rows.append((uid, str(len(card_rows) + 1), kid["id"], holder))  # numbered per kindergarten
    conn.executemany(
        "INSERT INTO cards (uid, number, child_id, holder, valid_from, assigned_at, assigned_by) "
        "VALUES (?, ?, ?, ?, '2025-08-25T00:00:00.000Z', '2025-08-25T10:00:00.000Z', 'sekretariat')",
        card_rows,
    )
    absence_rows: list[tuple[Any, ...]] = [
        (kid["id"], day.isoformat(), utc_text(day - timedelta(days=1), 20 * 3600), "rodzic")
        for day in previous
        for kid in kids
        if rng.random() < 0.042
    ]
    seq = 0
    tap_rows: list[tuple[Any, ...]] = []
    fix_rows: list[tuple[Any, ...]] = []
    for day in days:
        day_taps: list[tuple[int, str]] = []
        for kid in kids:
            if kid["active_from"] > day.isoformat() or (
                kid["active_to"] and kid["active_to"] < day.isoformat()
            ):
                continue
            times = day_stays(rng)
            if times is None:
                if rng.random() < 0.6:  # reported by a parent the evening before: meals refunded
                    reported = utc_text(day - timedelta(days=1), 20 * 3600)
                    absence_rows.append((kid["id"], day.isoformat(), reported, "rodzic"))
                elif rng.random() < 0.3:
                    fix_rows.append((kid["id"], day.isoformat(), "mark_absent", None, "choroba"))
                continue
            day_taps += [(moment, rng.choice(uids[kid["id"]])) for moment in times]
            if len(times) == 1 and rng.random() < 0.5:
                fix_rows.append(
                    (kid["id"], day.isoformat(), "add_departure", utc_text(day, 16 * 3600), "zapomniał odbić")
                )
        for moment, uid in sorted(day_taps):
            seq += 1
            at = utc_text(day, moment)
            tap_rows.append((reader, seq, uid, 1, seq * 1000, None, epoch(day, moment), at, at, "clock"))
    conn.executemany(
        "INSERT INTO taps (reader_id, seq, uid, boot, ms, now, device_t, received_at, at, time_quality) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tap_rows,
    )
    conn.executemany(
        "INSERT INTO absences (child_id, day, reported_at, reported_by) VALUES (?, ?, ?, ?)", absence_rows
    )
    conn.executemany(
        "INSERT INTO corrections (child_id, day, kind, at, reason, author, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'p.kowalska', '2026-03-31T15:00:00.000Z')",
        fix_rows,
    )


def cached_database(name: str, kindergartens: int, fresh: bool) -> tuple[Path, float]:
    """The database of `kindergartens`, built once per data and schema version under the temp
    dir: (path, seconds spent building it now, 0 if it came from the cache)."""
    folder = Path(tempfile.gettempdir()) / f"ewidencjoner-{DATA_VERSION}-schema{len(MIGRATIONS)}"
    path = folder / f"{name}.db"
    done = path.with_suffix(".done")
    if done.exists() and path.exists() and not fresh:
        return path, 0.0
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{name}.*"):
        stale.unlink()
    started = time.perf_counter()
    db = open_database(path)
    populate(db, kindergartens)
    db.execute("ANALYZE")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    done.touch()
    return path, time.perf_counter() - started


# -- timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float
    """The fastest run's wall-clock seconds (the others were slowed by neighbours)."""
    cpu: float
    """That run's CPU seconds, this process's and its finished children's (workers, the CLI)."""


def cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def best_of(runs: int, work: Callable[[], T]) -> tuple[Timing, T]:
    """The fastest of `runs` runs, with its result."""
    best, result = Timing(float("inf"), 0.0), None
    for _ in range(runs):
        gc.collect()
        started, cpu = time.perf_counter(), cpu_now()
        result = work()
        elapsed = time.perf_counter() - started
        if elapsed < best.wall:
            best = Timing(elapsed, cpu_now() - cpu)
    return best, result  # type: ignore[return-value]


BASELINE_SQL = """
SELECT child_id, sum(minutes) FROM (
    SELECT k.child_id, (max(julianday(t.at)) - min(julianday(t.at))) * 1440 AS minutes
    FROM taps t JOIN cards k ON k.uid = t.uid
    WHERE t.at >= :start AND t.at < :end
    GROUP BY k.child_id, substr(t.at, 1, 10)
) GROUP BY child_id"""


def baseline(path: Path) -> tuple[int, float]:
    """The single SQL aggregate: (children, total hours)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            BASELINE_SQL, {"start": "2026-02-28T23:00:00.000Z", "end": "2026-03-31T22:00:00.000Z"}
        ).fetchall()
    finally:
        conn.close()
    return len(rows), sum(minutes for _, minutes in rows) / 60


def summary(path: Path, workers: int | None = None) -> FeeSummary:
    """The month's summary as the `fee-summary` report computes it (with adjustments due)."""
    db = open_database(path)
    try:
        if workers is None:
            return months.summary(db, Settings(database=path), YEAR, MONTH)
        return billing.summary(db, Settings(database=path), YEAR, MONTH, workers=workers)
    finally:
        db.close()


def pdf(path: Path, name: str, child_ids: list[int | None]) -> int:
    """Build and render report `name` as PDF for each child given (None: the whole
    kindergarten); the bytes written."""
    db = open_database(path)
    try:
        size = 0
        for child_id in child_ids:
            period = reports.Period(month=(YEAR, MONTH))
            report = reports.build(name, db, Settings(database=path), period, child_id=child_id)
            size += len(reports.render(report, "pdf"))
        return size
    finally:
        db.close()


def every_child_pdf(path: Path) -> int:
    """Every child's stay report built and rendered as one PDF (`--every-child`); the bytes."""
    db = open_database(path)
    try:
        period = reports.Period(month=(YEAR, MONTH))
        every = reports.build_every_child("stay-report", db, Settings(database=path), period)
        return len(reports.render_every_child(every, "pdf"))
    finally:
        db.close()


def cold_cli_pdf(path: Path, name: str = "fee-summary", *extra: str) -> int:
    """`ewidencjoner report NAME --format pdf` in a new process, as a secretary runs it."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "raport.pdf"
        subprocess.run(
            [str(Path(sys.executable).parent / "ewidencjoner"), "--database", str(path), "report",
             name, "--month", f"{YEAR}-{MONTH:02d}", "--format", "pdf", "-o", str(out), *extra],
            check=True, capture_output=True,
        )  # fmt: skip
        return out.stat().st_size


Row = tuple[str, Timing, float | None, tuple[str, Timing]]
"""A figure: its label, its timing, its target (None: none) and its baseline."""


def pdf_rows(path: Path, children: list[int | None], runs: int, base: Timing) -> tuple[list[Row], str]:
    """The kindergarten's PDFs (Typst), each built and rendered: the rows of the table and a
    line with their sizes."""
    line = ("SQL aggregate, kindergarten", base)
    fee_t, fee_bytes = best_of(runs, lambda: pdf(path, "fee-summary", [None]))
    cli_t, _ = best_of(runs, lambda: cold_cli_pdf(path))
    grid_t, grid_bytes = best_of(runs, lambda: pdf(path, "monthly-grid", [None]))
    cli_grid_t, _ = best_of(runs, lambda: cold_cli_pdf(path, "monthly-grid"))
    # Typst keeps laid-out pieces in a cache for a few compilations: the one PDF of every
    # child goes first, so that it does not profit from the PDFs made one by one.
    every_t, every_bytes = best_of(1, lambda: every_child_pdf(path))
    stay_t, stay_bytes = best_of(1, lambda: pdf(path, "stay-report", children))
    cli_every_t, _ = best_of(1, lambda: cold_cli_pdf(path, "stay-report", "--every-child"))
    one_each = (f"{len(children)} PDFs, one per child", stay_t)
    rows: list[Row] = [
        ("kindergarten fee-summary PDF", fee_t, TARGETS["pdf"], line),
        ("  the same, cold `ewidencjoner report`", cli_t, TARGETS["pdf"], line),
        ("kindergarten monthly-grid PDF", grid_t, TARGETS["grid"], line),
        ("  the same, cold `ewidencjoner report`", cli_grid_t, TARGETS["pdf"], line),
        (f"stay reports ×{len(children)}, one PDF per child", stay_t, None, line),
        ("  every child's in one PDF", every_t, TARGETS["stays"], one_each),
        ("  the same, cold `report --every-child`", cli_every_t, TARGETS["stays"], one_each),
    ]
    sizes = (
        f"PDFs: fee summary {fee_bytes:,} B, monthly grid {grid_bytes:,} B, stay reports "
        f"{stay_bytes:,} B ({stay_t.wall / len(children):.3f} s each), every child's in one "
        f"{every_bytes:,} B ({every_t.wall / len(children):.3f} s a child)"
    )
    return rows, sizes


def print_rows(rows: list[Row]) -> None:
    print(f"\n{'figure':40} {'wall s':>8} {'CPU s':>7}  {'target':9} {'baseline (same run)':28} "
          f"{'wall s':>7} {'ratio':>6}")  # fmt: skip
    for label, timing, target, (base_label, base) in rows:
        verdict = "" if target is None else f"< {target:g} s " + ("✔" if timing.wall < target else "✘")
        ratio = timing.wall / base.wall
        print(f"{label:40} {timing.wall:8.2f} {timing.cpu:7.2f}  {verdict:9} {base_label:28} "
              f"{base.wall:7.3f} {ratio:5.{0 if ratio >= 10 else 2}f}×")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--runs", type=int, default=3, help="runs per kindergarten figure (best kept)")
    parser.add_argument("--city-runs", type=int, default=2, help="runs of the city summary (best kept)")
    parser.add_argument("--pdf-only", action="store_true", help="only the kindergarten's PDFs (no city)")
    args = parser.parse_args()

    kg_path, kg_built = cached_database("kindergarten", 1, args.fresh)
    db = open_database(kg_path)
    children: list[int | None] = [row[0] for row in db.execute("SELECT id FROM children ORDER BY id")]
    db.close()
    kg_base, (kg_children, kg_hours) = best_of(args.runs, lambda: baseline(kg_path))
    if args.pdf_only:
        rows, sizes = pdf_rows(kg_path, children, args.runs, kg_base)
        print_rows(rows)
        print(f"\n{sizes}")
        return
    city_path, city_built = cached_database("city", CITY_KINDERGARTENS, args.fresh)
    print(f"data {DATA_VERSION}: kindergarten built in {kg_built:.1f} s, city in {city_built:.1f} s "
          f"(0.0: from the cache)\n  {kg_path}\n  {city_path}", flush=True)  # fmt: skip

    city_base, (city_children, city_hours) = best_of(args.runs, lambda: baseline(city_path))
    kg_summary_t, kg_summary = best_of(args.runs, lambda: summary(kg_path))
    pdfs, sizes = pdf_rows(kg_path, children, args.runs, kg_base)
    city_t, city_summary = best_of(args.city_runs, lambda: summary(city_path))
    serial_t, serial_summary = best_of(1, lambda: summary(city_path, workers=1))
    if serial_summary.total != city_summary.total:
        raise SystemExit("the city's summary in one process differs from the one in workers")

    kg_line, city_line = ("SQL aggregate, kindergarten", kg_base), ("SQL aggregate, city", city_base)
    print_rows([
        ("kindergarten fee summary", kg_summary_t, None, kg_line),
        *pdfs,
        ("city fee summary", city_t, TARGETS["city"], city_line),
        ("  the same, one process (no workers)", serial_t, TARGETS["city"], city_line),
    ])  # fmt: skip
    print()
    for name, result, with_taps, hours in (
        ("kindergarten", kg_summary, kg_children, kg_hours),
        ("city", city_summary, city_children, city_hours),
    ):
        total = result.total
        print(
            f"{name}: {total.children} children, {with_taps} with taps, {hours:,.0f} h by the aggregate; "
            f"{total.minutes_billed / 60:,.0f} h billed; {total.total} zł = fee {total.stay_fee} + meals "
            f"{total.meals_charged} − refunds {total.meals_refunded}; {total.incomplete_days} days to explain"
        )
    print(sizes)


if __name__ == "__main__":
    main()
