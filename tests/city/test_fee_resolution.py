"""The gmina's fee resolution through the real engines: set in the city (`ewidencjoner city
resolution set`, PostgreSQL), published through a three-node NATS cluster, received by a
site that was offline when it was set (its events not yet taken by the city) and by the same
site live, billed from its date; a
malformed one refused with nothing kept; the site's own override back in the city's
`site_fee_overrides`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
from click.testing import CliRunner

from hub.city.apply import apply_event
from hub.city.config import CityConfig
from hub.city.fee_resolution import apply_site_fees, site_overrides
from hub.city.site_link import SiteLink
from hub.city.stream import STREAM, ensure_stream
from hub.cli.main import cli
from hub.store import city_fees, fee_settings
from hub.store.db import connect
from tests.city.service_support import ServiceThread
from tests.city_support import NatsCluster, Postgres, run_async
from tests.fee_resolution_support import BASIS, SITE, make_site, stay_fee
from tests.support import wait_until

pytestmark = pytest.mark.city
OVERRIDE_FROM = date(2026, 11, 18)
AMENDED = "Uchwała nr XIV/2/2026 zmieniająca uchwałę nr XII/85/2026"


async def make_stream(servers: list[str]) -> None:
    client = await nats.connect(servers=servers)
    await ensure_stream(client.jetstream())
    await client.close()


async def fees_events(servers: list[str]) -> list[tuple[str, int, bytes]]:
    """The site's `fees` change events as the city's stream holds them: subject, stream
    sequence and data, as the city service reads them."""
    client = await nats.connect(servers=servers)
    js = client.jetstream()
    subscription = await js.pull_subscribe(f"city.{SITE}.changes", durable=None, stream=STREAM)
    found: list[tuple[str, int, bytes]] = []
    try:
        while True:
            for message in await subscription.fetch(100, timeout=2):
                if json.loads(message.data)["kind"] == "fees":
                    found.append((message.subject, message.metadata.sequence.stream, message.data))
                await message.ack()
    except nats.errors.TimeoutError:
        pass
    await client.close()
    return found


def city(engines: list[str], *args: str) -> Any:
    return CliRunner().invoke(cli, ["city", "resolution", *args, *engines])


def test_a_resolution_reaches_an_offline_site_is_billed_from_its_date_and_overrides_return(
    tmp_path: Path,
) -> None:
    settings, db, ania = make_site(tmp_path)
    resolution, amended, malformed = (tmp_path / name for name in ("r1.json", "r2.json", "bad.json"))
    resolution.write_text(json.dumps({"rates": [{"per_hour": "1,30"}]}))
    amended.write_text(
        json.dumps({"rates": [{"per_hour": "1,00"}, {"valid_from": "2027-01-01", "per_hour": "1,90"}]})
    )
    malformed.write_text(json.dumps({"rates": [{"per_hour": "1,30"}], "rules": [{"rounding": "per_hour"}]}))
    with NatsCluster(tmp_path) as cluster, Postgres() as pg:
        engines = ["--nats", ",".join(cluster.urls), "--postgres", pg.dsn]

        refused = city(engines, "set", "--from", "2026-11-01", "--basis", BASIS, str(malformed))
        assert refused.exit_code == 1 and "rules" in refused.output
        result = city(engines, "set", "--from", "2026-11-01", "--basis", BASIS, str(resolution))
        assert result.exit_code == 0 and "Sent to the sites: 1" in result.output, result.output
        assert stay_fee(db, settings, ania, 11) == Decimal("5.76")  # the site is offline: 4 h × 1,44

        link = SiteLink(lambda: connect(settings.database), SITE, cluster.urls)
        link.start()  # the site is back
        try:
            wait_until(lambda: len(city_fees.listed(db)) == 1, timeout=60)  # no stream takes its events yet
            run_async(make_stream(cluster.urls))  # the city service's stream, made later
            assert (stay_fee(db, settings, ania, 10), stay_fee(db, settings, ania, 11)) == (
                Decimal("5.76"), Decimal("5.20"),
            )  # fmt: skip  # October at 1,44; November from the resolution's date at 1,30

            result = city(engines, "set", "--from", "2026-11-01", "--basis", AMENDED, str(amended))
            assert result.exit_code == 0, result.output
            assert "Uwaga: Stawka 1.90 zł/h (od 2027-01-01) przekracza ustawowy limit" in result.output
            wait_until(lambda: city_fees.listed(db)[0]["basis"] == AMENDED, timeout=60)  # received live
            assert stay_fee(db, settings, ania, 11) == Decimal("4.00")  # the amended one replaced it

            fee_settings.set_rate(db, OVERRIDE_FROM, "1,20", "zarządzenie dyrektora", author="dyrektor")
            assert stay_fee(db, settings, ania, 11) == Decimal("4.80")  # the local override wins
            wait_until(lambda: run_async(fees_events(cluster.urls)) != [], timeout=60)
        finally:
            link.stop()

        [message] = run_async(fees_events(cluster.urls))
        with psycopg.connect(pg.dsn, autocommit=True) as conn:  # as the city service applies it
            assert apply_event(conn, *message)
            assert not apply_event(conn, *message)  # delivered twice: kept once
            change_id = int(json.loads(message[2])["key"].removeprefix("change:"))
            assert not apply_site_fees(conn, SITE, change_id - 1, {"fees": []})  # an older state loses
            [override] = site_overrides(conn)
        assert (override["site"], str(override["valid_from"])) == (SITE, "2026-11-18")
        assert override["document"]["rates"] == [
            {"valid_from": "2026-11-18", "per_hour": "1.20", "basis": "zarządzenie dyrektora"}
        ]
        listed = json.loads(city(engines, "list", "--json").output)
        assert [(row["valid_from"], row["in_force"]) for row in listed] == [
            ("2026-11-01", False), ("2026-11-01", True),
        ]  # fmt: skip  # both listed, the later in force; the malformed one was never kept
        assert "local" in city(engines, "list", "--overrides").output
        assert "Sent to the sites: 0" in city(engines, "publish").output  # already there: nothing twice

        for index in range(3):  # the cluster lost: the resolution is kept, and the command says so
            cluster.kill(index)
        later = city(engines, "set", "--from", "2027-01-01", "--basis", BASIS, str(resolution))
        assert later.exit_code == 1 and "city resolution publish" in later.output, later.output
        assert len(json.loads(city(engines, "list", "--json").output)) == 3
        for index in range(3):
            cluster.start_node(index, wait=False)
        wait_until(cluster.ready, timeout=60)
        with ServiceThread(CityConfig(tuple(cluster.urls), pg.dsn)):  # the next service to start puts it
            pass
        assert "Sent to the sites: 0" in city(engines, "publish").output
