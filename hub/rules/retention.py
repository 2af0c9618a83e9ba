"""How long each kind of record is kept, and from which moment it may go.

Two clocks, because the records are of two kinds:

- **The journal** (ewidencja: taps, corrections, absences, topics, kiosk records, readers'
  events, and the audit log that is its change history) is archival material of category
  B5 in the kindergarten's JRWA (jednolity rzeczowy wykaz akt): kept 5 years, counted — as
  every archival term in Polish offices — from 1 January of the year after the file was
  closed. A school year's journal is closed after 31 August, so the journal of 2020/2021
  (closed in 2021) is counted from 1 January 2022 and kept through 31 December 2026.
- **Logs about people using the system** (sessions, login and kiosk attempts, refused
  actions, reads of personal data) are kept only as long as they serve security: a number
  of days counted from each entry.

A person may be erased (RODO art. 17, within the law's limits: art. 17(3)(b) keeps what
the law obliges us to keep) only once every record of theirs is past the journal's term:
from the day after the journal of the school year of their last record stops being kept
(`erasable_from`). A child who left on 31 August 2020 has their last record in 2019/2020,
closed in 2020, kept through 31 December 2025: they can be erased from 1 January 2026,
not on 31 December 2025. A record on 1 September 2020 would move that to 1 January 2027.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hub.rules.school_year import school_year_of, school_year_start

JOURNAL_YEARS = 5
"""JRWA category B5."""


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind is kept: the journal in years (archival), logs in days."""

    journal_years: int = JOURNAL_YEARS
    session_days: int = 90
    """Ended sessions (logged out, idle, revoked); a live session is never purged."""
    security_log_days: int = 365
    """Login attempts, kiosk PIN attempts and refused actions."""
    data_read_days: int = 730
    """Who looked at a child's personal data: two years lets a parent ask after a school year."""


def journal_kept_until(school_year_first_day: date, years: int = JOURNAL_YEARS) -> date:
    """The last day a school year's journal must be kept: 31 December of the fifth year
    after the year it was closed in (closed after 31 August of the year the school year ends)."""
    closed_in = school_year_first_day.year + 1
    return date(closed_in + years, 12, 31)


def journal_kept_from(today: date, years: int = JOURNAL_YEARS) -> date:
    """The first day of the oldest school year whose journal must still be kept on `today`:
    journal days before it are past retention."""
    # journal_kept_until(1 IX S) = 31 XII (S + 1 + years) >= today  ⇔  S >= today.year - 1 - years
    return school_year_start(today.year - 1 - years)


def log_kept_from(today: date, days: int) -> date:
    """The first day whose log entries must still be kept: entries of earlier days may go."""
    return today - timedelta(days=days)


def erasable_from(last_record_day: date, years: int = JOURNAL_YEARS) -> date:
    """The first day a person whose latest record is of `last_record_day` may be erased: the
    day after the journal of that day's school year stops being kept."""
    return journal_kept_until(school_year_start(school_year_of(last_record_day)), years) + timedelta(days=1)
