"""A person's "my data" download (RODO art. 15) as a printable report, the PDF beside the JSON.

It is built from the very dictionary the JSON download gives (`web/pages/account.py`
assembles it from `hub.accounts.own_data` and `hub.services.subject_access`), so the two
can never say different things. Unlike the kindergarten's own reports, which are printed
in Polish, this one is for the person who asked: its words follow the active language
(`hub.i18n`: Polish first, English when the reader chose it). Every value is text placed
by the report's renderer, so a typed name or reason is printed as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hub.i18n import N_, _
from hub.reports.model import Minutes, Report, Section
from hub.timefmt import from_db

STATUS = {"present": N_("present"), "absent": N_("absent"), "no_data": N_("no data")}
ROLES = {
    "admin": N_("administrator"), "director": N_("director"), "teacher": N_("teacher"),
    "secretary": N_("secretary"), "parent": N_("parent or legal guardian"),
    "inspector": N_("inspector (read only)"), "kiosk": N_("kiosk at the entrance (guardians' PINs only)"),
}  # fmt: skip
CORRECTION_KINDS = {
    "add_arrival": N_("Add an arrival"), "add_departure": N_("Add a departure"),
    "move": N_("Move an arrival or a departure"), "cancel": N_("Cancel an arrival, a departure or a tap"),
    "mark_absent": N_("Mark the whole day absent"), "mark_present": N_("Mark the whole day present"),
}  # fmt: skip
"""The words the journal's pages use for the stored codes (web/pages/admin.py,
web/pages/group_day_views.py): the same message ids, so the same translations."""
Shown = Callable[[Any], str]


ACCOUNT = {
    "email": N_("Login (e-mail)"), "name": N_("Name"), "role": N_("Role"), "title": N_("Title"),
    "expires_on": N_("Account works until"), "password_set_at": N_("Password set on"),
    "blocked_at": N_("Blocked"), "created_at": N_("Created"), "created_by": N_("Created by"),
}  # fmt: skip
SESSIONS = {
    "created_at": N_("Started"), "last_seen_at": N_("Last seen"), "ip": N_("Address"),
    "user_agent": N_("Browser"), "ended_at": N_("Ended"), "end_reason": N_("Why"),
}  # fmt: skip
LOGIN_ATTEMPTS = {"at": N_("When"), "ip": N_("Address"), "outcome": N_("Outcome")}
GUARDIAN = {
    "name": N_("Name"), "phone": N_("Phone"), "email": N_("E-mail"), "created_at": N_("Created"),
    "kiosk_pin_set_at": N_("Kiosk PIN set"),
}  # fmt: skip
CHILD = {
    "first_name": N_("First name"), "last_name": N_("Last name"), "birth_date": N_("Birth date"),
    "group_name": N_("Group"), "active_from": N_("Attends from"), "active_to": N_("Attends until"),
    "notes": N_("Notes"),
}  # fmt: skip
GUARDIANS = {"name": N_("Name"), "relation": N_("Relation")}
CARDS = {
    "uid": N_("Card"), "number": N_("Number"), "holder": N_("Holder"), "valid_from": N_("Valid from"),
    "revoked_at": N_("Revoked"), "revoke_reason": N_("Why"),
}  # fmt: skip
ABSENCES = {
    "day": N_("Day"), "reported_at": N_("Reported"), "reported_by": N_("By"), "reason": N_("Reason"),
    "withdrawn_at": N_("Withdrawn"),
}  # fmt: skip
CORRECTIONS = {
    "day": N_("Day"), "kind": N_("Change"), "at": N_("Time"), "reason": N_("Reason"), "author": N_("By"),
    "revoked_at": N_("Revoked"),
}  # fmt: skip
KIOSK_RECORDS = {"at": N_("When"), "direction": N_("Direction"), "guardian": N_("Guardian"),
                 "reviewed_by": N_("Reviewed by")}  # fmt: skip
READS = {"at": N_("When"), "actor": N_("Who"), "view": N_("Where")}
LEGEND = N_(
    "Everything the journal holds on you and your children (RODO art. 15); secrets such as passwords "
    "and PINs are never given out."
)


def my_data(data: Mapping[str, Any], tz: ZoneInfo) -> Report:
    """The download's `data` as a report: the account, its sessions and logins, the guardian
    record, then each child's record, days, absences, corrections, kiosk records, ledger
    and who opened the child's data."""
    account = {**data["account"], "role": _words(ROLES, data["account"]["role"])}
    generated = from_db(data["generated_at"]).astimezone(tz)

    def when(value: Any) -> str:
        return _when(value, tz)

    sections = [
        _fields(_("Account"), account, ACCOUNT, when),
        _table(_("Sessions"), data["sessions"], SESSIONS, when),
        _table(_("Login attempts"), data["login_attempts"], LOGIN_ATTEMPTS, when),
    ]
    if data.get("guardian"):
        pin = data.get("kiosk_pin") or {}
        guardian = {**data["guardian"], "kiosk_pin_set_at": pin.get("set_at")}
        sections.append(_fields(_("Guardian record"), guardian, GUARDIAN, when))
    for child in data["children"]:
        sections.extend(_child_sections(child, when))
    return Report(
        name="moje-dane",
        title=_("My data in the journal"),
        subtitle=account["name"] or account["email"],
        generated_at=generated,
        facts=(
            (_("Kindergarten"), str(data["site"])),
            (_("Login (e-mail)"), account["email"]),
            (_("Made on"), generated.strftime("%d.%m.%Y %H:%M")),
        ),
        sections=tuple(sections),
        legend=_(LEGEND),
    )


def _child_sections(child: Mapping[str, Any], when: Shown) -> list[Section]:
    record = child["child"]
    corrections = [{**row, "kind": _words(CORRECTION_KINDS, row["kind"])} for row in child["corrections"]]
    name = {"name": f"{record['first_name']} {record['last_name']}"}
    days = Section(
        title=_("%(name)s: days kept") % name,
        columns=(_("Day"), _("Status"), _("Arrivals and departures"), _("Stay")),
        rows=tuple(
            (when(day["day"]), _day_status(day), _visits(day["visits"]),
             Minutes(day["minutes"]) if day["visits"] else None)
            for day in child["days"]
        ),
    )  # fmt: skip
    ledger = Section(
        title=_("%(name)s: fees ledger") % name,
        columns=(_("Booked on"), _("Entry"), _("Amount (zł)"), _("Description")),
        rows=tuple(
            (when(row["booked_on"]), str(row["kind"]), Decimal(row["amount"]) / 100, row["description"])
            for row in child["ledger"]
        ),
    )  # fmt: skip
    return [
        _fields(_("Child: %(name)s") % name, record, CHILD, when),
        _table(_("%(name)s: guardians") % name, child["guardians"], GUARDIANS, when),
        _table(_("%(name)s: cards") % name, child["cards"], CARDS, when),
        days,
        _table(_("%(name)s: absences reported") % name, child["absences"], ABSENCES, when),
        _table(_("%(name)s: corrections") % name, corrections, CORRECTIONS, when),
        _table(_("%(name)s: kiosk records") % name, child["kiosk_records"], KIOSK_RECORDS, when),
        ledger,
        _table(_("%(name)s: who opened the data") % name, child["reads_of_data"], READS, when),
    ]


def _fields(title: str, record: Mapping[str, Any], labels: Mapping[str, str], shown: Shown) -> Section:
    """A record as a two-column table: each labelled field and its value."""
    return Section(
        title=title,
        columns=(_("Field"), _("Value")),
        rows=tuple((_(label), shown(record.get(key))) for key, label in labels.items()),
    )


def _table(title: str, rows: Iterable[Mapping[str, Any]], labels: Mapping[str, str], shown: Shown) -> Section:
    """Records as a table, one column per labelled field."""
    return Section(
        title=title,
        columns=tuple(_(label) for label in labels.values()),
        rows=tuple(tuple(shown(row.get(key)) for key in labels) for row in rows),
    )


def _words(words: Mapping[str, str], code: str) -> str:
    """A stored code in the reader's words (an unknown one as it is)."""
    return _(words[code]) if code in words else code


def _day_status(day: Mapping[str, Any]) -> str:
    if day["day_off"]:
        return _("day off")
    return _(STATUS.get(day["status"], day["status"]))


def _visits(visits: Iterable[Mapping[str, Any]]) -> str:
    def clock(event: Mapping[str, Any] | None) -> str:
        return event["clock"] if event else "?"

    return ", ".join(f"{clock(visit['arrival'])}–{clock(visit['departure'])}" for visit in visits)


def _when(value: Any, tz: ZoneInfo) -> str:
    """A value as read by a person: a stored instant as a local date and time, a day as
    dd.mm.yyyy, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date | datetime):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text).strftime("%d.%m.%Y")
        except ValueError:
            return text
    if text.endswith("Z") and "T" in text:
        try:
            return from_db(text).astimezone(tz).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            return text
    return text
