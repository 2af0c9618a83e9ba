"""The rights matrix: every route of the app × every kind of account, allowed or refused.

`TABLE` is written out by hand from the two procedures (`seeds/`) and issue 6 — deliberately
not derived from `hub/accounts/rights.py`, which would only test the matrix against itself:

- the director and the administrator manage everything (accounts, groups, settings, months);
- a teacher sees every child's attendance and basic data (for safety; "wgląd w podstawowe
  dane osobowe dzieci", "dostęp do wydruków"), but corrects the days, writes the topics and
  reports absences only in their own group, and edits no personal data (they report changes);
- the secretary keeps the register of children, guardians and cards, reads the list of
  accounts, makes every printout (fees too) and changes no settings and no attendance;
- a parent sees only their own children, reports their absences, reads what is held on them
  ("raport o zawartych w systemie danych") and gets their own child's stay report;
- an inspector reads what the director granted and changes nothing, until a set day; an
  expired inspector is signed out (as anonymous) and cannot sign in;
- nobody signed in: a page sends to /login, `/api/` (and the event stream) answers 401.

Each route is called as each account on a seeded kindergarten with real ids: where a route
takes a child, group, correction or card, once on the teacher's group / the parent's child
("own": Motylki, Ania) and once on the other ("other": Żabki, Olek). Only allow versus
refuse is asserted: a refusal is a 403 whose refusal is logged (`denied_actions`), an allowed
call is anything else (a 422 for a repeated change too), never a 404 (a wrong id in a probe
would otherwise pass as "allowed"). A route missing from the table, or a row naming no route,
fails the test: a new endpoint cannot go untested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from hub.accounts import accounts, calendar_feeds, security_policy
from hub.services import payments, school_readiness, work_plans
from hub.store import (
    absences,
    announcements,
    audit,
    bank,
    calendar_events,
    cards,
    corrections,
    fee_settings,
    kiosk,
    message_files,
    messages,
    observations,
    registry,
    site_settings,
    staff_absences,
)
from tests.journal_support import ANIA_CARD, OLEK_CARD, give_cards, local, store_tap
from tests.notify_support import BrowserKeys
from tests.pages_support import PARENT_EMAIL, Site
from tests.stream_support import open_stream
from tests.web_support import BASE_URL, PASSWORD, log_in, signed_in

DAY = date(2026, 11, 18)
"""A past Wednesday with taps of both children."""
MONTH = "2026-11"

# -- who is asking -----------------------------------------------------------------------

ACTORS = (
    "anonymous",
    "admin",
    "director",
    "teacher",
    "secretary",
    "parent",
    "inspector",
    "inspector_limited",
    "inspector_expired",
    "kiosk",
)
"""`teacher`: of Motylki (Ania's group); `parent`: Ania's mother; `inspector`: every read
right granted; `inspector_limited`: granted only the presence board and attendance printouts;
`inspector_expired`: signed in, then the account's last day passed; `kiosk`: the tablet at
the entrance, which may do nothing but take guardians' PINs (issue 14)."""
SIGNED_OUT = ("anonymous", "inspector_expired")
LIMITED_GRANT = ["presence.view", "reports.attendance"]

# -- the expected matrix, by hand ----------------------------------------------------------

PUBLIC = "anonymous admin director teacher secretary parent inspector inspector_limited kiosk"
SIGNED_IN = "admin director teacher secretary parent inspector inspector_limited kiosk"
STAFF_AND_INSPECTOR = "admin director teacher secretary inspector"
"""Every child's records (attendance, basic data, the live page): staff, and an inspector who
was granted reading them."""
MANAGEMENT = "admin director"
REGISTRAR = "admin director secretary"
"""Children, guardians and cards: the secretary's register (and the director's)."""
ATTENDANCE_PRINTS = "admin director teacher secretary inspector inspector_limited"
FEE_PRINTS = "admin director secretary inspector"
NOTIFIED = "admin director teacher secretary parent"
"""Who chooses their own notifications."""
OWN_FAMILY_READ = "admin director teacher secretary parent inspector"
PLAN_READERS = "admin director teacher secretary inspector"
"""Work plans and the readiness information: the teachers (their own groups), the director,
the secretary (printouts) and an inspector granted them."""
READINESS_YEAR = 2027
"""The school year (2027/2028) in which both probed children are six: their information exists."""
CORRESPONDENTS = "admin director teacher secretary parent"
"""Who has messages: staff and parents (not an inspector, not the kiosk)."""
"""One child's attendance or data: staff and inspector for any child, a parent for their own."""
READERS = "admin director teacher secretary parent inspector"
"""Announcements and the calendar: each reads those that concern them (the kiosk none)."""
PUBLISHERS = "admin director teacher secretary"
"""Announcements and events: the office for anyone, a teacher for their own group."""


@dataclass(frozen=True)
class Rule:
    """Who is allowed: on the own object (Motylki / Ania) and on the other (Żabki / Olek).
    `other` None: the route acts on no child or group of its own (probed once)."""

    own: str
    other: str | None = None
    home: str = ""
    """Accounts sent to their own start page instead of being refused (the live page)."""

    def expected(self, actor: str, target: str) -> str:
        if actor == "inspector_expired":
            actor = "anonymous"  # the expired account's session is ended: nobody is signed in
        allowed = (self.own if target == "own" or self.other is None else self.other).split()
        if actor in allowed:
            return "allow"
        if actor in self.home.split():
            return "home"
        return "login" if actor in SIGNED_OUT else "deny"


def same(roles: str) -> Rule:
    """The same accounts on the own and the other object (probed on both)."""
    return Rule(roles, roles)


TABLE: dict[tuple[str, str, str], Rule] = {
    # What any web app serves. The README says only /login, /static and /api/health are open;
    # the API description (no data of the kindergarten's) is open too: see the report.
    ("GET", "/openapi.json", ""): Rule(PUBLIC),
    ("GET", "/static", ""): Rule(PUBLIC),
    ("GET", "/favicon.ico", ""): Rule(PUBLIC),  # the site's icon, asked for by every browser
    ("GET", "/language/{code}", ""): Rule(PUBLIC),
    ("GET", "/api/health", ""): Rule(PUBLIC),
    # Signing in and one's own account: everyone, an inspector included (their own password).
    ("GET", "/login", ""): Rule(PUBLIC),
    ("POST", "/login", ""): Rule(PUBLIC),
    ("POST", "/logout", ""): Rule(PUBLIC),
    ("GET", "/account/welcome", ""): Rule(SIGNED_IN),
    ("GET", "/account/password", ""): Rule(SIGNED_IN),
    ("POST", "/account/password", ""): Rule(SIGNED_IN),
    ("GET", "/account", ""): Rule(SIGNED_IN),
    ("GET", "/account/data.json", ""): Rule(SIGNED_IN),  # one's own data only (RODO art. 15)
    ("GET", "/account/data.pdf", ""): Rule(SIGNED_IN),  # the same, to read and print
    # Accounts: the list is read by the director, administrator and secretary ("wgląd w listę
    # kont użytkowników"); only the administrator and director create, change and unblock.
    ("GET", "/admin/users", ""): Rule("admin director secretary inspector"),
    ("POST", "/admin/users", ""): Rule(MANAGEMENT),
    ("GET", "/admin/users/{user_id}", ""): Rule("admin director secretary inspector"),
    ("POST", "/admin/users/{user_id}", ""): Rule(MANAGEMENT),
    ("POST", "/admin/users/{user_id}/one-time-password", ""): Rule(MANAGEMENT),
    ("POST", "/admin/users/{user_id}/block", ""): Rule(MANAGEMENT),
    # Erasing a person past retention (RODO art. 17): the administrator's alone, like the
    # archive; the probes post no confirmation, so nothing is erased (422 when allowed).
    ("GET", "/admin/users/{user_id}/erase", ""): Rule("admin"),
    ("POST", "/admin/users/{user_id}/erase", ""): Rule("admin"),
    ("GET", "/registry/children/{child_id}/erase", ""): same("admin"),
    ("POST", "/registry/children/{child_id}/erase", ""): same("admin"),
    ("GET", "/registry/guardians/{guardian_id}/erase", ""): Rule("admin"),
    ("POST", "/registry/guardians/{guardian_id}/erase", ""): Rule("admin"),
    ("GET", "/admin/logins", ""): Rule("admin director inspector"),  # "wgląd w statystyki logowań"
    # Backups and the register of copies: the administrator's duty (003 rozdz. IV.8, XII.2).
    ("GET", "/admin/backups", ""): Rule(MANAGEMENT),
    ("POST", "/admin/backups/run", ""): Rule(MANAGEMENT),  # 422 when allowed: no backup_dir here
    ("POST", "/admin/backups/copies", ""): Rule(MANAGEMENT),
    ("POST", "/admin/backups/{backup_id}/verify", ""): Rule(MANAGEMENT),  # 422: no backup no. 1
    # The live page and readers: staff. A parent starts at their children's page instead.
    ("GET", "/", ""): Rule(STAFF_AND_INSPECTOR, home="parent inspector_limited kiosk"),
    ("GET", "/events", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/api/taps", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/api/readers", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/api/quarantine", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/readers", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/readers/update", ""): Rule(MANAGEMENT),  # firmware over the air: what runs at the door
    # The register through the API: lists of everyone for staff; a parent's own child only.
    ("GET", "/api/groups", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/api/groups", ""): Rule(MANAGEMENT),
    ("GET", "/api/children", ""): Rule(OWN_FAMILY_READ),  # a parent: filtered to their own
    ("GET", "/api/children/{child_id}", ""): Rule(OWN_FAMILY_READ, STAFF_AND_INSPECTOR),
    ("POST", "/api/children", ""): Rule(REGISTRAR),
    ("GET", "/api/guardians", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/api/guardians", ""): Rule(REGISTRAR),
    ("GET", "/api/cards", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/api/cards/unknown", ""): Rule(REGISTRAR),
    ("GET", "/api/cards/desk-reads", ""): Rule(REGISTRAR),
    ("POST", "/api/cards", ""): same(REGISTRAR),
    ("POST", "/api/cards/{card_id}/revoke", ""): same(REGISTRAR),
    ("GET", "/api/days", ""): Rule(OWN_FAMILY_READ),  # a parent: filtered to their own
    ("GET", "/api/presence", ""): Rule("admin director teacher secretary inspector inspector_limited"),
    ("GET", "/api/inconsistencies", ""): Rule(STAFF_AND_INSPECTOR),
    # Attendance is corrected by the group's teacher and the director, with a reason.
    ("POST", "/api/corrections", ""): Rule("admin director teacher", MANAGEMENT),
    ("POST", "/api/corrections/{correction_id}/revoke", ""): Rule("admin director teacher", MANAGEMENT),
    # Printouts: attendance for staff, fees for the secretary and director; a parent only
    # their own child's stay report; an inspector what was granted.
    ("GET", "/reports", ""): Rule(SIGNED_IN),
    ("GET", "/reports/{name}", "daily-sheet"): same(ATTENDANCE_PRINTS),
    ("GET", "/reports/{name}", "monthly-grid"): same(ATTENDANCE_PRINTS),
    ("GET", "/reports/{name}", "evacuation"): Rule(ATTENDANCE_PRINTS),
    ("GET", "/reports/{name}", "reader-health"): Rule(ATTENDANCE_PRINTS),
    ("GET", "/reports/{name}", "stay-report"): Rule("admin director secretary parent inspector", FEE_PRINTS),
    ("GET", "/reports/{name}", "fee-summary"): Rule(FEE_PRINTS),
    ("GET", "/reports/{name}", "meal-count"): Rule(FEE_PRINTS),
    ("GET", "/reports/{name}", "ledger-statement"): Rule(
        "admin director secretary parent inspector", FEE_PRINTS
    ),
    ("GET", "/reports/{name}", "reminder"): Rule("admin director secretary parent inspector", FEE_PRINTS),
    ("GET", "/reports/{name}", "receivables"): Rule(FEE_PRINTS),
    ("GET", "/reports/{name}", "arrears"): Rule(FEE_PRINTS),
    # Attendance statistics: whoever makes attendance printouts, a teacher of every group too
    # ("wgląd w statystyki wszystkich wychowanków", 000 §6.2j); never a parent.
    ("GET", "/reports/{name}", "attendance-stats"): same(ATTENDANCE_PRINTS),
    ("GET", "/statistics", ""): same(ATTENDANCE_PRINTS),
    # The money: balances and arrears for those who see fees; the secretary (the accountant)
    # and the director import statements and assign transfers; a parent their own child's.
    ("GET", "/money", ""): Rule(FEE_PRINTS),
    ("POST", "/money/import", ""): Rule(REGISTRAR),
    ("POST", "/money/settings", ""): Rule(MANAGEMENT),
    ("POST", "/money/transfers/{transfer_id}/assign", ""): Rule(REGISTRAR),
    ("GET", "/parent/children/{child_id}/money", ""): Rule(
        "admin director secretary parent inspector", FEE_PRINTS
    ),
    # The register's pages: staff read (teachers the basic data), the secretary edits,
    # groups are the director's; a parent reads their child's data on their own pages.
    ("GET", "/registry", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/registry/children", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/registry/children", ""): Rule(REGISTRAR),
    ("GET", "/registry/children/{child_id}", ""): same(STAFF_AND_INSPECTOR),
    ("POST", "/registry/children/{child_id}", ""): same(REGISTRAR),
    ("POST", "/registry/children/{child_id}/guardians", ""): same(REGISTRAR),
    ("GET", "/registry/groups", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/registry/groups", ""): Rule(MANAGEMENT),
    ("POST", "/registry/groups/{group_id}", ""): same(MANAGEMENT),
    ("GET", "/registry/guardians", ""): Rule(STAFF_AND_INSPECTOR),
    ("POST", "/registry/guardians", ""): same(REGISTRAR),
    ("GET", "/registry/import", ""): Rule(REGISTRAR),
    ("POST", "/registry/import", ""): Rule(REGISTRAR),
    # Settings and closing months: the director's; the secretary (fees) and an inspector read.
    ("GET", "/settings", ""): Rule("admin director secretary inspector"),
    ("POST", "/settings/hours", ""): Rule(MANAGEMENT),
    ("POST", "/settings/closed-days", ""): Rule(MANAGEMENT),
    ("POST", "/settings/closed-days/remove", ""): Rule(MANAGEMENT),
    ("POST", "/settings/rates", ""): Rule(MANAGEMENT),
    ("POST", "/settings/rules", ""): Rule(MANAGEMENT),
    ("POST", "/settings/meals", ""): Rule(MANAGEMENT),
    ("POST", "/settings/security", ""): Rule(MANAGEMENT),
    ("POST", "/settings/meal-rules", ""): Rule(MANAGEMENT),
    ("GET", "/months", ""): Rule("admin director secretary inspector"),
    ("POST", "/months/close", ""): Rule(MANAGEMENT),
    # A parent's pages: their own child only. Staff may open any child's (no other family's
    # data is on them); an absence is reported by the parent, the secretary, the director,
    # and the teacher of the child's group.
    ("GET", "/parent", ""): Rule(OWN_FAMILY_READ),  # lists only the account's own children
    ("GET", "/parent/children/{child_id}", ""): Rule(OWN_FAMILY_READ, STAFF_AND_INSPECTOR),
    ("POST", "/parent/children/{child_id}/absences", ""): Rule(
        "admin director teacher secretary parent", REGISTRAR
    ),
    ("POST", "/parent/children/{child_id}/absences/{absence_id}/withdraw", ""): Rule(
        "admin director teacher secretary parent", REGISTRAR
    ),
    ("GET", "/parent/children/{child_id}/data", ""): Rule(OWN_FAMILY_READ, STAFF_AND_INSPECTOR),
    # Logs: the inconsistency log for staff; the audit log for the director (and inspector).
    ("GET", "/inconsistencies", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/audit", ""): Rule("admin director inspector"),
    # The journal: every teacher sees every group's presence and days (for safety); only the
    # group's teachers and the director correct a day or write its topics.
    ("GET", "/presence", ""): Rule("admin director teacher secretary inspector inspector_limited"),
    ("GET", "/presence/board", ""): Rule("admin director teacher secretary inspector inspector_limited"),
    ("GET", "/presence/events", ""): Rule("admin director teacher secretary inspector inspector_limited"),
    ("GET", "/days", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/groups/{group_id}/days/{day}", ""): same(STAFF_AND_INSPECTOR),
    ("POST", "/groups/{group_id}/days/{day}/corrections", ""): Rule("admin director teacher", MANAGEMENT),
    ("POST", "/groups/{group_id}/days/{day}/corrections/{correction_id}/revoke", ""): Rule(
        "admin director teacher", MANAGEMENT
    ),
    ("POST", "/groups/{group_id}/days/{day}/topics", ""): Rule("admin director teacher", MANAGEMENT),
    ("GET", "/children/{child_id}", ""): Rule(OWN_FAMILY_READ, STAFF_AND_INSPECTOR),
    ("GET", "/cards", ""): Rule(REGISTRAR),
    ("POST", "/cards", ""): same(REGISTRAR),
    ("POST", "/cards/{card_id}/revoke", ""): same(REGISTRAR),
    # The door (issue 14): every group's grid is read like its day; one tap there is a
    # correction, so only the group's teachers and the director make it.
    ("GET", "/grid", ""): Rule(STAFF_AND_INSPECTOR),
    ("GET", "/groups/{group_id}/grid", ""): same(STAFF_AND_INSPECTOR),
    ("GET", "/groups/{group_id}/grid/rows", ""): same(STAFF_AND_INSPECTOR),
    ("POST", "/groups/{group_id}/grid/{child_id}", ""): Rule("admin director teacher", MANAGEMENT),
    # The kiosk: the kiosk account (and the director, who holds every right) takes PINs;
    # a kiosk record is reviewed like a correction; PINs are set by the secretary's office
    # for any guardian and by a guardian for themselves alone.
    ("GET", "/kiosk", ""): Rule("admin director kiosk"),
    ("POST", "/kiosk", ""): Rule("admin director kiosk"),
    ("POST", "/kiosk/record", ""): Rule("admin director kiosk"),
    ("POST", "/kiosk/done", ""): Rule("admin director kiosk"),
    ("POST", "/kiosk/records/{record_id}/reviewed", ""): Rule("admin director teacher", MANAGEMENT),
    ("GET", "/kiosk/pins/{guardian_id}", ""): Rule(REGISTRAR),
    ("POST", "/kiosk/pins/{guardian_id}", ""): Rule(REGISTRAR),
    ("GET", "/account/pin", ""): Rule("parent"),
    ("POST", "/account/pin", ""): Rule("parent"),
    # Announcements and the calendar (issue 11): everyone but the kiosk reads what concerns
    # them; the office publishes for anyone, a teacher for their own group only; each person
    # makes and revokes their own calendar link; the feed itself needs no login (its token).
    ("GET", "/announcements", ""): Rule(READERS),
    ("POST", "/announcements", ""): Rule(PUBLISHERS, REGISTRAR),
    ("POST", "/announcements/{announcement_id}/withdraw", ""): Rule(PUBLISHERS, REGISTRAR),
    ("GET", "/calendar", ""): Rule(READERS),
    ("POST", "/calendar/events", ""): Rule(PUBLISHERS, REGISTRAR),
    ("POST", "/calendar/events/{event_id}/cancel", ""): Rule(PUBLISHERS, REGISTRAR),
    ("POST", "/calendar/feed", ""): Rule("admin director teacher secretary parent"),
    ("POST", "/calendar/feed/revoke", ""): Rule("admin director teacher secretary parent"),
    ("GET", "/calendar/feed/{token}.ics", ""): Rule(PUBLIC),
    # Work plans (issue 12): the group's teacher writes and submits ("dostęp do własnych
    # planów pracy"), the director approves or returns; the secretary reads them as printouts
    # ("dostęp do wszystkich wydruków"), an inspector when granted.
    ("GET", "/plans", ""): Rule(PLAN_READERS),
    ("GET", "/groups/{group_id}/plans", ""): Rule(PLAN_READERS, "admin director secretary inspector"),
    ("POST", "/groups/{group_id}/plans", ""): Rule("admin director teacher", MANAGEMENT),
    ("GET", "/groups/{group_id}/plans/{plan_month}", ""): Rule(
        PLAN_READERS, "admin director secretary inspector"
    ),
    ("GET", "/reports/work-plan/{group_id}/{plan_month}", ""): Rule(
        PLAN_READERS, "admin director secretary inspector"
    ),
    ("POST", "/groups/{group_id}/plans/{plan_month}/submit", ""): Rule("admin director teacher", MANAGEMENT),
    ("POST", "/groups/{group_id}/plans/{plan_month}/approve", ""): same(MANAGEMENT),
    ("POST", "/groups/{group_id}/plans/{plan_month}/return", ""): same(MANAGEMENT),
    # The register of observations: the group's teachers and the director (who alone modifies
    # it, "modyfikacja rejestru obserwacji"), not the secretary; the readiness information is
    # a printout the secretary reads too; a parent sees what is addressed to them.
    ("GET", "/observations", ""): Rule(PLAN_READERS),
    ("GET", "/children/{child_id}/observations", ""): Rule(
        "admin director teacher inspector", "admin director inspector"
    ),
    ("POST", "/children/{child_id}/observations", ""): Rule("admin director teacher", MANAGEMENT),
    ("POST", "/children/{child_id}/observations/{observation_id}", ""): same(MANAGEMENT),
    ("GET", "/children/{child_id}/readiness/{year}", ""): Rule(
        PLAN_READERS, "admin director secretary inspector"
    ),
    ("GET", "/reports/readiness/{child_id}/{year}", ""): Rule(
        PLAN_READERS, "admin director secretary inspector"
    ),
    ("POST", "/children/{child_id}/readiness/{year}", ""): Rule("admin director teacher", MANAGEMENT),
    ("POST", "/children/{child_id}/readiness/{year}/finalize", ""): Rule(
        "admin director teacher", MANAGEMENT
    ),
    ("POST", "/children/{child_id}/readiness/{year}/given", ""): Rule("admin director teacher", MANAGEMENT),
    ("GET", "/parent/children/{child_id}/observations", ""): Rule("admin director parent", MANAGEMENT),
    # Notifications: everyone who works with the journal chooses their own; an inspector
    # (read only) and the kiosk (a tablet nobody owns) get none.
    ("GET", "/account/notifications", ""): Rule(NOTIFIED),
    ("POST", "/account/notifications", ""): Rule(NOTIFIED),
    ("POST", "/api/push-subscriptions", ""): Rule(NOTIFIED),
    ("POST", "/api/push-subscriptions/remove", ""): Rule(NOTIFIED),
    # Messages (issue 11): staff and parents read and write their own (000 §3; whom to is the
    # messaging rule's, tested in test_messaging_rules.py); a message, its thread and its
    # attachments open only for its writer and recipients (here all five, the administrator
    # wrote it); an inspector and the kiosk have no messages. Only the administrator closes
    # a past school year's messages and then removes them (000 §3.6).
    ("GET", "/messages", ""): Rule(CORRESPONDENTS),
    ("GET", "/messages/sent", ""): Rule(CORRESPONDENTS),
    ("GET", "/messages/new", ""): Rule(CORRESPONDENTS),
    ("POST", "/messages/new", ""): Rule(CORRESPONDENTS),
    ("GET", "/messages/{message_id}", ""): Rule(CORRESPONDENTS),
    ("POST", "/messages/{message_id}/reply", ""): Rule(CORRESPONDENTS),
    ("GET", "/messages/attachments/{attachment_id}", ""): Rule(CORRESPONDENTS),
    ("GET", "/messages/years", ""): Rule("admin"),
    ("POST", "/messages/years/close", ""): Rule("admin"),
    ("POST", "/messages/years/remove", ""): Rule("admin"),
    # The end of the school year (003 rozdz. IV.8): the administrator does it, step by step;
    # the director, who controls the administrator's work, sees each step's state.
    ("GET", "/year-end", ""): Rule(MANAGEMENT),
    ("POST", "/year-end/{step}", ""): Rule("admin"),  # 422 when allowed: the messages are first
    ("GET", "/api/messages", ""): Rule(CORRESPONDENTS),
    ("POST", "/api/messages", ""): Rule(CORRESPONDENTS),
    ("GET", "/api/messages/{message_id}", ""): Rule(CORRESPONDENTS),
    # The reply rule (issue 11): staff absences are entered by the director or the secretary
    # (000 §3.5: the term runs from the teacher's return); a teacher reads what they owe and
    # marks a message as needing no reply; the director reads every teacher's panel.
    ("GET", "/staff-absences", ""): Rule(REGISTRAR),
    ("POST", "/staff-absences", ""): Rule(REGISTRAR),
    ("POST", "/staff-absences/{staff_absence_id}/end", ""): Rule(REGISTRAR),
    ("POST", "/staff-absences/{staff_absence_id}/cancel", ""): Rule(REGISTRAR),
    ("GET", "/replies", ""): Rule("admin director teacher"),
    ("POST", "/replies/{message_id}/no-reply", ""): Rule("admin director teacher"),
    ("GET", "/replies/panel", ""): Rule(MANAGEMENT),
}

READ_ONLY_MAY_POST = {"/login", "/logout", "/account/password"}
"""The only changes an inspector's session may make (by hand, from the issue): its own."""


# -- the routes the app has ----------------------------------------------------------------


def walk(routes: list[BaseRoute]) -> Iterator[Any]:
    """Every route, through FastAPI's `_IncludedRouter` wrappers (FastAPI 0.165 keeps an
    included router as one entry whose effective routes carry the full path)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from walk(route.effective_candidates())
        else:
            yield route


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in walk(app.routes):
        if isinstance(route, Mount):
            found.add(("GET", route.path))
            continue
        for method in route.methods or ():
            if method != "HEAD":  # answered wherever GET is
                found.add((method, route.path))
    return found


# -- the kindergarten and its accounts ----------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The ids a probe fills its path and form with: the own objects or the other ones."""

    child: int
    group: int
    correction: int
    card: int
    absence: int
    child_form: dict[str, str]
    group_form: dict[str, str]
    kiosk_record: int
    announcement: int
    calendar_event: int
    observation: int = 0


@dataclass
class World:
    site: Site
    clients: dict[str, TestClient]
    logins: dict[str, str | None]
    targets: dict[str, Target]
    victim: int
    """An account the administrator's forms act on (never one of the clients)."""
    guardian: int
    """A guardian with no account, for linking to children."""
    transfer: int
    """A bank transfer nobody's yet (the first allowed assignment takes it, the rest get 422)."""
    forms: dict[str, dict[str, str]]
    """The settings as stored, so a settings form changes nothing when it is allowed."""
    feed_token: str
    """A calendar feed's token (of `victim`'s account, which no probe's session holds)."""
    message: int = 0
    """A message the administrator sent to the director, teacher, secretary and parent."""
    attachment: int = 0
    """Its attachment."""
    staff_absence: int = 0
    """The victim's absence, ended early and cancelled by the probes."""
    owed_message: int = 0
    """A parent's message to the teacher, waiting for her reply (the no-reply form's)."""

    def fresh(self, actor: str) -> TestClient:
        """A second session of the actor's account (for logging out without ending theirs)."""
        if actor in SIGNED_OUT:
            return self.clients[actor]
        client = TestClient(self.site.app, base_url=BASE_URL)
        response = log_in(client, str(self.logins[actor]), PASSWORD)
        assert response.status_code == 200, response.text
        return client


def child_form(child: dict[str, Any]) -> dict[str, str]:
    return {
        "first_name": child["first_name"],
        "last_name": child["last_name"],
        "group": str(child["group_id"]),
        "birth_date": child["birth_date"] or "",
        "active_from": child["active_from"] or "",
        "active_to": child["active_to"] or "",
        "fee_exempt": "",
        "notes": child["notes"] or "",
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    site = Site.make(tmp_path_factory.mktemp("matrix"))
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    store_tap(db, 1, ANIA_CARD, local(site.settings, DAY, time(7, 40)))
    store_tap(db, 2, OLEK_CARD, local(site.settings, DAY, time(8, 0)))
    registry.update_child(db, site.olek, birth_date="2021-02-03", author="test")  # six in 2027/2028
    targets = {}
    guardian_of = {
        "own": registry.guardians_of(db, site.ania)[0]["id"],
        "other": registry.add_guardian(db, name="Ewa Żak", children=[site.olek], author="test")["id"],
    }
    for name, child_id, group_id, uid in (
        ("own", site.ania, site.motylki, "04CC0001"),
        ("other", site.olek, site.zabki, "04CC0002"),
    ):
        spare = cards.assign_card_from_day(
            db, uid=uid, child_id=child_id, author="test", day=date(2026, 9, 1), tz=site.settings.tz
        )
        fix = corrections.add_correction(
            db, child_id=child_id, day=DAY, kind="mark_present", reason="kartka z szatni", author="test"
        )
        group = registry.get_group(db, group_id)
        targets[name] = Target(
            child=child_id,
            group=group_id,
            correction=int(fix["id"]),
            card=int(spare["id"]),
            absence=int(
                absences.report_absence(
                    db, child_id=child_id, first=date(2099, 1, 12), last=date(2099, 1, 12), reported_by="test"
                )[0]["id"]
            ),
            child_form=child_form(registry.get_child(db, child_id)),
            group_form={"name": group["name"], "teachers": group["teachers"] or ""},
            kiosk_record=0,  # recorded once the kiosk's account exists (below)
            announcement=announcements.publish(
                db, title="Ogłoszenie", body="Treść", audience="group", group_id=group_id,
                shown_from=DAY, shown_to=DAY, author="test",
            )["id"],
            calendar_event=calendar_events.add_event(
                db, kind="trip", title="Wycieczka", group_id=group_id, start=DAY, end=DAY, author="test",
                tz=site.settings.tz,
            )["id"],
        )  # fmt: skip
    for name, target in targets.items():
        plan = work_plans.write(
            db, group_id=target.group, year=DAY.year, month=DAY.month, text="Plan", author="test"
        )
        work_plans.submit(db, plan["id"], actor="test")
        entry = observations.add(
            db, child_id=target.child, day=DAY, kind="observation", text="Obserwacja", author="test"
        )
        school_readiness.write(
            db, child_id=target.child, school_year=READINESS_YEAR, text="Informacja", author="test"
        )
        targets[name] = replace(target, observation=int(entry["id"]))
    # The probes link this one to children: never the parent account's guardian, whose links
    # decide which children the parent sees.
    guardian = registry.add_guardian(db, name="Jan Żak", relation="ojciec", author="test")["id"]
    payments.import_file(db, BANK_CSV.replace(b"12,50", b"7,00"), file_name="w.csv", author="test")
    [transfer] = [t["id"] for t in bank.transfers(db, unmatched=True)]
    meals = fee_settings.load(db).meals
    stored = site_settings.get_all(db)
    forms = {
        "security": {key: str(value) for key, value in vars(security_policy.load(db)).items()},
        "hours": {key: str(stored[key]) for key in ("opening", "closing", "debounce_s")},
        "meal-rules": {
            "cutoff": f"{meals.cutoff:%H:%M}",
            "days_before": str(meals.cutoff_days_before),
            "billing": meals.billing,
        },
    }
    db.close()

    options: dict[str, tuple[str, dict[str, Any]]] = {
        "admin": ("admin", {}),
        "director": ("director", {}),
        "teacher": ("teacher", {"groups": [site.motylki]}),
        "secretary": ("secretary", {}),
        "parent": ("parent", {"email": PARENT_EMAIL, "children": [site.ania]}),
        "inspector": ("inspector", {"expires_on": date(2099, 12, 31)}),
        "inspector_limited": (
            "inspector",
            {"email": "kontrola@p11.example.pl", "expires_on": date(2099, 12, 31), "granted": LIMITED_GRANT},
        ),
        "inspector_expired": (
            "inspector",
            {"email": "dawna.kontrola@p11.example.pl", "expires_on": date(2099, 12, 31)},
        ),
        "kiosk": ("kiosk", {"email": "kiosk@p11.example.pl"}),
    }
    clients = {"anonymous": TestClient(site.app, base_url=BASE_URL)}
    logins: dict[str, str | None] = {"anonymous": None}
    for actor, (role, account) in options.items():
        clients[actor] = signed_in(site.app, site.settings.database, role, **account)
        logins[actor] = clients[actor].account["email"]  # type: ignore[attr-defined]
    db = site.db()
    yesterday = datetime.now(site.settings.tz).date() - timedelta(days=1)
    expired = clients["inspector_expired"].account["id"]  # type: ignore[attr-defined]
    accounts.update_user(db, expired, author="test", expires_on=yesterday)
    del clients["inspector_expired"].headers["X-CSRF-Token"]  # its pages no longer carry one
    kiosk_id = clients["kiosk"].account["id"]  # type: ignore[attr-defined]
    for name, target in targets.items():
        record = kiosk.record(
            db, kiosk_id=kiosk_id, kiosk_login="test", guardian_id=guardian_of[name], child_id=target.child,
            direction="in", now=local(site.settings, DAY, time(8, 30)),
        )  # fmt: skip
        targets[name] = replace(target, kiosk_record=int(record["id"]))
    victim = accounts.add_user(
        db, email="ofiara@p11.example.pl", name="Konto Do Zmian", role="teacher", author="test"
    )[0]["id"]
    feed_token = calendar_feeds.new_feed(db, victim, author="test")
    pdf = message_files.put(site.settings.attachments_dir, b"%PDF-1.7 macierz")
    message = messages.add_message(
        db, sender_id=clients["admin"].account["id"], actor="test", subject="Macierz", body="Do wszystkich.",  # type: ignore[attr-defined]
        school_year="2026/2027", attachments=[messages.Attachment("plan.pdf", "application/pdf", 16, pdf)],
        recipients=[
            messages.Recipient(clients[actor].account["id"], "person")  # type: ignore[attr-defined]
            for actor in ("director", "teacher", "secretary", "parent")
        ],
    )  # fmt: skip
    attachment = messages.attachments_of(db, message)[0]["id"]
    staff_absence = staff_absences.add_absence(
        db, account_id=victim, first=date(2099, 2, 2), last=date(2099, 2, 6), kind="leave", author="test"
    )["id"]
    owed_message = messages.add_message(
        db, sender_id=clients["parent"].account["id"], actor="test", subject="Pytanie", body="Czy jutro?",  # type: ignore[attr-defined]
        recipients=[messages.Recipient(clients["teacher"].account["id"], "teacher")],  # type: ignore[attr-defined]
        school_year="2026/2027",
    )  # fmt: skip
    db.close()
    return World(
        site, clients, logins, targets, victim, guardian, transfer, forms, feed_token, message=message,
        attachment=attachment, staff_absence=staff_absence, owed_message=owed_message,
    )  # fmt: skip


# -- the probes: a real request per route, with real ids and a form that could succeed -----


@dataclass(frozen=True)
class Probe:
    path: str
    query: str = ""
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


REPORT_QUERIES = {
    "daily-sheet": "date={day}&group={group}",
    "monthly-grid": f"month={MONTH}&group={{group}}",
    "evacuation": "",
    "reader-health": "from={day}&to={day}",
    "stay-report": f"month={MONTH}&child={{child}}",
    "fee-summary": f"month={MONTH}",
    "meal-count": "date={day}",
    "ledger-statement": "child={child}",
    "reminder": "child={child}",
    "receivables": f"month={MONTH}",
    "arrears": "",
    "attendance-stats": f"month={MONTH}&group={{group}}",
}
STATIC_FILE = "/static/style.css"
BANK_CSV = (
    "Data operacji;Kwota;Tytuł;Nadawca;Rachunek;Identyfikator\n2026-11-20;12,50;za obiady;A;;x\n".encode()
)
"""A bank statement with one transfer nobody's (each allowed import of it adds nothing new)."""


def probe_for(world: World, method: str, template: str, case: str, target: Target) -> Probe:
    """The request that uses the route: its path filled with real ids and, for a change,
    a form (or JSON) valid enough that only a missing right could refuse it."""
    path = template.format(
        child_id=target.child,
        group_id=target.group,
        day=DAY.isoformat(),
        correction_id=target.correction,
        card_id=target.card,
        absence_id=target.absence,
        user_id=world.victim,
        transfer_id=world.transfer,
        record_id=target.kiosk_record,
        guardian_id=world.guardian,
        backup_id=1,
        message_id=world.owed_message if template.startswith("/replies/") else world.message,
        attachment_id=world.attachment,
        staff_absence_id=world.staff_absence,
        name=case,
        code="en",
        announcement_id=target.announcement,
        event_id=target.calendar_event,
        token=world.feed_token,
        plan_month=MONTH,
        observation_id=target.observation,
        year=READINESS_YEAR,
        step="verify",
    )
    if template == "/static":
        return Probe(STATIC_FILE)
    if method == "GET":
        queries = {
            "/reports/{name}": REPORT_QUERIES.get(case, ""),
            "/api/days": "date={day}",
            "/api/taps": "from={day}&to={day}",
            "/api/inconsistencies": "from={day}&to={day}",
            "/statistics": "group={group}&period=2026",
        }
        query = queries.get(template, "").format(day=DAY.isoformat(), group=target.group, child=target.child)
        return Probe(path, query)
    suffix = "1" if target.child == world.targets["own"].child else "2"
    forms: dict[str, dict[str, str]] = {
        "/login": {"email": "nikt@p11.example.pl", "password": "Zle-Haslo-2026"},
        "/logout": {},
        "/account/password": {
            "current_password": "Nie-Moje-Haslo-1",
            "new_password": "Nowe-Haslo-2027",
            "repeat_password": "Nowe-Haslo-2027",
        },
        "/admin/users": {
            "email": "nowa.nauczycielka@p11.example.pl",
            "name": "Nowa Nauczycielka",
            "role": "teacher",
            "groups": str(target.group),
        },
        "/admin/users/{user_id}": {"name": "Konto Do Zmian", "title": ""},
        "/admin/users/{user_id}/one-time-password": {},
        "/admin/users/{user_id}/block": {},
        "/admin/users/{user_id}/erase": {},
        "/registry/children/{child_id}/erase": {},
        "/registry/guardians/{guardian_id}/erase": {},
        "/registry/children": {**target.child_form, "first_name": "Nowe", "last_name": "Dziecko"},
        "/registry/children/{child_id}": target.child_form,
        "/registry/children/{child_id}/guardians": {"guardian_id": str(world.guardian), "relation": "matka"},
        "/registry/groups": {"name": "Nowa grupa", "teachers": ""},
        "/registry/groups/{group_id}": target.group_form,
        "/registry/guardians": {"name": "Nowy Opiekun", "child_id": str(target.child)},
        "/registry/import": {},
        "/settings/hours": world.forms["hours"],
        "/settings/closed-days": {"day": "2027-01-04", "reason": "inwentaryzacja"},
        "/settings/closed-days/remove": {"day": "2027-01-04"},
        "/settings/rates": {"valid_from": "2027-09-01", "per_hour": "1,44", "basis": "uchwała"},
        "/settings/rules": {
            "valid_from": "2027-09-01",
            "free_kind": "window",
            "free_start": "08:00",
            "free_end": "13:00",
            "rounding": "full_hour",
            "rounding_scope": "day",
            "grace_minutes": "0",
            "missing_scan": "flag_only",
            "age_exemption": "yes",
        },
        "/settings/meals": {"valid_from": "2027-09-01", "meal": "obiad", "price": "6,00"},
        "/settings/security": world.forms["security"],
        "/settings/meal-rules": world.forms["meal-rules"],
        "/months/close": {"month": "2026-09"},
        "/parent/children/{child_id}/absences": {"first": "2099-01-13", "reason": "katar"},  # a Tuesday
        "/parent/children/{child_id}/absences/{absence_id}/withdraw": {},
        "/groups/{group_id}/days/{day}/corrections": {
            "child_id": str(target.child),
            "kind": "mark_present",
            "reason": "test macierzy",
        },
        "/groups/{group_id}/days/{day}/corrections/{correction_id}/revoke": {"reason": "pomyłka"},
        "/groups/{group_id}/days/{day}/topics": {"topic": "Jesienne liście"},
        "/cards": {"uid": f"04BB000{suffix}", "child_id": str(target.child), "from_day": DAY.isoformat()},
        "/cards/{card_id}/revoke": {"reason": "zgubiona"},
        "/readers/update": {"reader": "all", "version": "0.0.0-matrix"},  # refused: not the hub's release
        "/admin/backups/run": {"purpose": "test macierzy"},
        "/admin/backups/copies": {"recipient": "Kuratorium", "location": "pendrive"},
        "/admin/backups/{backup_id}/verify": {},
        "/money/transfers/{transfer_id}/assign": {"child": str(target.child)},
        "/money/settings": {"due_day": "15", "account_prefix": "", "interest_threshold": "870"},
        "/groups/{group_id}/grid/{child_id}": {"action": "came"},
        "/kiosk": {"phone": "600 000 000", "pin": "2468"},
        "/kiosk/record": {"pass": "nieważna", "child_id": str(target.child), "direction": "in"},
        "/kiosk/done": {"pass": "nieważna"},
        "/kiosk/records/{record_id}/reviewed": {},
        "/kiosk/pins/{guardian_id}": {"pin": "2468", "repeat_pin": "2468"},
        "/account/pin": {"pin": "2468", "repeat_pin": "2468"},
        "/announcements": {
            "title": "Ogłoszenie",
            "body": "Treść",
            "audience": f"group:{target.group}",
            "shown_from": "2026-12-07",
            "shown_to": "2026-12-09",
        },
        "/announcements/{announcement_id}/withdraw": {"reason": "pomyłka"},
        "/calendar/events": {
            "kind": "trip",
            "title": "Las",
            "group": str(target.group),
            "start_day": "2026-12-10",
        },
        "/calendar/events/{event_id}/cancel": {"reason": "deszcz"},
        "/calendar/feed": {},
        "/calendar/feed/revoke": {},
        "/groups/{group_id}/plans": {"month": MONTH, "text": "Plan z macierzy"},
        "/groups/{group_id}/plans/{plan_month}/submit": {},
        "/groups/{group_id}/plans/{plan_month}/approve": {},
        "/groups/{group_id}/plans/{plan_month}/return": {"remark": "Uwaga z macierzy"},
        "/children/{child_id}/observations": {
            "day": DAY.isoformat(),
            "kind": "observation",
            "text": "Obserwacja",
        },
        "/children/{child_id}/observations/{observation_id}": {
            "day": DAY.isoformat(),
            "kind": "observation",
            "text": "Zmieniona obserwacja",
        },
        "/children/{child_id}/readiness/{year}": {"text": "Informacja z macierzy"},
        "/children/{child_id}/readiness/{year}/finalize": {},
        "/children/{child_id}/readiness/{year}/given": {"given_on": DAY.isoformat()},
        "/account/notifications": {"message.email": "1", "arrival.push": "1"},
        "/messages/new": {"to": "director", "subject": "Macierz", "body": "Test macierzy."},
        "/messages/{message_id}/reply": {"body": "Odpowiedź z macierzy."},
        "/messages/years/close": {"year": "2020/2021"},
        "/messages/years/remove": {"year": "2019/2020"},  # not closed: refused (422) when allowed
        "/year-end/{step}": {"year": "2025"},
        "/staff-absences": {"account_id": str(world.victim), "kind": "training", "first": "2099-03-02"},
        "/staff-absences/{staff_absence_id}/end": {"last": "2099-02-03", "reason": "wróciła"},
        "/staff-absences/{staff_absence_id}/cancel": {"reason": "pomyłka"},
        "/replies/{message_id}/no-reply": {"reason": "podziękowanie"},
    }
    bodies: dict[str, dict[str, Any]] = {
        "/api/groups": {"name": "Grupa z API"},
        "/api/children": {"first_name": "Api", "last_name": "Dziecko", "group": target.group},
        "/api/guardians": {"name": "Opiekun z API", "children": [target.child]},
        "/api/cards": {"uid": f"04AA000{suffix}", "child_id": target.child},
        "/api/cards/{card_id}/revoke": {"reason": "zgubiona"},
        "/api/corrections": {
            "child_id": target.child,
            "day": DAY.isoformat(),
            "kind": "mark_present",
            "reason": "test macierzy",
        },
        "/api/corrections/{correction_id}/revoke": {"reason": "pomyłka"},
        "/api/push-subscriptions": BrowserKeys().subscription("https://push.example.com/matrix"),
        "/api/push-subscriptions/remove": {"endpoint": "https://push.example.com/matrix"},
        "/api/messages": {"audience": "director", "subject": "Macierz", "body": "Test macierzy."},
    }
    if template in bodies:
        return Probe(path, json=bodies[template])
    if template == "/registry/import":
        group = world.targets["own"].group_form["name"]
        csv = f"imię;nazwisko;grupa\nZ Importu;Dziecko;{group}\n".encode()
        return Probe(path, form={}, files={"file": ("dzieci.csv", csv, "text/csv")})
    if template == "/money/import":
        return Probe(path, form={}, files={"file": ("wyciag.csv", BANK_CSV, "text/csv")})
    return Probe(path, form=forms[template])


@dataclass(frozen=True)
class Seen:
    outcome: str
    """allow, deny (403, logged), login (to /login or 401), home (sent to the start page)."""
    status: int
    detail: str


def newest_denial(world: World) -> int:
    db = world.site.db()
    try:
        row = db.execute("SELECT max(id) FROM denied_actions").fetchone()
        return int(row[0] or 0)
    finally:
        db.close()


def call(world: World, actor: str, method: str, template: str, probe: Probe) -> Seen:
    """Make the probe's request as `actor` and say what came of it."""
    client = world.fresh(actor) if template == "/logout" else world.clients[actor]
    before = newest_denial(world)
    url = probe.path + (f"?{probe.query}" if probe.query else "")
    if method == "GET" and template.endswith("/events"):  # event streams never end by themselves
        streamed = open_stream(world.site.app, url, dict(client.cookies.items()))
        status, headers = streamed.status, streamed.headers
    elif method == "GET":
        response = client.get(url, follow_redirects=False)
        status, headers = response.status_code, dict(response.headers)
    else:
        form = dict(probe.form or {})
        if "X-CSRF-Token" not in client.headers or actor in SIGNED_OUT:
            client.get("/login")  # the login form's own token, as a browser would have it
            form["csrf_token"] = client.cookies.get("ewid_login_csrf", "")
        if probe.json is not None:
            response = client.post(url, json=probe.json, follow_redirects=False)
        else:
            response = client.post(url, data=form, files=probe.files, follow_redirects=False)
        status, headers = response.status_code, dict(response.headers)
    location = headers.get("location", "")
    denials = newest_denial(world) - before
    detail = f"{status} {location}".strip()
    if status == 403:
        return Seen("deny" if denials == 1 else f"403 with {denials} refusals logged", status, detail)
    if denials:
        return Seen(f"{denials} refusals logged but {status}", status, detail)
    is_api = probe.path.startswith("/api/") or probe.path == "/events"
    if (status == 401 and is_api) or (status == 303 and location.startswith("/login?next=")):
        return Seen("login", status, detail)
    if status == 303 and (location in ("/parent", "/account") or (location == "/kiosk" and method == "GET")):
        return Seen("home", status, detail)
    if status in (200, 201, 303, 401, 422):  # 401: a wrong password at /login
        return Seen("allow", status, detail)
    return Seen(f"unexpected {status}", status, detail)


def assert_denial_logged(world: World, actor: str, path: str) -> None:
    db = world.site.db()
    try:
        row = audit.denials(db, limit=1)[0]
    finally:
        db.close()
    assert (row["path"], row["login"]) == (path, world.logins[actor]), row


# -- the tests ------------------------------------------------------------------------------


def test_every_route_has_a_row_and_every_row_a_route(world: World) -> None:
    routes = app_routes(world.site.app)
    rows = {(method, path) for method, path, _case in TABLE}
    assert sorted(routes - rows) == [], "routes with no row in TABLE: add who may use them"
    assert sorted(rows - routes) == [], "rows naming no route: the route was renamed or removed"


def test_an_inspector_may_post_only_to_their_own_account(world: World) -> None:
    """Written apart from the rows' role lists: every POST row keeps the inspector out but
    the three that act on the inspector's own session."""
    for (method, path, _case), rule in TABLE.items():
        if method != "POST":
            continue
        allowed = set(rule.own.split()) | set((rule.other or "").split())
        assert ("inspector" in allowed) == (path in READ_ONLY_MAY_POST), path


CASES = sorted(TABLE, key=lambda key: (key[1], key[0], key[2]))


@pytest.mark.parametrize(
    ("method", "template", "case"), CASES, ids=[f"{m} {p} {c}".strip() for m, p, c in CASES]
)
def test_matrix(world: World, method: str, template: str, case: str) -> None:
    rule = TABLE[(method, template, case)]
    wrong = []
    for target in ("own",) if rule.other is None else ("own", "other"):
        probe = probe_for(world, method, template, case, world.targets[target])
        for actor in ACTORS:
            seen = call(world, actor, method, template, probe)
            expected = rule.expected(actor, target)
            if seen.outcome != expected:
                wrong.append(
                    f"{actor:>17} on {target:<5}: expected {expected}, got {seen.outcome} ({seen.detail})"
                )
            elif expected == "deny":
                assert_denial_logged(world, actor, probe.path)
    assert not wrong, f"{method} {template} {case}\n" + "\n".join(wrong)


# -- object-level cases, spelled out ---------------------------------------------------------


def test_a_parent_asking_for_another_childs_data_by_id_is_refused_and_logged(world: World) -> None:
    parent = world.clients["parent"]
    olek, ania = world.targets["other"].child, world.targets["own"].child
    for path in (
        f"/api/children/{olek}",
        f"/parent/children/{olek}",
        f"/parent/children/{olek}/data",
        f"/children/{olek}",
        f"/reports/stay-report?month={MONTH}&child={olek}",
        f"/registry/children/{ania}",  # the staff register, even for their own child
    ):
        before = newest_denial(world)
        assert parent.get(path, follow_redirects=False).status_code == 403, path
        assert newest_denial(world) == before + 1, path
    db = world.site.db()
    try:
        refused = [(row["login"], row["object"]) for row in audit.denials(db, limit=6)]
    finally:
        db.close()
    assert refused.count((PARENT_EMAIL, f"child {olek}")) >= 4


def test_lists_a_parent_may_read_hold_only_their_own_child(world: World) -> None:
    parent = world.clients["parent"]
    ania = world.targets["own"].child
    assert [child["id"] for child in parent.get("/api/children").json()] == [ania]
    assert {day["child_id"] for day in parent.get(f"/api/days?date={DAY}").json()} == {ania}
    zabki = world.targets["other"].group
    assert parent.get(f"/api/days?date={DAY}&group={zabki}").json() == []
    page = parent.get("/parent").text
    assert (
        f"/parent/children/{ania}" in page and f"/parent/children/{world.targets['other'].child}" not in page
    )


def test_a_teacher_cannot_smuggle_another_groups_child_or_correction_through_their_own_group(
    world: World,
) -> None:
    """The own group's address with the other group's child or correction: refused, nothing
    stored (the page checks the child and the correction belong to the group in the URL)."""
    teacher = world.clients["teacher"]
    own, other = world.targets["own"], world.targets["other"]
    db = world.site.db()
    olek_fix = corrections.add_correction(
        db, child_id=other.child, day=DAY, kind="mark_present", reason="kartka", author="test"
    )["id"]
    stored = db["corrections"].count
    day = f"/groups/{own.group}/days/{DAY}"
    smuggled = teacher.post(
        f"{day}/corrections",
        data={"child_id": str(other.child), "kind": "mark_absent", "reason": "próba"},
        follow_redirects=False,
    )
    assert smuggled.status_code in (403, 422)
    revoked = teacher.post(
        f"{day}/corrections/{olek_fix}/revoke", data={"reason": "próba"}, follow_redirects=False
    )
    assert revoked.status_code in (403, 404)
    api = teacher.post(f"/api/corrections/{olek_fix}/revoke", json={"reason": "próba"})
    assert api.status_code == 403
    api = teacher.post(
        "/api/corrections",
        json={"child_id": other.child, "day": DAY.isoformat(), "kind": "mark_absent", "reason": "próba"},
    )
    assert api.status_code == 403
    assert db["corrections"].count == stored
    assert corrections.get_correction(db, olek_fix)["revoked_at"] is None
    db.close()


def test_an_expired_inspector_cannot_sign_in(world: World) -> None:
    client = TestClient(world.site.app, base_url=BASE_URL)
    response = log_in(client, str(world.logins["inspector_expired"]), PASSWORD)
    assert response.status_code == 401 and "ewid_session" not in client.cookies
    assert client.get("/api/presence").status_code == 401


def test_the_event_streams_open_for_staff(world: World) -> None:
    """The probes of the streams are real: a teacher's stream starts, its first event comes
    (and the test hangs up)."""
    for path in ("/events", "/presence/events"):
        streamed = open_stream(world.site.app, path, dict(world.clients["teacher"].cookies.items()), events=1)
        assert streamed.status == 200 and streamed.headers["content-type"].startswith("text/event-stream")
        assert streamed.events[0]["event"] in ("hello", "board")


def test_the_probes_reach_the_routes(world: World) -> None:
    """Not vacuous: the director's calls on the own objects (or, on a route only a parent
    may use, the parent's) come back 200 or a redirect, never a 404 of a wrong id (a 404
    answered before the rights check would pass as allowed)."""
    for (method, template, case), rule in TABLE.items():
        if method != "GET" or template.endswith("/events"):
            continue
        allowed = rule.own.split()
        director = world.clients["director" if "director" in allowed else allowed[0]]
        probe = probe_for(world, method, template, case, world.targets["own"])
        response = director.get(
            probe.path + (f"?{probe.query}" if probe.query else ""), follow_redirects=False
        )
        assert response.status_code in (200, 303), (template, case, response.status_code, response.text[:300])
