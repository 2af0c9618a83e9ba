"""The city's PostgreSQL schema (hub/city/pg_schema.py) is made once, whoever starts first:
several services starting together make each step once and agree on the result."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from hub.city.pg_schema import STEPS, migrate
from tests.city_support import Postgres

pytestmark = pytest.mark.city


def test_several_services_starting_together_make_each_step_once() -> None:
    with Postgres() as pg:

        def start() -> int:
            with psycopg.connect(pg.dsn, autocommit=True) as conn:
                return migrate(conn)

        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda _: start(), range(4)))
        assert sorted(made) == [0, 0, 0, len(STEPS)]
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            assert migrate(conn) == 0
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        tables = {row[0] for row in rows}
        assert {"events", "children", "taps", "child_days", "statements", "officers"} <= tables
