"""The gmina's panel benchmark (issue 16): the city's fee summary for 60,000 children, and the
panel's pages with 20 officers reading them.

Not a test: it prints figures. Run it with `.venv/bin/python bench/city_panel.py`.

A PostgreSQL cluster of its own (`tests.city_support.Postgres`) is filled straight with
COPY, as `city serve` would have filled it: 41 kindergartens, 60,000 children in 6 groups
each, last month's statements (one child in 20 with a corrected second version) and every
child's days of last month and of this month up to today (about nine days in ten present,
times between 7:00 and 16:30; today's, some still in).

1. Fee summary: `hub.city.panel_queries.fee_summary` for last month (per kindergarten and
   the city's total, each child's latest statement) against a plain SQL aggregate over the
   same rows in the same run (sums per site of every row, no versions). Target: ≤ 5×.
2. Each aggregate once, cold: what the first page asking for a figure, or a refresh behind
   the pages (`web/city/figures.py`), costs.
3. Pages: `ewidencjoner city panel` in its own process; 20 officers, each signed in, read
   the city today (`/`), attendance (`/attendance`, this month), fees (`/fees`, last month)
   and one kindergarten (`/sites/ID`) with a pause of about `--think` seconds between pages,
   after one warm-up round (the figures computed once). Baseline in the same run with the
   same officers: a static file. Target: p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.accounts import passwords
from hub.city import officers, panel_queries
from hub.city.pg_schema import migrate
from hub.rules.attendance.calendar import working_days
from tests.city_support import Postgres
from tests.support import free_port, wait_until

SITES = 41
CHILDREN = 60_000
GROUPS = 6
OFFICERS = 20
PASSWORD = "Urzednik2026x"
WARSAW = ZoneInfo("Europe/Warsaw")
NULL = "\\N"
"""COPY's text format for a missing value."""
PLAIN = """SELECT site, sum(stay_fee), sum(meals_charged), sum(meals_refunded)
           FROM statements WHERE year = %s AND month = %s GROUP BY site"""
"""The baseline: the same month's rows summed per site, every version counted."""


def copy_rows(conn: psycopg.Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill(conn: psycopg.Connection, today: date, seed: int = 16) -> tuple[date, int]:
    """The city as above; returns last month's first day and the child-days written."""
    chance = random.Random(seed)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    sites = [f"p{number:02d}" for number in range(1, SITES + 1)]
    copy_rows(conn, "sites", "site, name", [(site, f"Przedszkole nr {site[1:]}") for site in sites])
    copy_rows(
        conn,
        "groups",
        "site, group_id, name, change_id",
        [(site, group, f"Grupa {group}", 1) for site in sites for group in range(1, GROUPS + 1)],
    )
    children = [(sites[index % SITES], 1_000_000 + index) for index in range(CHILDREN)]
    copy_rows(
        conn,
        "children",
        "site, child_id, group_id, birth_year, active_from, active_to, change_id",
        [(site, child, child % GROUPS + 1, 2021, date(2025, 9, 1), None, 1) for site, child in children],
    )
    statements = []
    for site, child in children:
        versions = 2 if child % 20 == 0 else 1
        for version in range(1, versions + 1):
            stay = round(chance.uniform(0, 180), 2)
            meals = round(chance.uniform(150, 300), 2)
            statements.append(
                (
                    site,
                    last_month.year,
                    last_month.month,
                    child,
                    version,
                    stay,
                    meals,
                    round(meals / 10, 2),
                    0,
                    0,
                    "{}",
                )
            )
    copy_rows(
        conn,
        "statements",
        "site, year, month, child_id, version, stay_fee, meals_charged, meals_refunded, minutes_billed, "
        "days_billed, billed",
        statements,
    )
    days = [*working_days(last_month.year, last_month.month), *working_days(today.year, today.month)]
    buffer = io.StringIO()
    written = 0
    for day in (day for day in days if day <= today):
        for site, child in children:
            if chance.random() > 0.9:
                continue
            arrived = datetime(day.year, day.month, day.day, 7, tzinfo=WARSAW) + timedelta(
                minutes=chance.randrange(0, 120)
            )
            left = arrived + timedelta(minutes=chance.randrange(240, 570))
            in_now = day == today and chance.random() < 0.8
            departure, minutes = (NULL, 0) if in_now else (left.isoformat(), (left - arrived).seconds // 60)
            row = (site, str(child), str(day), arrived.isoformat(), departure, str(minutes), "ft"[in_now])
            buffer.write("\t".join(row) + "\n")
            written += 1
    with conn.cursor().copy(
        "COPY child_days (site, child_id, day, arrived_at, left_at, minutes, present_now) FROM STDIN"
    ) as copy:
        copy.write(buffer.getvalue())
    conn.execute(
        """INSERT INTO fee_resolutions (valid_from, document, basis, set_by)
           VALUES (%s, %s, 'Uchwała', 'bench')""",
        [date(2025, 9, 1), json.dumps({"hourly_rate": "1.30", "free_hours": 5})],
    )
    conn.execute("ANALYZE")
    return last_month, written


def fee_summary_against_plain(
    conn: psycopg.Connection, month: date, runs: int
) -> tuple[list[float], list[float]]:
    """Each run times both, one after the other, so the machine's load falls on both alike."""
    summary_times, plain_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        summary = panel_queries.fee_summary(conn, month.year, month.month)
        summary_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain = conn.execute(PLAIN, [month.year, month.month]).fetchall()
        plain_times.append(time.perf_counter() - started)
    assert summary.total.children == CHILDREN and len(plain) == SITES
    return summary_times, plain_times


async def signed_in(base: str, login: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "login": login,
            "password": PASSWORD,
            "csrf_token": client.cookies.get("ewid_city_login_csrf", ""),
        },
        follow_redirects=True,
    )
    if response.status_code != 200 or "/login" in str(response.url):
        raise RuntimeError(f"login failed for {login}: {response.status_code}")
    return client


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


PAGES = {
    "static": "/static/style.css",
    "city": "/",
    "attendance": "/attendance",
    "fees": "/fees",
    "site": "/sites/p07",
}


async def read_pages(base: str, rounds: int, think: float) -> dict[str, list[float]]:
    clients = [await signed_in(base, f"urzednik{number}") for number in range(OFFICERS)]
    for client in clients:  # warm up: templates compiled, connections opened, figures computed
        for path in PAGES.values():
            await client.get(path)
    timings: dict[str, list[float]] = {name: [] for name in PAGES}
    chance = random.Random(11)

    async def officer(client: httpx.AsyncClient) -> None:
        for _ in range(rounds):
            for name, path in PAGES.items():
                await asyncio.sleep(chance.uniform(0, 2 * think))
                started = time.perf_counter()
                response = await client.get(path)
                timings[name].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

    await asyncio.gather(*(officer(client) for client in clients))
    for client in clients:
        await client.aclose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=20, help="Fee summaries and plain aggregates (default 20)."
    )
    parser.add_argument("--rounds", type=int, default=10, help="Requests per officer and page (default 10).")
    parser.add_argument("--think", type=float, default=1.0, help="Mean pause between pages (default 1 s).")
    args = parser.parse_args()
    today = datetime.now(WARSAW).date()
    with Postgres() as pg, psycopg.connect(pg.dsn, autocommit=True) as conn:
        migrate(conn)
        started = time.perf_counter()
        month, child_days = fill(conn, today)
        print(f"filled in {time.perf_counter() - started:.1f} s: {SITES} kindergartens, {CHILDREN} children, "
              f"{child_days} child-days, statements of {month:%Y-%m}")  # fmt: skip
        summary, plain = fee_summary_against_plain(conn, month, args.runs)
        print(f"\n{'':<52} {'n':>4} {'median ms':>10} {'max ms':>9}  target")
        for name, samples, target in (
            ("baseline: plain SQL aggregate of the month", plain, ""),
            ("fee_summary (latest versions, per site + city)", summary, "≤ 5× baseline"),
        ):
            print(f"{name:<52} {len(samples):>4} {statistics.median(samples) * 1000:>10.1f} "
                  f"{max(samples) * 1000:>9.1f}  {target}")  # fmt: skip
        ratio = statistics.median(summary) / statistics.median(plain)
        print(f"ratio of medians: {ratio:.2f}× {'✔' if ratio <= 5 else '✘'}")
        print("\neach aggregate once, cold (what a page's first request or a refresh costs):")
        days = tuple(day for day in working_days(today.year, today.month) if day < today)
        for name, query in (
            ("today_by_site", lambda: panel_queries.today_by_site(conn, today)),
            ("attendance, this month, per site", lambda: panel_queries.attendance(conn, days)),
            (
                "attendance, this month, one site's groups",
                lambda: panel_queries.attendance(conn, days, "p07"),
            ),
            ("fee_summary, last month", lambda: panel_queries.fee_summary(conn, month.year, month.month)),
        ):
            started = time.perf_counter()
            query()
            print(f"  {name:<50} {(time.perf_counter() - started) * 1000:>8.1f} ms")
        hashed = passwords.hash_password(PASSWORD)
        for number in range(OFFICERS):
            officers.add(conn, f"urzednik{number}", f"Urzędnik {number}", hashed)
        port = free_port()
        command = ["city", "panel", "--postgres", pg.dsn, "--port", str(port), "--insecure-cookies"]
        panel = subprocess.Popen([sys.executable, "-m", "web", *command])  # plain http on 127.0.0.1
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: _answers(base), timeout=30)
            timings = asyncio.run(read_pages(base, args.rounds, args.think))
        finally:
            panel.terminate()
            panel.wait(timeout=10)
    print(f"\n{OFFICERS} officers, ~{args.think:g} s between pages")
    print(f"{'':<40} {'n':>6} {'p50 ms':>9} {'p95 ms':>9}  target")
    for name, path in PAGES.items():
        p50, p95 = percentiles(timings[name])
        label = "baseline: static file" if name == "static" else f"{name} {path}"
        target = "" if name == "static" else f"p95 ≤ 100 ms {'✔' if p95 <= 0.1 else '✘'}"
        print(f"{label:<40} {len(timings[name]):>6} {p50 * 1000:>9.1f} {p95 * 1000:>9.1f}  {target}")


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
