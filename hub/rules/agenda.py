"""Who an announcement or a calendar event concerns, and the days off the calendar shows by itself.

An announcement is addressed to one audience: `everyone` (staff and parents), one `group`
(that group's teachers and the parents of its children), `staff` (every member of staff,
never a parent) or `parents` (every parent, no staff). A calendar event is for one group or
for all. The director, the secretary and the administrator (and an inspector, who reads what
they read) see everything, so they can check what others were told.

Worked example: Ania is in Motylki, Olek in Żabki. Ania's mother sees the announcements
for everyone, for parents and for Motylki, and the events of Motylki and of all groups; she
does not see a staff meeting's announcement or a Żabki trip. The Motylki teacher sees
everyone's, staff's and Motylki's announcements, not those for parents only.

The calendar shows the site's closed days and Poland's public holidays without anyone
entering them (`days_off`): a closed day named by its reason, a holiday by its Polish name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hub.rules.attendance.statutory_holidays import polish_public_holidays

EVERYONE, GROUP, STAFF, PARENTS = "everyone", "group", "staff", "parents"
AUDIENCES = (EVERYONE, GROUP, STAFF, PARENTS)
EVENT_KINDS = ("meeting", "trip", "celebration", "consultation", "day_off", "other")


@dataclass(frozen=True)
class Reader:
    """The person reading, as the audiences see them."""

    staff: bool
    """A member of staff (not a parent)."""
    groups: frozenset[int] = frozenset()
    """A teacher's own groups; a parent's children's groups."""
    sees_all: bool = False
    """The director, the secretary, the administrator, an inspector: every item."""


def concerns_announcement(reader: Reader, audience: str, group_id: int | None) -> bool:
    """Is an announcement for `audience` (and `group_id`, for a group) meant for `reader`?"""
    if reader.sees_all or audience == EVERYONE:
        return True
    if audience == GROUP:
        return group_id in reader.groups
    return reader.staff if audience == STAFF else not reader.staff


def concerns_event(reader: Reader, group_id: int | None) -> bool:
    """Is an event of `group_id` (None: every group) meant for `reader`?"""
    return reader.sees_all or group_id is None or group_id in reader.groups


def is_shown(shown_from: date, shown_to: date, today: date) -> bool:
    """An announcement is on the home pages from its first day through its last."""
    return shown_from <= today <= shown_to


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str
    holiday: bool
    """A public holiday (else one of the site's closed days)."""


def days_off(first: date, last: date, closed: dict[date, str]) -> list[DayOff]:
    """The public holidays and the site's closed days (`closed`: day → reason) of
    `first`..`last`, in date order; a closed day that is also a holiday shows as the holiday."""
    found: dict[date, DayOff] = {
        day: DayOff(day, reason, holiday=False) for day, reason in closed.items() if first <= day <= last
    }
    for year in range(first.year, last.year + 1):
        for day, name in polish_public_holidays(year).items():
            if first <= day <= last:
                found[day] = DayOff(day, name, holiday=True)
    return [found[day] for day in sorted(found)]


def month_days(year: int, month: int) -> tuple[date, date]:
    """The first and the last day of a month."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)
