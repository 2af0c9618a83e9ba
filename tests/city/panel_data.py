"""A small city for the panel's tests, written straight into the city's PostgreSQL (in
production `city serve` fills these tables from the sites' events).

Three kindergartens whose names sort differently in Polish and by code point (Czapla, Ćma,
Zielone), children numbered from 7,000,001 (a number no count or sum on a page can be, so a
page showing one is caught), November 2026 billed and attended, and Wednesday 9 December
2026 as today with some children in. The figures a page must show are worked out by hand
beside the rows they come from.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
TODAY = date(2026, 12, 9)
NOW = datetime(2026, 12, 9, 10, 30, tzinfo=WARSAW)
SITES = {"p-ciem": "Przedszkole „Ćma”", "p-czap": "Przedszkole „Czapla”", "p-ziel": "Przedszkole „Zielone”"}
POLISH_ORDER = ["Przedszkole „Czapla”", "Przedszkole „Ćma”", "Przedszkole „Zielone”"]
GROUPS = {
    ("p-czap", 1): "Motylki",
    ("p-czap", 2): "Biedronki",
    ("p-ciem", 1): "Żabki",
    ("p-ziel", 1): "Ośmiorniczki",
}
CHILDREN = [
    # site, child, group, active from, active to
    ("p-czap", 7_000_001, 1, date(2025, 9, 1), None),
    ("p-czap", 7_000_002, 1, date(2025, 9, 1), None),
    ("p-czap", 7_000_003, 2, date(2026, 11, 16), None),  # enrolled mid-November
    ("p-czap", 7_000_004, 2, date(2025, 9, 1), date(2026, 11, 30)),  # left before today
    ("p-ciem", 7_000_005, 1, date(2025, 9, 1), None),
    ("p-ziel", 7_000_006, 1, date(2025, 9, 1), None),
]
CHILD_IDS = [child[1] for child in CHILDREN]
PRESENT_NOW = [("p-czap", 7_000_001), ("p-czap", 7_000_002), ("p-ciem", 7_000_005)]
"""In today at half past ten; 7,000,006 came and left (not present now)."""

# Statements for November 2026: (site, child, version, stay fee, meals charged, meals refunded)
STATEMENTS = [
    ("p-czap", 7_000_001, 1, "100.00", "50.00", "5.00"),
    ("p-czap", 7_000_001, 2, "120.00", "50.00", "5.00"),  # corrected: replaces version 1
    ("p-czap", 7_000_002, 1, "80.50", "40.25", "0.00"),
    ("p-czap", 7_000_004, 1, "1000.00", "200.00", "12.60"),
    ("p-ciem", 7_000_005, 1, "45.10", "30.00", "2.50"),
]
# By hand, the latest versions only:
# Czapla: 3 children; stay 120.00 + 80.50 + 1000.00 = 1200.50; meals 50.00 + 40.25 + 200.00 =
#   290.25; refunded 5.00 + 0 + 12.60 = 17.60; due 1200.50 + 290.25 − 17.60 = 1473.15
# Ćma: 1 child; 45.10, 30.00, 2.50; due 72.60
# the city: 4 children; stay 1245.60, meals 320.25, refunded 20.10, due 1545.75
CITY_BILLED = {
    "children": 4,
    "stay_fee": Decimal("1245.60"),
    "meals_charged": Decimal("320.25"),
    "meals_refunded": Decimal("20.10"),
    "due": Decimal("1545.75"),
}
CITY_DUE_PL = "1545,75"
"""How the city's total due reads in Polish (format_amount may add a no-break space: 1 545,75)."""

RECEIVABLES = [  # site, as of, due, paid, in arrears, children in arrears (Zielone: none sent yet)
    ("p-czap", date(2026, 12, 8), "2500.00", "1800.00", "1512.40", 2),
    ("p-ciem", date(2026, 12, 1), "72.60", "0.00", "72.60", 1),
]
# the city: in arrears 1512.40 + 72.60 = 1585.00, 3 children, as of the older: 1 December
CITY_ARREARS_PL = "1\u00a0585,00\u00a0zł"

NOVEMBER_DAYS = [  # (site, child, day, arrived, left, minutes)
    ("p-czap", 7_000_001, date(2026, 11, 2), "07:30", "15:45", 495),
    ("p-czap", 7_000_001, date(2026, 11, 3), "08:00", "16:00", 480),
    ("p-czap", 7_000_002, date(2026, 11, 3), "08:00", None, 0),  # no departure: present, not averaged
    ("p-czap", 7_000_002, date(2026, 11, 11), "08:00", "12:00", 240),  # a holiday: not counted
    ("p-ciem", 7_000_005, date(2026, 11, 4), "07:00", "15:00", 480),
]
# November 2026 has 20 working days (21 weekdays, 11 November a holiday). Open days at Czapla:
# 7,000,001, 7,000,002 and 7,000,004 all 20, 7,000,003 from Monday the 16th: 11 → 71.
# Present 3 (the holiday's stay not counted): 3 / 71 = 4.2 %; average of 495 and 480 = 487.5
# → 488 minutes = 8 h 08 min. Ćma: 1 / 20 = 5.0 %, 8 h 00 min. Zielone: 0 / 20 = 0.0 %.
CZAPLA_NOVEMBER = {"open_days": 71, "present": 3, "rate_pl": "4,2\u00a0%", "average": "8 h 08 min"}
CITY_NOVEMBER_OPEN_DAYS = 71 + 20 + 20


def _at(day: date, clock: str | None) -> datetime | None:
    if clock is None:
        return None
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARSAW)


def fill(conn: Any) -> None:
    """Write the city above into a migrated database (`hub.city.pg_schema.migrate`)."""
    with conn.transaction():
        for site, name in SITES.items():
            conn.execute("INSERT INTO sites (site, name) VALUES (%s, %s)", [site, name])
        for (site, group_id), name in GROUPS.items():
            conn.execute(
                "INSERT INTO groups (site, group_id, name, change_id) VALUES (%s, %s, %s, 1)",
                [site, group_id, name],
            )
        for site, child, group_id, active_from, active_to in CHILDREN:
            conn.execute(
                """INSERT INTO children (site, child_id, group_id, birth_year, active_from, active_to,
                   change_id) VALUES (%s, %s, %s, 2021, %s, %s, 1)""",
                [site, child, group_id, active_from, active_to],
            )
        for site, child, version, stay, charged, refunded in STATEMENTS:
            conn.execute(
                """INSERT INTO statements (site, year, month, child_id, version, stay_fee, meals_charged,
                   meals_refunded, minutes_billed, days_billed, billed)
                   VALUES (%s, 2026, 11, %s, %s, %s, %s, %s, 0, 0, %s)""",
                [site, child, version, stay, charged, refunded, json.dumps({"version": version})],
            )
        for site, child, day, arrived, left, minutes in NOVEMBER_DAYS:
            conn.execute(
                """INSERT INTO child_days (site, child_id, day, arrived_at, left_at, minutes)
                   VALUES (%s, %s, %s, %s, %s, %s)""",
                [site, child, day, _at(day, arrived), _at(day, left), minutes],
            )
        for site, child in PRESENT_NOW:
            conn.execute(
                """INSERT INTO child_days (site, child_id, day, arrived_at, minutes, present_now)
                   VALUES (%s, %s, %s, %s, 0, true)""",
                [site, child, TODAY, _at(TODAY, "08:00")],
            )
        conn.execute(
            """INSERT INTO child_days (site, child_id, day, arrived_at, left_at, minutes)
               VALUES ('p-ziel', 7000006, %s, %s, %s, 60)""",
            [TODAY, _at(TODAY, "08:00"), _at(TODAY, "09:00")],
        )
        conn.execute(
            """INSERT INTO fee_resolutions (valid_from, document, basis, set_by)
               VALUES ('2026-09-01', %s, 'Uchwała nr XII/34/2026', 'gmina'),
                      ('2027-01-01', %s, 'Uchwała nr XX/1/2027', 'gmina')""",
            [
                json.dumps({"hourly_rate": "1.30", "free_hours": 5, "meal_price": "12.00"}),
                json.dumps({"hourly_rate": "1.40", "free_hours": 5, "meal_price": "13.00"}),
            ],
        )
        for site, as_of, due, paid, arrears, children in RECEIVABLES:
            conn.execute(
                """INSERT INTO site_receivables (site, as_of, due, paid, arrears, children_in_arrears,
                   change_id) VALUES (%s, %s, %s, %s, %s, %s, 1)""",
                [site, as_of, due, paid, arrears, children],
            )
        conn.execute(
            """INSERT INTO site_fee_overrides (site, valid_from, document, change_id)
               VALUES ('p-ciem', '2026-10-01', %s, 1)""",
            [json.dumps({"hourly_rate": "1.30", "free_hours": 5, "meal_price": "9.50"})],
        )
