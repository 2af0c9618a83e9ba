"""What the API takes as an id, a day or a time of day: bounded, and written one way.

A fuzzer found 500s for values the types let through: an id of 2^63 or more (SQLite's
integers stop there: `OverflowError`), the days 0001-01-01 and 9999-12-31 (a day's bounds
in UTC fall outside what `datetime` holds), `date=0` read as 1970-01-01 and `time=0` as
midnight (pydantic's lax mode reads numbers as dates and times). So ids are 1 to 2^63-1,
days are written YYYY-MM-DD between `FIRST_DAY` and `LAST_DAY`, times HH:MM or HH:MM:SS,
each in the OpenAPI description; anything else is a 422 that says which rule it broke.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from hub.store.db import MAX_INTEGER

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
"""The journal's days: birth dates of today's children to the end of the century."""
DAY_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _written_as_day(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _within_journal(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a date from {FIRST_DAY} to {LAST_DAY}")
    return day


def _written_as_time(value: object) -> object:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
        raise ValueError("a time of day is written HH:MM or HH:MM:SS")
    return value


Day = Annotated[
    dt.date,
    BeforeValidator(_written_as_day),
    AfterValidator(_within_journal),
    Field(json_schema_extra={"pattern": DAY_PATTERN}),
]
"""A local date, YYYY-MM-DD, from `FIRST_DAY` to `LAST_DAY`."""
ClockTime = Annotated[
    dt.time, BeforeValidator(_written_as_time), Field(json_schema_extra={"pattern": TIME_PATTERN})
]
"""A local wall-clock time, HH:MM or HH:MM:SS."""
RowId = Annotated[int, Field(ge=1, le=MAX_INTEGER)]
"""The id of a stored row (a child, a card, a correction…)."""
