"""Poland's public holidays (dni ustawowo wolne od pracy), with their Polish names.

The list of the statute on days free from work (ustawa o dniach wolnych od pracy) as in
force since 1990: fixed days, the days counted from Easter (`dateutil.easter`), Epiphany
from 2011, Christmas Eve from 2025, and the one-off days a separate statute added.

Written here rather than asked of the `holidays` package, which imports its tables of all
its 250 countries to give one (0.2 s, two thirds of a command's start budget: issue 10).
`tests/attendance/test_statutory_holidays.py` checks every year from 1990 to 2100 against
that package (kept among the development dependencies), so a statute it learns of fails
there.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

FIXED = {
    (1, 1): "Nowy Rok",
    (5, 1): "Święto Państwowe",
    (5, 3): "Święto Narodowe Trzeciego Maja",
    (8, 15): "Wniebowzięcie Najświętszej Marii Panny",
    (11, 1): "Uroczystość Wszystkich Świętych",
    (11, 11): "Narodowe Święto Niepodległości",
    (12, 25): "Boże Narodzenie (pierwszy dzień)",
    (12, 26): "Boże Narodzenie (drugi dzień)",
}
FROM_EASTER = {
    0: "Niedziela Wielkanocna",
    1: "Poniedziałek Wielkanocny",
    49: "Zielone Świątki",
    60: "Dzień Bożego Ciała",
}
SINCE = {
    2011: ((1, 6), "Święto Trzech Króli"),
    2025: ((12, 24), "Wigilia Bożego Narodzenia"),
}
ONE_OFF = {date(2018, 11, 12): "Narodowe Święto Niepodległości - 100-lecie"}


def polish_public_holidays(year: int) -> dict[date, str]:
    """The public holidays of `year` (from 1990 on), by date, in date order."""
    found = {date(year, month, day): name for (month, day), name in FIXED.items()}
    sunday = easter(year)
    found |= {sunday + timedelta(days=offset): name for offset, name in FROM_EASTER.items()}
    found |= {date(year, *day): name for since, (day, name) in SINCE.items() if year >= since}
    found |= {day: name for day, name in ONE_OFF.items() if day.year == year}
    return dict(sorted(found.items()))
