"""The yearly archive of a 150-child kindergarten's school year (issue 12: ≤ 60 s).

`.venv/bin/python bench/archive.py [--fresh]`. The data is `bench/attendance_stats.py`'s
(built once, then from its cache under the temp dir): 150 children in 6 groups, one toggle
reader, school year 2025/26 with two taps per child per working day, absences, forgotten
departures, teachers' marks, a closed day. Each figure works on a fresh copy of it (writing
an archive adds to the register of copies and the audit log).

Times, in the same run:
- `archive write`: `hub.services.archive.write_archive`, the XML, its schema check, the
  PDFs (a monthly grid per group and month, the year's statistics) and the manifest;
- `archive verify`: every file's SHA-256 and the XML against the schema;
- baseline 1: `VACUUM INTO`, a whole consistent copy of the same database (what a backup
  writes): the cost of copying the year at all;
- baseline 2: the plain SQL dump of the same database (`iterdump`), the cheapest "export"
  of its tables as text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.attendance_stats import DATA_VERSION, NOW, START_YEAR, cached_database
from bench.reports import Timing, best_of
from hub.config import Settings
from hub.services.archive import ArchiveSummary, verify_archive, write_archive
from hub.store.db import open_database

TARGET_S = 60.0


def size_of(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    source, built = cached_database(args.fresh)
    print(f"data {DATA_VERSION}: built in {built:.1f} s (0.0: from the cache)\n  {source}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ewidencjoner-archive-bench-"))
    try:
        database = work / "year.db"
        shutil.copyfile(source, database)
        settings = Settings(database=database)
        db = open_database(database)

        def archive() -> ArchiveSummary:
            return write_archive(db, settings, START_YEAR, work / "archiwum", author="bench", now=NOW)

        def vacuum_into() -> Path:
            target = work / "vacuum.db"
            db.execute("VACUUM INTO ?", [str(target)])
            return target

        def sql_dump() -> Path:
            target = work / "dump.sql"
            conn = sqlite3.connect(database)
            with target.open("w", encoding="utf-8") as handle:
                for line in conn.iterdump():
                    handle.write(line + "\n")
            conn.close()
            return target

        vacuum_t, vacuum = best_of(1, vacuum_into)
        dump_t, dump = best_of(1, sql_dump)
        archive_t, summary = best_of(1, archive)
        verify_t, found = best_of(1, lambda: verify_archive(summary.path))
        db.close()
        xml = summary.path / "archive.xml"
        rows: list[tuple[str, Timing, int]] = [
            ("archive write (XML, schema check, PDFs, manifest)", archive_t, summary.size_bytes),
            ("archive verify (hashes, XML against the schema)", verify_t, summary.size_bytes),
            ("baseline 1: VACUUM INTO (whole database)", vacuum_t, size_of(vacuum)),
            ("baseline 2: SQL dump (iterdump, whole database)", dump_t, size_of(dump)),
        ]
        pdfs = len(list((summary.path / "pdf").iterdir()))
        print(
            f"\nschool year {START_YEAR}/{START_YEAR + 1}: {summary.files} files, "
            f"{summary.size_bytes / 1e6:.1f} MB (archive.xml {xml.stat().st_size / 1e6:.1f} MB, "
            f"{pdfs} PDFs); "
            f"verify found {len(found)} problems; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"{'figure':52} {'wall s':>7} {'CPU s':>7} {'MB':>7} {'÷ VACUUM':>9}")
        for label, timing, size in rows:
            ratio = timing.wall / vacuum_t.wall
            print(f"{label:52} {timing.wall:7.2f} {timing.cpu:7.2f} {size / 1e6:7.1f} {ratio:8.1f}×")
        # On a machine shared with other work the wall clock mostly measures the neighbours; the
        # archive is written in one thread, so on an idle machine its wall time is its CPU time.
        verdict = "✔" if archive_t.cpu <= TARGET_S else "✘"
        print(
            f"target: the archive of a 150-child school year ≤ {TARGET_S:g} s of CPU {verdict} "
            f"(wall {archive_t.wall:.1f})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
