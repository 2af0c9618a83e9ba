"""What the gmina's panel reads: each figure one SQL aggregate over the city's PostgreSQL, per
kindergarten, per group or for the whole city, never a child's row.

The panel is for a governing body, which sees counts and sums, not children: no query here
returns a child's number, and a group is named and counted, nothing more.

- `today_by_site`: children enrolled today (their dates in the kindergarten hold today) and
  present now (`child_days.present_now` of today), per kindergarten.
- `groups_today`: the same per group of one kindergarten.
- `attendance`: per kindergarten (or per group of one) the child-days of a month as the
  attendance statistics count them (`hub.rules.statistics.Tally`): open days are each
  enrolled child's working days (Polish public holidays and weekends off; a site's own
  closed days are not known to the city), present those with an arrival, the average stay
  over the days with both an arrival and a departure.
- `fee_summary`: the month's billing per kindergarten and in total, each child's latest
  statement version only (a corrected month replaces, never adds).
- `receivables`: each kindergarten's ledgers as its latest money change left them (billed,
  paid, in arrears, children in arrears) and the city's sum, as of the oldest of them.
- `resolution_in_force`, `overrides_in_force`: the city's fee resolution on a day, and the
  sites that set their own instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.collation import sort_key
from hub.refusal import N_, Refusal
from hub.rules.statistics import Tally


@dataclass(frozen=True)
class Site:
    site: str
    name: str
    """The display name (`city sites name`), or the site's id until one is set."""


@dataclass(frozen=True)
class Today:
    enrolled: int = 0
    present_now: int = 0


@dataclass(frozen=True)
class GroupToday:
    group_id: int
    name: str
    enrolled: int
    present_now: int


@dataclass(frozen=True)
class Billed:
    """A month's statements summed: children billed and the amounts in złoty."""

    children: int = 0
    stay_fee: Decimal = Decimal(0)
    meals_charged: Decimal = Decimal(0)
    meals_refunded: Decimal = Decimal(0)

    @property
    def due(self) -> Decimal:
        return self.stay_fee + self.meals_charged - self.meals_refunded


@dataclass(frozen=True)
class FeeSummary:
    by_site: dict[str, Billed]
    total: Billed


@dataclass(frozen=True)
class Owed:
    """A kindergarten's receivables (or the city's, summed), in złoty."""

    as_of: date | None = None
    """The day of the latest money change counted (for the city: the oldest site's)."""
    due: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    arrears: Decimal = Decimal(0)
    children_in_arrears: int = 0


@dataclass(frozen=True)
class Receivables:
    by_site: dict[str, Owed]
    total: Owed


@dataclass(frozen=True)
class Resolution:
    valid_from: date
    document: dict[str, Any]
    basis: str
    set_by: str


@dataclass(frozen=True)
class Override:
    site: str
    valid_from: date
    document: dict[str, Any]


def sites(conn: Any) -> list[Site]:
    """Every kindergarten the city has heard from, in Polish alphabetical order of its name."""
    rows = conn.execute("SELECT site, coalesce(name, site) FROM sites").fetchall()
    return sorted((Site(*row) for row in rows), key=lambda site: sort_key(site.name, site.site))


def site(conn: Any, site: str) -> Site | None:
    row = conn.execute("SELECT site, coalesce(name, site) FROM sites WHERE site = %s", [site]).fetchone()
    return Site(*row) if row else None


def name_site(conn: Any, site: str, name: str) -> None:
    """Give a kindergarten its display name; only a site the city has heard from."""
    if not name.strip():
        raise Refusal("city.site_name_empty", N_("A kindergarten's name cannot be empty."))
    updated = conn.execute("UPDATE sites SET name = %s WHERE site = %s", [name.strip(), site]).rowcount
    if not updated:
        raise Refusal("city.no_site", N_("The city has heard nothing from a site %(site)s."), site=site)


_ENROLLED = (
    "(c.active_from IS NULL OR c.active_from <= {day}) AND (c.active_to IS NULL OR {day} <= c.active_to)"
)


def today_by_site(conn: Any, today: date) -> dict[str, Today]:
    rows = conn.execute(
        f"""SELECT s.site, coalesce(e.enrolled, 0), coalesce(p.present, 0)
            FROM sites s
            LEFT JOIN (SELECT c.site, count(*) AS enrolled FROM children c
                       WHERE {_ENROLLED.format(day="%(today)s")} GROUP BY c.site) e USING (site)
            LEFT JOIN (SELECT site, count(*) AS present FROM child_days
                       WHERE day = %(today)s AND present_now GROUP BY site) p USING (site)""",
        {"today": today},
    ).fetchall()
    return {site: Today(enrolled, present) for site, enrolled, present in rows}


def groups_today(conn: Any, site: str, today: date) -> list[GroupToday]:
    """The kindergarten's groups with their counts, in Polish alphabetical order."""
    rows = conn.execute(
        f"""SELECT g.group_id, g.name, count(c.child_id), count(cd.child_id)
            FROM groups g
            LEFT JOIN children c
              ON c.site = g.site AND c.group_id = g.group_id AND {_ENROLLED.format(day="%(today)s")}
            LEFT JOIN child_days cd
              ON cd.site = c.site AND cd.child_id = c.child_id AND cd.day = %(today)s AND cd.present_now
            WHERE g.site = %(site)s
            GROUP BY g.group_id, g.name""",
        {"site": site, "today": today},
    ).fetchall()
    return sorted((GroupToday(*row) for row in rows), key=lambda group: sort_key(group.name))


def attendance(conn: Any, days: Sequence[date], site: str | None = None) -> dict[Any, Tally]:
    """The child-days of `days` (the month's working days counted) per kindergarten, or per
    group (its id; None for children without one) when `site` is given.

    Open days are counted from the children grouped by their dates in the kindergarten (a
    few dozen spans, not a row per child and day); the present days from the days stored."""
    key = "coalesce(c.group_id, 0)" if site is not None else "c.site"
    rows = conn.execute(
        f"""WITH spans AS (
                SELECT {key} AS key, c.active_from, c.active_to, count(*) AS children
                FROM children c WHERE %(site)s::text IS NULL OR c.site = %(site)s
                GROUP BY 1, 2, 3),
            open AS (
                SELECT c.key, sum(c.children) AS open_days
                FROM spans c JOIN unnest(%(days)s::date[]) AS d(day) ON {_ENROLLED.format(day="d.day")}
                GROUP BY c.key),
            present AS (
                SELECT {key} AS key,
                       count(*) AS present,
                       count(*) FILTER (WHERE cd.left_at IS NOT NULL) AS stay_days,
                       coalesce(sum(cd.minutes) FILTER (WHERE cd.left_at IS NOT NULL), 0) AS stay_minutes
                FROM child_days cd JOIN children c USING (site, child_id)
                WHERE cd.day = ANY(%(days)s::date[]) AND cd.arrived_at IS NOT NULL
                  AND {_ENROLLED.format(day="cd.day")}
                  AND (%(site)s::text IS NULL OR cd.site = %(site)s)
                GROUP BY 1)
            SELECT key, open_days, coalesce(present, 0), coalesce(stay_days, 0), coalesce(stay_minutes, 0)
            FROM open LEFT JOIN present USING (key)""",
        {"days": list(days), "site": site},
    ).fetchall()
    return {
        (row[0] or None) if site is not None else row[0]: Tally(
            open_days=int(row[1]), present=row[2], stay_days=row[3], stay_minutes=int(row[4])
        )
        for row in rows
    }


def fee_summary(conn: Any, year: int, month: int) -> FeeSummary:
    """The month's statements per kindergarten and for the whole city, each child's latest
    version only, in one aggregate (the city's total is its grouping set `()`)."""
    rows = conn.execute(
        """SELECT site, count(*), sum(stay_fee), sum(meals_charged), sum(meals_refunded)
           FROM (SELECT DISTINCT ON (site, child_id) site, stay_fee, meals_charged, meals_refunded
                 FROM statements WHERE year = %s AND month = %s
                 ORDER BY site, child_id, version DESC) AS latest
           GROUP BY GROUPING SETS ((site), ())""",
        [year, month],
    ).fetchall()
    by_site, total = {}, Billed()
    for site, children, stay_fee, meals_charged, meals_refunded in rows:
        billed = Billed(children, stay_fee, meals_charged, meals_refunded)
        if site is None:
            total = billed
        else:
            by_site[site] = billed
    return FeeSummary(by_site, total)


def receivables(conn: Any) -> Receivables:
    """Each site's receivables as last sent and the city's sum (its grouping set `()`)."""
    rows = conn.execute(
        """SELECT site, min(as_of), sum(due), sum(paid), sum(arrears), sum(children_in_arrears)
           FROM site_receivables GROUP BY GROUPING SETS ((site), ())"""
    ).fetchall()
    by_site, total = {}, Owed()
    for site, as_of, due, paid, arrears, children in rows:
        owed = Owed(as_of, due or Decimal(0), paid or Decimal(0), arrears or Decimal(0), int(children or 0))
        if site is None:
            total = owed
        else:
            by_site[site] = owed
    return Receivables(by_site, total)


def resolution_in_force(conn: Any, day: date) -> Resolution | None:
    """The city's fee resolution valid on `day`: the latest dated on or before it."""
    row = conn.execute(
        """SELECT valid_from, document, basis, set_by FROM fee_resolutions WHERE valid_from <= %s
           ORDER BY valid_from DESC, id DESC LIMIT 1""",
        [day],
    ).fetchone()
    return Resolution(*row) if row else None


def overrides_in_force(conn: Any, day: date, site: str | None = None) -> list[Override]:
    """Each site's own fee settings valid on `day` (the latest dated on or before it)."""
    rows = conn.execute(
        """SELECT DISTINCT ON (site) site, valid_from, document FROM site_fee_overrides
           WHERE valid_from <= %(day)s AND (%(site)s::text IS NULL OR site = %(site)s)
           ORDER BY site, valid_from DESC""",
        {"day": day, "site": site},
    ).fetchall()
    return [Override(*row) for row in rows]


def unreachable(error: Exception) -> Refusal:
    """The refusal when the city's PostgreSQL is down or refuses (a psycopg `OperationalError`):
    its first line says why."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Refusal(
        "city.postgres_unreachable", N_("The city's PostgreSQL cannot be reached: %(reason)s"), reason=reason
    )
