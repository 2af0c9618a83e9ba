"""What the city's PostgreSQL holds, read per site, for the city simulation and its bench."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import psycopg


class CityView:
    """The city's PostgreSQL as a test reads it."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def counts(self, table: str) -> dict[str, int]:
        """Rows of `events` or `taps` per site (no table exists before the service made it)."""
        assert table in ("events", "taps")
        exists = self.conn.execute("SELECT to_regclass(%s)", [table]).fetchone()
        if not exists or exists[0] is None:
            return {}
        rows = self.conn.execute(f"SELECT site, count(*) FROM {table} GROUP BY site").fetchall()
        return {site: count for site, count in rows}

    def total(self, table: str) -> int:
        return sum(self.counts(table).values())

    def rejected(self) -> int:
        """Messages the service kept aside as no event (none may be, from real sites)."""
        row = self.conn.execute("SELECT count(*) FROM rejected_events").fetchone()
        return int(row[0]) if row else 0

    def keys(self, site: str) -> set[str]:
        rows = self.conn.execute("SELECT key FROM events WHERE site = %s", [site]).fetchall()
        return {row[0] for row in rows}

    def days(self, day: date) -> dict[str, dict[int, tuple[datetime | None, datetime | None]]]:
        """Each site's children's first arrival and last departure of `day` (`child_days`)."""
        rows = self.conn.execute(
            "SELECT site, child_id, arrived_at, left_at FROM child_days WHERE day = %s", [day]
        ).fetchall()
        found: dict[str, dict[int, tuple[datetime | None, datetime | None]]] = defaultdict(dict)
        for site, child, arrived, left in rows:
            found[site][child] = (arrived, left)
        return found

    def statements(self, year: int, month: int) -> dict[str, dict[tuple[int, int], dict[str, Any]]]:
        """Each site's statements of the month, by child and version, as the city holds them."""
        rows = self.conn.execute(
            """SELECT site, child_id, version, stay_fee, meals_charged, meals_refunded, minutes_billed
               FROM statements WHERE year = %s AND month = %s""",
            [year, month],
        ).fetchall()
        found: dict[str, dict[tuple[int, int], dict[str, Any]]] = defaultdict(dict)
        for site, child, version, stay, charged, refunded, minutes in rows:
            found[site][(child, version)] = {
                "stay_fee": stay, "meals_charged": charged,
                "meals_refunded": refunded, "minutes_billed": minutes,
            }  # fmt: skip
        return found
