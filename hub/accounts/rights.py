"""Who may do what: the rights matrix as data, and the object-level check every page asks.

Each role has a set of rights; each right a role holds has a reach: `ALL` objects, only the
teacher's `OWN_GROUPS` (and the children in them), or only the parent's `OWN_CHILDREN`.
This follows the two procedures (seeds/): the director and the administrator manage
everything; a teacher sees every child's presence (for safety) but corrects, writes topics
and reports absences only in their own groups, and sees children's basic data without
editing it (they report changes to the secretary); the secretary keeps the register of
children, guardians and cards and makes the printouts; a parent sees only their own
children; an inspector reads what the director granted, changes nothing, until a set day;
a kiosk account (a tablet at the entrance) only lets guardians record their own children's
arrivals and departures with their PINs. Announcements and calendar events are published by
the director, the secretary and the administrator for anyone, by a teacher for their own
groups; each person reads those that concern them (`hub.rules.agenda`).

The pedagogical records (000 §4.2, §4.3, §4.4, §6): a teacher writes the monthly work plan
and the observations of their own groups' children ("dostęp do własnych planów pracy"),
the director approves or returns the plans and may modify the register of observations
("zarządzanie/zatwierdzanie planem pracy", "modyfikacja rejestru obserwacji"). The
secretary, who has "dostęp do wszystkich wydruków", reads the plans and the readiness
information (both are printouts) but not the register of observations, which the
procedure gives to no one but the teachers and the director. A parent sees only what is
addressed to them about their own children (`observations.addressed`).
arrivals and departures with their PINs. Staff and parents read and write their own
messages (whom to: `hub.rules.messaging`); only the administrator closes a school year's
messages (procedure 000 §3.6), does the end-of-year routine (003 rozdz. IV.8), whose state
the director sees, and erases a person whose every record is past retention (RODO
art. 17); an inspector and a kiosk have no messages.

`may(account, right, child_id=…, group_id=…)` answers for one object; without an object it
answers whether the role holds the right for some objects (to show a menu item or a button;
the route acting on an object must ask again with the object).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Reach = Literal["all", "own_groups", "own_children"]
ALL: Reach = "all"
OWN_GROUPS: Reach = "own_groups"
OWN_CHILDREN: Reach = "own_children"

RIGHTS = {
    "live.view": "the live page: taps and readers as they happen",
    "presence.view": "who is in the building now (the evacuation list)",
    "attendance.view": "children's arrivals, departures and the inconsistency log",
    "attendance.correct": "correct a child's day (with a reason)",
    "absences.report": "report a child's absence ahead",
    "topics.view": "read the day's topics of groups",
    "topics.write": "write the day's topics of a group",
    "registry.view": "children's data, groups and guardians",
    "registry.edit": "add and change children and guardians",
    "registry.erase": "erase a child, a guardian or an account whose every record is past retention",
    "groups.edit": "add and change groups",
    "cards.edit": "assign and revoke cards",
    "readers.manage": "register readers, change their mode and start their firmware updates",
    "reports.attendance": "attendance printouts: daily sheet, monthly grid, evacuation list, reader health",
    "reports.fees": "fee and meal printouts and the money page: summaries, meal count, balances, arrears",
    "payments.manage": "import bank statements and assign transfers to children",
    "settings.view": "opening hours, closed days, fees and meals, security settings",
    "settings.edit": "change those settings and close months",
    "users.view": "the list of accounts",
    "users.manage": "create accounts, unblock them with a one-time password, set an inspector's expiry",
    "logins.stats": "login statistics",
    "audit.view": "the audit log and refused actions",
    "backups.manage": "backups: make, verify, record extra copies handed over (the register of copies)",
    "kiosk.use": "the entrance's kiosk: a guardian records an arrival or a departure with their PIN",
    "kiosk.pin": "set a guardian's kiosk PIN (a guardian sets their own)",
    "announcements.view": "the announcements that concern the person (their groups, their children's groups)",
    "announcements.publish": "publish and withdraw announcements (a teacher: for their own groups)",
    "calendar.view": "the calendar of events that concern the person, and their private calendar feed",
    "calendar.edit": "add and cancel calendar events (a teacher: for their own groups)",
    "plans.view": "read the groups' monthly work plans and their history",
    "plans.write": "write a group's monthly work plan and submit it to the director",
    "plans.approve": "approve a submitted work plan or return it with a remark",
    "observations.view": "read the register of observations and diagnoses",
    "observations.write": "write observations and the school-readiness information",
    "observations.modify": "modify the register of observations (the earlier text is kept)",
    "readiness.view": "read and print the school-readiness information",
    "observations.addressed": "the observations and readiness information addressed to the parents",
    "notifications.own": "choose one's own notifications by e-mail and Web Push",
    "staff_absences.manage": "enter, end early and cancel staff absences (they extend a teacher's term)",
    "replies.own": "the parents' messages waiting for one's reply, with their terms (a teacher)",
    "replies.oversee": "every teacher's replies overdue, due today, due later and answered late",
    "messages.read": "one's own messages: the inbox, the sent list, threads and their attachments",
    "messages.write": "send messages and reply (to whom: hub/rules/messaging.py)",
    "messages.close": "close a school year's messages after 31 August, and only then remove them",
    "year_end.view": "the end-of-year routine: each step's state for a school year",
    "year_end.run": "do the end-of-year routine: close messages, archive, verify, back up, purge",
}
"""Every right, with what it covers (`ewidencjoner users rights` prints this table)."""

READ_RIGHTS = frozenset(
    {
        "live.view",
        "presence.view",
        "attendance.view",
        "topics.view",
        "registry.view",
        "reports.attendance",
        "reports.fees",
        "settings.view",
        "users.view",
        "logins.stats",
        "audit.view",
        "announcements.view",
        "calendar.view",
        "plans.view",
        "observations.view",
        "readiness.view",
    }
)
"""The rights that change nothing: the only ones an inspector can be granted."""

_STAFF_VIEW: dict[str, Reach] = {
    "live.view": ALL,
    "presence.view": ALL,
    "attendance.view": ALL,
    "topics.view": ALL,
    "registry.view": ALL,
}
ADMINISTRATOR_ONLY = frozenset({"messages.close", "year_end.run", "registry.erase"})
"""The school administrator's own duties (000 §3.6, 003 rozdz. IV.8): closing a year's
messages, the end-of-year routine (the director sees its state) and erasing a person past
retention, as the one who keeps the archive."""
_DIRECTOR: dict[str, Reach] = {name: ALL for name in RIGHTS if name not in ADMINISTRATOR_ONLY}
_MESSAGES: dict[str, Reach] = {"messages.read": ALL, "messages.write": ALL}
"""Reading and writing one's own messages: whom one may write to is the messaging rule's
question (by role and group), and a message is shown only to its writer and recipients."""

ROLE_RIGHTS: dict[str, dict[str, Reach]] = {
    "admin": {**_DIRECTOR, **{name: ALL for name in ADMINISTRATOR_ONLY}},
    "director": _DIRECTOR,
    "teacher": {
        **_STAFF_VIEW,
        "attendance.correct": OWN_GROUPS,
        "absences.report": OWN_GROUPS,
        "topics.write": OWN_GROUPS,
        "reports.attendance": ALL,
        "announcements.view": OWN_GROUPS,
        "calendar.view": OWN_GROUPS,
        "announcements.publish": OWN_GROUPS,
        "calendar.edit": OWN_GROUPS,
        "plans.view": OWN_GROUPS,
        "plans.write": OWN_GROUPS,
        "observations.view": OWN_GROUPS,
        "observations.write": OWN_GROUPS,
        "readiness.view": OWN_GROUPS,
        "notifications.own": ALL,
        "replies.own": ALL,
        **_MESSAGES,
    },
    "secretary": {
        **_STAFF_VIEW,
        "absences.report": ALL,
        "registry.edit": ALL,
        "cards.edit": ALL,
        "reports.attendance": ALL,
        "reports.fees": ALL,
        "payments.manage": ALL,
        "settings.view": ALL,
        "users.view": ALL,
        "kiosk.pin": ALL,
        "announcements.view": ALL,
        "calendar.view": ALL,
        "announcements.publish": ALL,
        "calendar.edit": ALL,
        "plans.view": ALL,
        "readiness.view": ALL,
        "notifications.own": ALL,
        "staff_absences.manage": ALL,
        **_MESSAGES,
    },
    "parent": {
        "attendance.view": OWN_CHILDREN,
        "absences.report": OWN_CHILDREN,
        "registry.view": OWN_CHILDREN,
        "kiosk.pin": OWN_CHILDREN,
        "announcements.view": OWN_CHILDREN,
        "calendar.view": OWN_CHILDREN,
        "observations.addressed": OWN_CHILDREN,
        "notifications.own": ALL,
        **_MESSAGES,
    },
    "inspector": {name: ALL for name in READ_RIGHTS},
    "kiosk": {"kiosk.use": ALL},
}
"""Role → right → reach. An inspector holds only the rights granted to their account."""

ROLES = {
    "admin": "administrator",
    "director": "director",
    "teacher": "teacher",
    "secretary": "secretary",
    "parent": "parent or legal guardian",
    "inspector": "inspector (read only, until a set day)",
    "kiosk": "the entrance's kiosk (a tablet: guardians' PINs, nothing else)",
}
STAFF_ROLES = frozenset({"admin", "director", "teacher", "secretary"})


@dataclass(frozen=True)
class Account:
    """The signed-in person, as the rights see them (loaded for every request)."""

    id: int
    login: str
    """The e-mail address: what identifies the person in the audit log and as an author."""
    name: str
    role: str
    groups: frozenset[int] = frozenset()
    """A teacher's groups."""
    children: frozenset[int] = frozenset()
    """A parent's children; for a teacher, the children of their groups."""
    granted: frozenset[str] | None = None
    """An inspector's granted rights (None: every read right)."""
    expires_on: date | None = None
    must_change_password: bool = False


def reach(account: Account, right: str) -> Reach | None:
    """How far `account` holds `right`, or None when it does not hold it at all."""
    if right not in RIGHTS:
        raise KeyError(f"unknown right {right!r}")
    held = ROLE_RIGHTS.get(account.role, {}).get(right)
    if held is None:
        return None
    if account.role == "inspector" and account.granted is not None and right not in account.granted:
        return None
    return held


def may(account: Account, right: str, *, child_id: int | None = None, group_id: int | None = None) -> bool:
    """May `account` use `right` on this child or group (or, with neither, on some)?"""
    held = reach(account, right)
    if held is None:
        return False
    if held == ALL:
        return True
    if held == OWN_CHILDREN:
        if group_id is not None:
            return False
        return child_id is None or child_id in account.children
    if child_id is not None and child_id not in account.children:
        return False
    return group_id is None or group_id in account.groups


def rights_of(account: Account) -> dict[str, Reach]:
    """Every right the account holds, with its reach."""
    return {right: held for right in RIGHTS if (held := reach(account, right)) is not None}


def is_expired(expires_on: date | None, today: date) -> bool:
    """An account with an expiry day works through that day and no longer."""
    return expires_on is not None and today > expires_on
