"""The school year: from 1 September to 31 August of the next year (ustawa Prawo oświatowe).

A school year is named by the calendar year it starts in — 2025 for 2025/2026, as the CLI's
`--school-year` takes it — and printed as its label, "2025/2026". The one place that says so:
the fee engine's age rule, the statistics, messages, retention and the readiness information
all ask here. It imports nothing but `datetime`, so that any command may use it and start fast.
"""

from __future__ import annotations

from datetime import date

FIRST_MONTH = 9
"""September: a school year starts on its first day."""


def school_year_of(day: date) -> int:
    """The year the school year holding `day` started in: 2025 for any day from 1 September
    2025 to 31 August 2026."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def school_year_start(start_year: int) -> date:
    """The school year's first day: 1 September of `start_year`."""
    return date(start_year, FIRST_MONTH, 1)


def school_year_end(start_year: int) -> date:
    """The school year's last day: 31 August of the year after `start_year`."""
    return date(start_year + 1, FIRST_MONTH - 1, 31)


def school_year_label(start_year: int) -> str:
    """How a school year is written: "2025/2026"."""
    return f"{start_year}/{start_year + 1}"
