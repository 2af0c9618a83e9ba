"""A city on one machine (issue 16): 41 kindergartens of 150 children each, every one a real
site database with its own link (`SiteLink`) to a real three-node NATS cluster, and two
instances of `ewidencjoner city serve` consuming into a real PostgreSQL.

The sites have a day of last month stored and send it when they join; this morning they
replay their arrivals step by step, and while they do: the sites close last month, the
NATS node leading the stream is killed and brought back, one city service instance is
SIGKILLed and started again, each site corrects a child's day, and one site is cut off
from the city for the whole day (it keeps storing its taps, corrects, closes its month)
and joins again after. Each step waits until the city has taken in more taps (no fixed
sleeps), so every fault lands while events flow.

At the end the city holds every event of every site exactly once (the keys of its events
are the site's taps and audited changes, no more, no fewer), one tap row per site tap,
each child's statement equal to the site's own fee summary and billed month, and each
child's day (first arrival, last departure) as the site's own rules read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerInfo

from hub.city.config import CityConfig
from hub.city.service import DURABLE
from hub.city.site_link import SiteLink
from hub.city.stream import STREAM
from hub.rules.attendance import local_instant
from hub.rules.attendance.calendar import WARSAW
from hub.store import corrections
from hub.store.db import connect
from tests.city.service_support import ServiceProcess, stream_count
from tests.city.sim_sites import (
    AUTHOR,
    MORNING,
    SimSite,
    in_ticks,
    make_sites,
    previous_month,
    working_day_in,
)
from tests.city.sim_view import CityView
from tests.city_support import NatsCluster, Postgres, run_async
from tests.support import wait_until

pytestmark = pytest.mark.city

SITES, CHILDREN = 41, 150
TICKS = 24
OFFLINE = "p07"
CATCH_UP_S = 240
"""How long the city may take to hold everything once the morning is over."""


def start_link(site: SimSite, servers: list[str]) -> SiteLink:
    path = site.settings.database
    link = SiteLink(lambda: connect(path), site.site, servers)
    link.start()
    return link


def consumer(servers: list[str]) -> ConsumerInfo:
    """The service's durable consumer, as the stream's leader reports it."""

    async def ask() -> ConsumerInfo:
        client = await nats.connect(servers=servers)
        try:
            return await client.jetstream().consumer_info(STREAM, DURABLE)
        finally:
            await client.close()

    return run_async(ask())


def redelivered(servers: list[str]) -> int:
    """Deliveries that were repeats (a message given to an instance that died before its
    ack, given again): the consumer's deliveries less the stream's messages it delivered."""
    delivered = consumer(servers).delivered
    assert delivered is not None and delivered.consumer_seq is not None and delivered.stream_seq is not None
    return delivered.consumer_seq - delivered.stream_seq


def kill_mid_batch(service: ServiceProcess, servers: list[str]) -> str:
    """SIGKILL an instance while the consumer has messages delivered and not yet acknowledged
    (held by this instance or the other: either way, mid-stream)."""

    def pending() -> int:
        try:
            return consumer(servers).num_ack_pending or 0
        except (TimeoutError, nats.errors.Error):  # a leader being elected: ask again
            return 0

    wait_until(pending, timeout=30, interval=0.01)
    service.kill()
    return service.name


def kill_leader(cluster: NatsCluster) -> int:
    """Kill the node that leads the stream (the harder loss: a new leader is elected)."""

    async def ask() -> str:
        client = await nats.connect(servers=cluster.urls)
        try:
            info = await client.jetstream().stream_info(STREAM)
        finally:
            await client.close()
        assert info.cluster is not None and info.cluster.leader
        return info.cluster.leader

    index = [node.name for node in cluster.nodes].index(run_async(ask()))
    cluster.kill(index)
    return index


class Faults:
    """What happens at which step of the morning, with the city's tap count when it did."""

    def __init__(self, view: CityView) -> None:
        self.view = view
        self.log: list[str] = []
        self.plan: dict[int, list[tuple[str, Callable[[], object]]]] = {}

    def at(self, tick: int, what: str, action: Callable[[], object]) -> None:
        self.plan.setdefault(tick, []).append((what, action))

    def run(self, tick: int) -> None:
        for what, action in self.plan.get(tick, []):
            detail = action()
            named = f"{what}: {detail}" if isinstance(detail, str) else what
            self.log.append(f"step {tick:2d}/{TICKS}: {named} (city taps: {self.view.total('taps')})")


def test_a_city_morning_through_faults_ends_with_every_event_once_and_the_sites_fees(
    tmp_path: Path,
) -> None:
    today = datetime.now(WARSAW).date()
    year, month = previous_month(today)
    sites = make_sites(tmp_path / "sites", SITES, CHILDREN, since=date(year, month, 1))
    past = working_day_in(year, month)
    for site in sites:
        site.store(site.arrivals(past) + site.departures(past))
    history = {site.site: len(site.event_keys()) for site in sites}
    start, span = local_instant(today, MORNING[0]), timedelta(minutes=MORNING[1])
    morning = {site.site: in_ticks(site.arrivals(today), start, span, TICKS) for site in sites}
    offline = next(site for site in sites if site.site == OFFLINE)

    with NatsCluster(tmp_path) as cluster, Postgres() as pg:
        config = CityConfig(tuple(cluster.urls), pg.dsn)
        services = [ServiceProcess(config, name, tmp_path) for name in ("a", "b")]
        view = CityView(pg.dsn)
        links: dict[str, SiteLink] = {}
        closing = ThreadPoolExecutor(1)
        online = [site for site in sites if site is not offline]
        try:
            for service in services:
                service.start()
            links = {site.site: start_link(site, cluster.urls) for site in sites}
            joined = time.monotonic()
            wait_until(lambda: all(view.counts("events").get(s, 0) >= n for s, n in history.items()), 180)
            links.pop(OFFLINE).stop()  # cut off from the city for the day

            faults = Faults(view)
            faults.log.append(
                f"{SITES} sites joined: their {sum(history.values())} events of last month and registries "
                f"in the city {time.monotonic() - joined:.1f} s later; {OFFLINE} cut off"
            )
            began = time.monotonic()
            closed: list[Future[None]] = []
            faults.at(
                3, "the sites close last month, one after another",
                lambda: closed.append(closing.submit(close_months, online, year, month)),
            )  # fmt: skip
            lost: list[int] = []

            def kill_the_leader() -> str:
                lost.append(kill_leader(cluster))
                return cluster.nodes[lost[0]].name

            def bring_it_back() -> str:
                cluster.start_node(lost[0])
                return cluster.nodes[lost[0]].name

            faults.at(6, "the NATS node leading the stream killed", kill_the_leader)
            faults.at(
                9, "city service SIGKILLed with messages unacknowledged",
                lambda: kill_mid_batch(services[0], cluster.urls),
            )  # fmt: skip
            faults.at(12, "each site corrects a child's arrival", lambda: correct_everywhere(sites, today))
            faults.at(15, "that NATS node back", bring_it_back)
            faults.at(18, "that city service started again", services[0].start)
            for tick in range(TICKS):
                before = view.total("taps")
                for site in sites:
                    site.store(morning[site.site][tick])
                faults.run(tick)
                wait_until(lambda: view.total("taps") > before, timeout=120, interval=0.1)  # noqa: B023
            closed[0].result()
            faults.log.append(f"the morning replayed in {time.monotonic() - began:.1f} s")

            offline.store(offline.departures(today))  # the rest of its day, still cut off
            offline.close_month(year, month)
            assert view.counts("events")[OFFLINE] == history[OFFLINE]  # the city heard nothing
            behind = len(offline.event_keys()) - history[OFFLINE]
            faults.log.append(f"after the morning: {OFFLINE} joins again, {behind} events behind")
            links[OFFLINE] = start_link(offline, cluster.urls)
            rejoined = time.monotonic()

            expected = {site.site: site.event_keys() for site in sites}
            wait_until(
                lambda: view.counts("events") == {name: len(keys) for name, keys in expected.items()},
                timeout=CATCH_UP_S,
                interval=0.5,
            )
            faults.log.append(f"the city held every event {time.monotonic() - rejoined:.1f} s later")
            in_stream, repeats = stream_count(cluster.urls), redelivered(cluster.urls)
            assert view.rejected() == 0
            statements = view.statements(year, month)
            city_days = {day: view.days(day) for day in (past, today)}
            city_taps = view.counts("taps")
            for site in sites:
                assert view.keys(site.site) == expected[site.site], site.site
        finally:
            for link in links.values():
                link.stop()
            for service in services:
                service.stop()
            closing.shutdown()
            view.close()

    for site in sites:
        assert city_taps[site.site] == site.tap_count(), site.site
        fees = site.fees(year, month)
        assert set(statements[site.site]) == {(child, 1) for child in fees}, site.site
        assert {child: fee for (child, _), fee in statements[site.site].items()} == fees, site.site
        for day, held in city_days.items():
            assert held[site.site] == site.days(day), (site.site, day)
    total_events = sum(len(keys) for keys in expected.values())
    print(*faults.log, sep="\n")
    print(
        f"city: {total_events} events ({sum(city_taps.values())} taps) from {SITES} sites, each once; "
        f"the stream kept {in_stream} messages, {repeats} delivered again after the SIGKILL and "
        f"stored once; {sum(map(len, statements.values()))} statements "
        "equal to the sites' own fee summaries; every child's days equal to the site's"
    )


def close_months(sites: list[SimSite], year: int, month: int) -> None:
    for site in sites:
        site.close_month(year, month)


def correct_everywhere(sites: list[SimSite], today: date) -> None:
    """Each site adds a forgotten arrival for its last child (an audited change the city hears)."""
    for site in sites:
        corrections.add_correction(
            site.db, child_id=site.children[-1], day=today, kind="add_arrival",
            at=local_instant(today, clock(7, 5), site.settings.tz), reason="nie odbił karty", author=AUTHOR,
        )  # fmt: skip
