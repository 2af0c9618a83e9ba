"""City morning benchmark (issue 16): how long a tap takes from a kindergarten to the city.

Not a test: it prints figures. Run it with `.venv/bin/python bench/city_morning.py`.

A real three-node NATS cluster, a real PostgreSQL and two `ewidencjoner city serve`
processes (as tests/city/test_city_simulation.py starts them). 41 sites of 293 children
each (12,013 arrivals, the issue's ~12,000) replay a morning's arrivals, 90 minutes of them
in `--seconds`, each tap stored on its site as ingest stores it, at its time. For each tap
the delay is from its storing on the site (`received_at`) to its row committed in the
city's `taps` table: a deferred trigger in the bench's own PostgreSQL notes the clock at the
commit of each row the service inserts.

1. **through the site links**: each site's real `SiteLink` sends what it stored.
2. **baseline, straight to the stream**: the same taps of 41 other sites published to the
   stream at their time by one client, no site database and no link: what the stream and
   the service alone cost.

Target: p95 ≤ 2 s through the site links.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import nats
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.city.config import CityConfig
from hub.city.events import tap_event
from hub.city.site_link import SiteLink
from hub.rules.attendance import local_instant
from hub.rules.attendance.calendar import WARSAW
from hub.store.db import SiteDatabase, connect
from hub.timefmt import to_db, utc_now
from tests.city.service_support import ServiceProcess
from tests.city.sim_sites import MORNING, SimSite, Tap, make_sites
from tests.city.sim_view import CityView
from tests.city_support import NatsCluster, Postgres
from tests.support import wait_until

TARGET_P95_S = 2.0

ARRIVALS_SQL = """
CREATE TABLE bench_arrivals (
    site text NOT NULL, reader text NOT NULL, seq bigint NOT NULL,
    received_at timestamptz NOT NULL, committed_at timestamptz NOT NULL
);
CREATE FUNCTION bench_arrival() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_arrivals VALUES (NEW.site, NEW.reader, NEW.seq, NEW.received_at, clock_timestamp());
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER bench_arrival AFTER INSERT ON taps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bench_arrival();
"""
"""A deferred trigger runs as its transaction commits: `committed_at` is when the row
became the city's, not when the service began writing it."""


def schedule(sites: list[SimSite], today: date, seconds: float) -> list[tuple[float, SimSite, Tap]]:
    """Every site's arrivals, each at its offset in the replay (90 minutes in `seconds`)."""
    start = local_instant(today, MORNING[0])
    scale = seconds / (MORNING[1] * 60)
    plan = [
        ((tap.at - start).total_seconds() * scale, site, tap)
        for site in sites
        for tap in site.arrivals(today)
    ]
    return sorted(plan, key=lambda item: item[0])


def replay(plan: list[tuple[float, SimSite, Tap]], store: Callable[[SimSite, list[Tap]], None]) -> None:
    """Hand each tap to `store` at its offset from now, those due together site by site."""
    began = time.monotonic()
    index = 0
    while index < len(plan):
        now = time.monotonic() - began
        due: dict[str, tuple[SimSite, list[Tap]]] = {}
        while index < len(plan) and plan[index][0] <= now:
            _, site, tap = plan[index]
            due.setdefault(site.site, (site, []))[1].append(tap)
            index += 1
        for site, taps in due.values():
            store(site, taps)
        if index < len(plan):
            time.sleep(max(0.0, min(0.02, plan[index][0] - (time.monotonic() - began))))


def through_links(
    sites: list[SimSite],
    plan: list[tuple[float, SimSite, Tap]],
    servers: list[str],
    view: CityView,
    done: Callable[[], bool],
) -> None:
    """Replay the morning on the sites, each with its link running, once the city holds
    their registries (the morning's taps do not queue behind 12,000 children), until `done`."""
    links = [SiteLink(opener(site.settings.database), site.site, servers) for site in sites]
    for link in links:
        link.start()
    try:
        registered = {site.site: len(site.event_keys()) for site in sites}
        wait_until(
            lambda: all(view.counts("events").get(name) == count for name, count in registered.items()),
            timeout=600,
            interval=0.5,
        )
        replay(plan, lambda site, taps: site.store(taps, received=utc_now()))
        wait_until(done, timeout=300, interval=0.2)
    finally:
        for link in links:
            link.stop()


def opener(path: Path) -> Callable[[], SiteDatabase]:
    return lambda: connect(path)


def straight_to_stream(plan: list[tuple[float, SimSite, Tap]], servers: list[str]) -> None:
    """Publish each tap as its site's link would, at its time, from one client."""

    async def run() -> None:
        client = await nats.connect(servers=servers)
        js = client.jetstream()
        seqs: dict[str, int] = defaultdict(int)
        began = time.monotonic()
        try:
            for offset, site, tap in plan:
                await asyncio.sleep(max(0.0, offset - (time.monotonic() - began)))
                name = f"b{site.site[1:]}"
                seqs[name] += 1
                row = {
                    "reader_id": tap.reader, "seq": seqs[name], "at": to_db(tap.at),
                    "received_at": to_db(utc_now()), "time_quality": "clock",
                    "child_id": site.child_of(tap.uid), "mode": "in",
                }  # fmt: skip
                event = tap_event(name, row)
                await js.publish(event.subject, event.data(), headers={"Nats-Msg-Id": f"{name}:{event.key}"})
        finally:
            await client.close()

    asyncio.run(run())


def delays(conn: psycopg.Connection, prefix: str) -> list[float]:
    rows = conn.execute(
        "SELECT extract(epoch FROM committed_at - received_at) FROM bench_arrivals WHERE site LIKE %s",
        [prefix + "%"],
    ).fetchall()
    return [float(row[0]) for row in rows]


def arrived(conn: psycopg.Connection, prefix: str) -> int:
    row = conn.execute("SELECT count(*) FROM bench_arrivals WHERE site LIKE %s", [prefix + "%"]).fetchone()
    return int(row[0]) if row else 0


def figures(found: list[float]) -> str:
    ordered = sorted(found)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{statistics.median(ordered):7.3f} {p95:7.3f} {ordered[-1]:7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=41)
    parser.add_argument("--children", type=int, default=293, help="children per site, one arrival each")
    parser.add_argument("--seconds", type=float, default=60.0, help="the 90 minutes replayed in this long")
    args = parser.parse_args()
    today = datetime.now(WARSAW).date()
    with tempfile.TemporaryDirectory(prefix="city-morning-") as tmp:
        workdir = Path(tmp)
        sites = make_sites(workdir / "sites", args.sites, args.children, since=today.replace(day=1))
        plan = schedule(sites, today, args.seconds)
        with NatsCluster(workdir) as cluster, Postgres() as pg:
            config = CityConfig(tuple(cluster.urls), pg.dsn)
            services = [ServiceProcess(config, name, workdir) for name in ("a", "b")]
            view = CityView(pg.dsn)
            conn = view.conn
            try:
                for service in services:
                    service.start()
                conn.execute(ARRIVALS_SQL)
                straight_to_stream(plan, cluster.urls)
                wait_until(lambda: arrived(conn, "b") == len(plan), timeout=300, interval=0.2)
                through_links(sites, plan, cluster.urls, view, lambda: arrived(conn, "p") == len(plan))
                baseline, linked = delays(conn, "b"), delays(conn, "p")
            finally:
                for service in services:
                    service.stop()
                view.close()
    print(
        f"city morning: {args.sites} sites, {len(plan):,} arrivals over {MORNING[1]} min "
        f"replayed in {args.seconds:.0f} s; delay from the site's store to the city's commit (s)"
    )
    print(f"{'':28}{'p50':>7} {'p95':>7} {'max':>7}")
    print(f"{'baseline: straight to stream':28}{figures(baseline)}")
    p95 = sorted(linked)[int(0.95 * (len(linked) - 1))]
    verdict = "✔" if p95 <= TARGET_P95_S else "✘"
    print(f"{'through the site links':28}{figures(linked)}   target p95 ≤ {TARGET_P95_S:.0f} s {verdict}")


if __name__ == "__main__":
    main()
