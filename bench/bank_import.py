"""Importing a bank statement: 5,000 transfers in one MT940 file for a 1,000-child site.

`.venv/bin/python bench/bank_import.py [--runs N]` (part of `make bench`). Builds a fresh
database through the hub's own schema: 1,000 children in 40 groups, the bank's prefix for
individual accounts set, and each child's September charge on the ledger. The statement: 5,000
credits over October — 60 % to children's individual accounts, 25 % with the child's `EW-`
number in the title, 10 % with the child's name in the title, 5 % matching nobody — with
ZBP-style `:86:` details.

Times, each the best of `--runs` (CPU time beside wall time: the machine is shared):
- **parse only** (the baseline): the file read and checked by `bank_files.read_mt940` (the
  `mt-940` parser and our field checks), nothing stored;
- **import**: `payments.import_file` into a fresh database — parse, fingerprint, ask which
  are known, match, store the transfers and the payments in one transaction, audit;
- **import again**: the same file a second time (idempotent: nothing stored).
Target: import ≤ 5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.rules.ledger import child_account
from hub.rules.ledger.bank_files import read_mt940
from hub.services import payments
from hub.store import ledger, money_settings, registry
from hub.store.db import open_database
from hub.timefmt import to_db, utc_now
from tests.ledger.ledger_support import details, mt940

CHILDREN = 1_000
TRANSFERS = 5_000
PREFIX = "1090101400000712"
FIRST = ["Anna", "Jan", "Zofia", "Łucja", "Mikołaj", "Ignacy", "Hanna", "Żaneta", "Piotr", "Ewa"]
LAST = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska"]


def first_name(child: int) -> str:
    return f"{FIRST[child % len(FIRST)]}{child}"


def last_name(child: int) -> str:
    return LAST[child % len(LAST)]


def site(path: Path) -> None:
    db = open_database(path)
    money_settings.set_values(db, {"account_prefix": PREFIX}, author="bench")
    for g in range(40):
        registry.add_group(db, f"Grupa {g + 1}", author="bench")
    now = to_db(utc_now())
    with db.atomic():
        db.table("children").insert_all(
            {"first_name": first_name(c), "last_name": last_name(c), "group_id": c % 40 + 1,
             "active_from": "2026-09-01", "notes": "", "created_at": now}
            for c in range(1, CHILDREN + 1)
        )  # fmt: skip
        ledger.add_entries(
            db,
            (
                {"child_id": c, "kind": "stay", "amount": 20_000, "booked_on": "2026-09-30",
                 "due_on": "2026-10-15", "period": "2026-09", "description": "Opłata 2026-09",
                 "source": "month:2026-09", "created_at": now, "created_by": "bench"}
                for c in range(1, CHILDREN + 1)
            ),
        )  # fmt: skip
    db.close()


def statement() -> str:
    rnd = random.Random(2)
    credits = []
    for i in range(TRANSFERS):
        child = rnd.randint(1, CHILDREN)
        day = date(2026, 10, 1) + timedelta(days=i % 31)
        kind = rnd.random()
        if kind < 0.60:
            text = details("Opłata za przedszkole", to_account=child_account(PREFIX, child))
        elif kind < 0.85:
            text = details(f"EW-{child} opłata wrzesień")
        elif kind < 0.95:
            text = details(f"Przedszkole {first_name(child)} {last_name(child)} wrzesień")
        else:
            text = details("Darowizna na festyn")
        credits.append((day, rnd.randint(1_000, 40_000), text))
    return mt940(credits, opening=0)


def best(
    runs: int, prepare: Callable[[], object], work: Callable[[object], object]
) -> tuple[float, float, object]:
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(runs):
        state = prepare()
        w0, c0 = time.perf_counter(), time.process_time()
        result = work(state)
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = statement()
    data = text.encode()
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        site(template)
        copies = iter(range(10_000))

        def fresh() -> object:
            path = Path(folder) / f"run{next(copies)}.db"
            path.write_bytes(template.read_bytes())
            return open_database(path)

        parse_wall, parse_cpu, parsed = best(args.runs, lambda: None, lambda _: read_mt940(text))
        import_wall, import_cpu, result = best(
            args.runs, fresh, lambda db: payments.import_file(db, data, file_name="bench.sta", author="bench")
        )
        db = fresh()
        payments.import_file(db, data, file_name="bench.sta", author="bench")
        again_wall, again_cpu, again = best(
            args.runs,
            lambda: db,
            lambda db: payments.import_file(db, data, file_name="bench.sta", author="bench"),
        )
    print(
        f"statement: {len(data) / 1e6:.2f} MB, {TRANSFERS} credits, {CHILDREN} children; best of {args.runs}"
    )
    transfers = len(parsed.transfers)  # type: ignore[attr-defined]
    print(f"parse only (baseline): {parse_wall:6.2f} s wall, {parse_cpu:6.2f} s CPU  ({transfers} transfers)")
    print(f"import:                {import_wall:6.2f} s wall, {import_cpu:6.2f} s CPU  "
          f"({result.new} new, {result.matched} matched, {result.unmatched} to assign)")  # fmt: skip
    print(f"import again:          {again_wall:6.2f} s wall, {again_cpu:6.2f} s CPU  ({again.new} new)")
    print(f"import / parse: {import_wall / parse_wall:.2f}; target import <= 5 s: "
          f"{'met' if import_wall <= 5 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
