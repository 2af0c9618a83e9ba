"""Erasing a person past retention (RODO art. 17, within the law's limits).

A child, a guardian or an account is erased only when every record of theirs is past the
journal's term (`hub.rules.retention.erasable_from`, from the latest of their records:
`hub.store.erasure.LATEST`); earlier, the refusal names the first day it becomes possible.
A child still attending cannot be erased, nor a guardian of one. A guardian's erasure
waits for each of their children and takes their accounts with them.

Erasing deletes the person's rows and the audit entries about them, keeps a nameless
tombstone where figures count the person (`hub.store.erasure.REFERENCES`), scrubs their
name, e-mail and phone from every text column, and records in the audit log who erased
which id, when, and how many rows of which table: nothing of what was erased.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import N_, Label, Refusal
from hub.rules.retention import erasable_from, journal_kept_until
from hub.rules.school_year import school_year_of, school_year_start
from hub.store import audit, erasure, registry
from hub.store.erasure import ERASED, Person
from hub.timefmt import from_db

WHAT: dict[Person, Label] = {"child": Label(N_("Child")), "guardian": Label(N_("Guardian")),
                             "account": Label(N_("Account"))}  # fmt: skip
AUDIT_ENTITY: dict[Person, str] = {"child": "child", "guardian": "guardian", "account": "user"}


@dataclass(frozen=True)
class Verdict:
    """When a person may be erased: `last_record` is the day of their latest record."""

    person: Person
    person_id: int
    last_record: date | None
    erasable_from: date | None
    """None: they may be erased whenever (no record at all)."""


@dataclass(frozen=True)
class Erased:
    person: Person
    person_id: int
    rows: dict[str, int] = field(default_factory=dict)
    """Rows deleted per table, then rows scrubbed per table (`scrubbed:TABLE`)."""


def verdict(db: Database, settings: Settings, person: Person, person_id: int, today: date) -> Verdict:
    """When the person may be erased; refused if never as things stand (a child still
    attending, a guardian of one) or if already erased."""
    last = _last_record(db, settings, person, person_id, today)
    years = settings.journal_retention_years
    return Verdict(person, person_id, last, erasable_from(last, years) if last else None)


def check(db: Database, settings: Settings, person: Person, person_id: int, today: date) -> Verdict:
    """The verdict if the person may be erased on `today`; refused (naming the first day it
    is possible) otherwise."""
    found = verdict(db, settings, person, person_id, today)
    if found.erasable_from and today < found.erasable_from:
        assert found.last_record is not None
        raise Refusal(
            "erasure.too_early",
            N_("%(what)s #%(id)s: the records are kept until %(kept_until)s (the latest is of "
               "%(last_day)s); erasure is possible from %(erasable_from)s."),
            what=WHAT[person], id=person_id, last_day=found.last_record.isoformat(),
            kept_until=journal_kept_until(school_year_start(school_year_of(found.last_record)),
                                          settings.journal_retention_years).isoformat(),
            erasable_from=found.erasable_from.isoformat(),
        )  # fmt: skip
    return found


def erase(
    db: Database, settings: Settings, person: Person, person_id: int, now: datetime, *, actor: str
) -> Erased:
    """Erase the person if every record of theirs is past retention on `now`'s day, in one
    transaction; refused (naming the first day it is possible) otherwise."""
    with db.atomic():
        if person == "account" and _login(db, person_id).lower() == actor.strip().lower():
            raise Refusal("erasure.own_account", N_("No one can erase their own account."))
        check(db, settings, person, person_id, now.astimezone(settings.tz).date())
        rows = _erase(db, person, person_id)
        audit.record(
            db, actor=actor, action=f"{AUDIT_ENTITY[person]}.erase", entity=AUDIT_ENTITY[person],
            entity_id=person_id, after={"rows": rows}, now=now,
        )  # fmt: skip
    return Erased(person, person_id, rows)


def _erase(db: Database, person: Person, person_id: int) -> dict[str, int]:
    needles = _needles(db, person, person_id)
    rows: dict[str, int] = {}
    if person == "guardian":
        for account_id in erasure.guardian_accounts(db, person_id):
            needles += _needles(db, "account", account_id)
            _add(rows, erasure.delete_rows(db, "account", account_id))
            erasure.tombstone_account(db, account_id)
    _add(rows, erasure.delete_rows(db, person, person_id))
    if person == "child":
        erasure.tombstone_child(db, person_id)
    elif person == "guardian":
        erasure.delete_guardian(db, person_id)
    else:
        erasure.tombstone_account(db, person_id)
    _add(rows, {f"scrubbed:{table}": count for table, count in erasure.scrub(db, needles).items()})
    return rows


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for table, count in more.items():
        total[table] = total.get(table, 0) + count


def _needles(db: Database, person: Person, person_id: int) -> list[str]:
    """What names the person in free text: a child's name both ways round, a guardian's
    name, e-mail and phone, an account's login and name. A one-word name is left out: it
    would erase the same word meaning someone else."""
    if person == "child":
        child = registry.get_child(db, person_id)
        first, last = child["first_name"], child["last_name"]
        return [f"{first} {last}", f"{last} {first}"]
    if person == "guardian":
        guardian = registry.get_guardian(db, person_id)
        found = [guardian["email"] or "", guardian["phone"] or "", guardian["name"]]
    else:
        user = erasure.account(db, person_id) or {"email": "", "name": ""}
        found = [user["email"], user["name"]]
    return [text for text in found if len(text.strip()) >= 5 and (" " in text.strip() or "@" in text
            or any(character.isdigit() for character in text))]  # fmt: skip


def _login(db: Database, user_id: int) -> str:
    user = erasure.account(db, user_id)
    return user["email"] if user else ""


def _last_record(
    db: Database, settings: Settings, person: Person, person_id: int, today: date
) -> date | None:
    """The local day of the person's latest record, their children's and accounts' included
    for a guardian; refused when the person is gone or cannot be erased as things stand."""
    if person == "child":
        child = registry.get_child(db, person_id)
        if child["first_name"] == ERASED:
            raise Refusal("erasure.done", N_("%(what)s #%(id)s has already been erased."),
                          what=WHAT[person], id=person_id)  # fmt: skip
        if not child["active_to"] or child["active_to"] >= today.isoformat():
            raise Refusal(
                "erasure.still_attends",
                N_("Child #%(id)s still attends the kindergarten: record the day they left first."),
                id=person_id,
            )
    elif person == "guardian":
        registry.get_guardian(db, person_id)
    else:
        user = erasure.account(db, person_id)
        if user is None:
            raise Refusal("account.not_found", N_("There is no account with id %(id)s."), id=person_id)
        if user["email"].startswith(ERASED):
            raise Refusal("erasure.done", N_("%(what)s #%(id)s has already been erased."),
                          what=WHAT[person], id=person_id)  # fmt: skip
    days: list[date | None] = [
        _local_day(value, settings) for value in erasure.latest_records(db, person, person_id).values()
    ]
    if person == "guardian":
        for child_id in erasure.guardian_children(db, person_id):
            child = registry.get_child(db, child_id)
            if child["first_name"] == ERASED:
                continue
            if not child["active_to"] or child["active_to"] >= today.isoformat():
                raise Refusal(
                    "erasure.guardian_of_attending",
                    N_("Guardian #%(id)s is the guardian of child #%(child)s, who still attends the "
                       "kindergarten."),
                    id=person_id, child=child_id,
                )  # fmt: skip
            days.append(_last_record(db, settings, "child", child_id, today))
        for account_id in erasure.guardian_accounts(db, person_id):
            days.append(_last_record(db, settings, "account", account_id, today))
    known = [day for day in days if day is not None]
    return max(known) if known else None


def _local_day(value: str, settings: Settings) -> date:
    """A record's day: a stored day as it is, a stored instant on the site's clock."""
    if len(value) == 10:
        return date.fromisoformat(value)
    return from_db(value).astimezone(settings.tz).date()
