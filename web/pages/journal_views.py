"""What the journal pages (presence, group day, child, cards, readers) share: their addresses
and how they show stored instants and days off."""

from __future__ import annotations

from datetime import date

from hub.config import Settings
from hub.timefmt import from_db
from web.i18n import N_, moment

DAYS_OFF = {"sobota": N_("Saturday"), "niedziela": N_("Sunday"), "zamknięte": N_("kindergarten closed")}
"""`hub.rules.attendance.calendar`'s own words for a day off (message ids); a public holiday keeps
its Polish name, the name it has in the law."""


def day_path(group_id: int, day: date) -> str:
    """The group's day page."""
    return f"/groups/{group_id}/days/{day.isoformat()}"


def local_time(stored: str | None, settings: Settings) -> str:
    """A stored instant as the kindergarten's wall clock in the reader's language:
    `18.11.2026 07:42` / `Nov 18, 2026 07:42`."""
    if not stored:
        return "—"
    return moment(from_db(stored).astimezone(settings.tz))
