"""A reader's calendar as an iCalendar file (RFC 5545), for a phone's calendar to subscribe to.

Made with the `icalendar` library: the events that concern the reader, the site's closed
days and Poland's public holidays, from a season back to a year ahead. Timed events are in
the site's time zone with its VTIMEZONE; all-day ones are DATE values (DTEND the day after
the last, as the standard has it). Every item's UID is stable (the event's id, the day off's
date), so a phone updates an item instead of doubling it; a cancelled event simply leaves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlite_utils import Database

from hub.rules.agenda import Reader, days_off
from hub.store import calendar_events, site_settings
from hub.timefmt import from_db

PRODUCT = "-//ewidencjoner//terminarz//PL"
DAYS_BACK = 92
DAYS_AHEAD = 366
KIND_NAMES = {
    "meeting": "Zebranie",
    "trip": "Wycieczka",
    "celebration": "Uroczystość",
    "consultation": "Konsultacje",
    "day_off": "Dzień wolny",
    "other": "Wydarzenie",
}
"""The kinds as a phone's calendar shows them (the feed is in Polish, the site's language)."""


def feed(db: Database, reader: Reader, *, site: str, tz: ZoneInfo, now: datetime) -> bytes:
    """The reader's calendar around `now`, as the bytes of an .ics file."""
    today = now.astimezone(tz).date()
    first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Terminarz ({site})")
    calendar.add("x-wr-timezone", tz.key)
    stamp = now.astimezone(UTC)
    for event in calendar_events.events_between(db, first, last, reader=reader):
        calendar.add_component(_event(event, site, tz, stamp))
    closed = {date.fromisoformat(row["day"]): row["reason"] for row in site_settings.closed_days(db)}
    for day_off in days_off(first, last, closed):
        item = Event()
        kind = "holiday" if day_off.holiday else "closed"
        item.add("uid", f"{kind}-{day_off.day.isoformat()}@{site}.ewidencjoner")
        item.add("dtstamp", stamp)
        item.add("summary", day_off.name if day_off.holiday else f"Przedszkole nieczynne: {day_off.name}")
        item.add("dtstart", day_off.day)
        item.add("dtend", day_off.day + timedelta(days=1))
        item.add("transp", "TRANSPARENT")
        item.add("categories", ["Święto" if day_off.holiday else "Dzień wolny"])
        calendar.add_component(item)
    calendar.add_missing_timezones(
        first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
    )
    return calendar.to_ical()


def _event(row: dict, site: str, tz: ZoneInfo, stamp: datetime) -> Event:
    item = Event()
    item.add("uid", f"event-{row['id']}@{site}.ewidencjoner")
    item.add("dtstamp", stamp)
    item.add("created", from_db(row["created_at"]))
    item.add("summary", f"{KIND_NAMES[row['kind']]}: {row['title']}")
    if row["place"]:
        item.add("location", row["place"])
    item.add("categories", [KIND_NAMES[row["kind"]]])
    if row["all_day"]:
        item.add("dtstart", date.fromisoformat(row["start_day"]))
        item.add("dtend", date.fromisoformat(row["end_day"]) + timedelta(days=1))
    else:
        item.add("dtstart", from_db(row["starts_at"]).astimezone(tz))
        item.add("dtend", from_db(row["ends_at"]).astimezone(tz))
    return item
