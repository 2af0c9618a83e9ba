"""The end of a 150-child kindergarten's school year, the whole routine (issue 12's "done
when": close messages, archive, verify, back up, purge).

`.venv/bin/python bench/year_end.py [--fresh]`. The data is `bench/attendance_stats.py`'s
(the same 150 children, 6 groups and school year 2025/26 as `bench/archive.py`), each run
on a fresh copy of it, with the disk a temporary directory.

Times, in the same run:
- `year-end run`: `hub.services.year_end.run`, each step as the page and the command do it;
- baseline: the same five steps called straight on their own services on another copy
  (`close_year`, `write_archive`, `verify_archive`, `make_backup`, `purge`): what the
  routine's order, its records and its reading them back cost on top;
- `year-end run` again: every step reported done, nothing redone (reading the state).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.attendance_stats import DATA_VERSION, NOW, START_YEAR, cached_database
from bench.reports import Timing, best_of
from hub.config import Settings
from hub.rules.year_end import STEPS, backup_purpose, school_year_name
from hub.services import backups, retention, year_end
from hub.services.archive import verify_archive, write_archive
from hub.store import messages
from hub.store.db import open_database

ACTOR = "bench"


def fresh_site(source: Path, work: Path, name: str) -> Settings:
    folder = work / name
    (folder / "dysk").mkdir(parents=True)
    shutil.copyfile(source, folder / "year.db")
    return Settings(database=folder / "year.db", archive_dir=folder / "dysk")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    source, built = cached_database(args.fresh)
    print(f"data {DATA_VERSION}: built in {built:.1f} s (0.0: from the cache)\n  {source}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ewidencjoner-year-end-bench-"))
    moments = (NOW + timedelta(days=1, minutes=minute) for minute in range(1000))
    try:
        routine_site, straight_site = (
            fresh_site(source, work, "routine"),
            fresh_site(source, work, "straight"),
        )
        db = open_database(routine_site.database)
        seen: list[year_end.Outcome] = []

        def routine() -> year_end.YearEnd:
            return year_end.run(db, routine_site, START_YEAR, folder=routine_site.archive_dir or work,
                                actor=ACTOR, now=lambda: next(moments), report=seen.append)  # fmt: skip

        routine_t, state = best_of(1, routine)
        again_t, _ = best_of(1, routine)
        made = [outcome.step for outcome in seen if outcome.result == "made"]
        db.close()

        straight = open_database(straight_site.database)
        disk = straight_site.archive_dir or work

        def steps() -> list[str]:
            messages.close_year(
                straight, school_year_name(START_YEAR), actor=ACTOR, today=next(moments).date()
            )
            summary = write_archive(straight, straight_site, START_YEAR, disk / "archiwum", author=ACTOR,
                                    now=next(moments))  # fmt: skip
            found = verify_archive(summary.path)
            backups.make_backup(
                straight, database=straight_site.database, backup_dir=disk, site="bench", made_by=ACTOR,
                purpose=backup_purpose(START_YEAR), now=next(moments),
            )  # fmt: skip
            retention.purge(straight, straight_site, next(moments), actor=ACTOR)
            return found

        straight_t, found = best_of(1, steps)
        straight.close()
        assert state.next is None and made == list(STEPS) and not found
        rows: list[tuple[str, Timing]] = [
            ("year-end run (close, archive, verify, backup, purge)", routine_t),
            ("baseline: the five services called straight", straight_t),
            ("year-end run again (every step done: reported)", again_t),
        ]
        print(f"\nschool year {school_year_name(START_YEAR)}; load average {os.getloadavg()[0]:.1f}")
        print(f"{'figure':54} {'wall s':>7} {'CPU s':>7} {'÷ straight':>11}")
        for label, timing in rows:
            print(f"{label:54} {timing.wall:7.3f} {timing.cpu:7.3f} {timing.cpu / straight_t.cpu:10.3f}×")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
