"""The audit log as a director reads it: actions, objects and fields in words (not
`user.password` or `must_change`), people and objects by name (not `user #1`), instants in
local time and days as dates, in the reader's language.

The log itself keeps the hub's codes (`hub.store.audit`), which programs and the command
line rely on; only their presentation is translated here. A code without words yet is shown
as it is stored, so a new action is never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from hub.accounts import accounts
from hub.store import readers, registry
from web.i18n import N_, _, short_date
from web.personal_data import READ_VIEWS

ACTIONS = {
    "announcement.publish": N_("Announcement published"),
    "announcement.withdraw": N_("Announcement withdrawn"),
    "calendar_feed.new": N_("New calendar feed link"),
    "calendar_feed.revoke": N_("Calendar feed link revoked"),
    "event.add": N_("Calendar event added"),
    "event.cancel": N_("Calendar event cancelled"),
    "absence.report": N_("Absence reported"),
    "archive.verify": N_("Yearly archive verified"),
    "archive.write": N_("Yearly archive written"),
    "backup.copy": N_("Extra copy of the journal recorded"),
    "backup.create": N_("Backup made"),
    "backup.remove": N_("Backup removed past the kept count"),
    "backup.verify": N_("Backup verified"),
    "absence.withdraw": N_("Absence withdrawn"),
    "account.data_export": N_("Own data downloaded"),
    "card.assign": N_("Card assigned"),
    "card.revoke": N_("Card revoked"),
    "child.create": N_("Child added"),
    "child.update": N_("Child's data changed"),
    "child.erase": N_("Child's data erased (past retention)"),
    "guardian.erase": N_("Guardian's data erased (past retention)"),
    "user.erase": N_("Account erased (past retention)"),
    "closed_day.add": N_("Closed day added"),
    "closed_day.remove": N_("Closed day removed"),
    "correction.create": N_("Day corrected"),
    "correction.revoke": N_("Correction revoked"),
    "group.create": N_("Group added"),
    "group.update": N_("Group changed"),
    "guardian.create": N_("Guardian added"),
    "guardian.link": N_("Guardian linked to a child"),
    "message.close_year": N_("School year's messages closed"),
    "message.read": N_("Message read (receipt)"),
    "message.remove_year": N_("Closed school year's messages removed"),
    "message.send": N_("Message sent"),
    "month.close": N_("Month closed"),
    "observation.add": N_("Observation written"),
    "observation.modify": N_("Observation changed"),
    "plan.approve": N_("Work plan approved"),
    "plan.return": N_("Work plan returned with a remark"),
    "plan.submit": N_("Work plan submitted"),
    "plan.write": N_("Work plan written"),
    "quarantine.resolve": N_("Rejected message resolved"),
    "reader.mode": N_("Reader's mode changed"),
    "readiness.finalize": N_("Readiness information made final"),
    "readiness.given": N_("Readiness information given to the parents"),
    "readiness.print": N_("Readiness information printed"),
    "readiness.write": N_("Readiness information written"),
    "settings.fees": N_("Fee settings changed"),
    "settings.security": N_("Password and session policy changed"),
    "retention.purge": N_("Records past their retention removed"),
    "settings.site": N_("Opening hours or debounce changed"),
    "staff_absence.add": N_("Staff absence entered"),
    "staff_absence.cancel": N_("Staff absence cancelled"),
    "staff_absence.end": N_("Staff absence ended early"),
    "reply.waive": N_("Marked as needing no reply"),
    "topic.write": N_("Day's topic written"),
    "user.block": N_("Account blocked"),
    "user.create": N_("Account created"),
    "user.one_time_password": N_("One-time password issued"),
    "user.password": N_("Password changed"),
    "user.update": N_("Account changed"),
}
ENTITIES = {
    "announcement": N_("announcement"),
    "archive": N_("yearly archive"),
    "calendar_event": N_("calendar event"),
    "backup": N_("backup"),
    "card": N_("card"),
    "child": N_("child"),
    "closed_day": N_("closed day"),
    "correction": N_("correction"),
    "day_topic": N_("day's topic"),
    "group": N_("group"),
    "guardian": N_("guardian"),
    "message": N_("message"),
    "message_year": N_("school year's messages"),
    "month": N_("month"),
    "observation": N_("observation"),
    "quarantine": N_("rejected message"),
    "reader": N_("reader"),
    "retention": N_("retention"),
    "school_readiness": N_("readiness information"),
    "settings": N_("settings"),
    "staff_absence": N_("staff absence"),
    "user": N_("account"),
    "work_plan": N_("work plan"),
}
"""What the filter offers, and how an entry's object is named."""
FIELDS = {
    "active_from": N_("in the kindergarten from"),
    "active_to": N_("in the kindergarten until"),
    "assigned_at": N_("assigned at"),
    "assigned_by": N_("assigned by"),
    "birth_date": N_("date of birth"),
    "blocked_at": N_("blocked at"),
    "blocked_by": N_("blocked by"),
    "child_id": N_("child"),
    "children": N_("children"),
    "closing": N_("closing"),
    "created_at": N_("created at"),
    "created_by": N_("created by"),
    "day": N_("day"),
    "debounce_s": N_("taps counted once within (s)"),
    "email": N_("e-mail"),
    "expires_on": N_("valid until"),
    "failed_count": N_("wrong passwords in a row"),
    "fee_exempt": N_("exempt from the fee"),
    "first": N_("first day"),
    "first_day": N_("first day"),
    "first_name": N_("first name"),
    "group_id": N_("group"),
    "group_name": N_("group"),
    "groups": N_("groups"),
    "guardian_id": N_("guardian"),
    "holder": N_("who holds it"),
    "kind": N_("kind"),
    "last": N_("last day"),
    "last_day": N_("last day"),
    "last_name": N_("last name"),
    "location": N_("where"),
    "locked_until": N_("locked until"),
    "made_by": N_("made by"),
    "mode": N_("mode"),
    "must_change": N_("must change the password"),
    "name": N_("name"),
    "note": N_("note"),
    "notes": N_("notes"),
    "number": N_("card number"),
    "opening": N_("opening"),
    "password_set_at": N_("password set at"),
    "phone": N_("phone"),
    "purpose": N_("for whom or what"),
    "reason": N_("reason"),
    "remark": N_("director's remark"),
    "relation": N_("relation"),
    "removed_at": N_("removed at"),
    "removed_by": N_("removed by"),
    "reported_by": N_("reported by"),
    "revoke_reason": N_("reason for revoking"),
    "revoked_at": N_("revoked at"),
    "revoked_by": N_("revoked by"),
    "role": N_("role"),
    "rows": N_("rows removed per table"),
    "sha256": N_("SHA-256"),
    "size_bytes": N_("size (bytes)"),
    "source_backup_id": N_("copied from backup"),
    "state": N_("state"),
    "teachers": N_("teachers"),
    "title": N_("title"),
    "topic": N_("topic"),
    "uid": N_("card UID"),
    "valid_from": N_("valid from"),
    "verified": N_("verified"),
    "verified_at": N_("verified at"),
    "verified_by": N_("verified by"),
    "copy_id": N_("copy in the register"),
    "files": N_("files"),
    "path": N_("where"),
    "problems": N_("problems found"),
    "version": N_("version"),
    "for_parents": N_("addressed to the parents"),
    "format": N_("format"),
    "month": N_("month"),
    "area": N_("area"),
    "text": N_("text"),
    "given_on": N_("given to the parents on"),
}
RIGHTS = {
    "live.view": N_("see live taps and readers"),
    "presence.view": N_("see who is in the building"),
    "attendance.view": N_("see children's arrivals and departures"),
    "attendance.correct": N_("correct a child's day"),
    "absences.report": N_("report a child's absence"),
    "topics.view": N_("read the day's topics"),
    "topics.write": N_("write the day's topic"),
    "registry.view": N_("see children, groups and guardians"),
    "registry.edit": N_("change children and guardians"),
    "registry.erase": N_("erase a person past retention"),
    "groups.edit": N_("change groups"),
    "cards.edit": N_("assign and revoke cards"),
    "readers.manage": N_("manage readers"),
    "reports.attendance": N_("print attendance reports"),
    "reports.fees": N_("see fees and money"),
    "payments.manage": N_("import and assign payments"),
    "settings.view": N_("see the settings"),
    "settings.edit": N_("change the settings"),
    "users.view": N_("see the accounts"),
    "users.manage": N_("manage accounts"),
    "logins.stats": N_("see login statistics"),
    "audit.view": N_("read the audit log"),
    "backups.manage": N_("make backups and keep the register of copies"),
    "kiosk.use": N_("use the kiosk"),
    "kiosk.pin": N_("set a kiosk PIN"),
    "announcements.view": N_("read announcements"),
    "announcements.publish": N_("publish announcements"),
    "calendar.view": N_("see the calendar"),
    "calendar.edit": N_("change the calendar"),
    "plans.view": N_("read the work plans"),
    "plans.write": N_("write a work plan"),
    "plans.approve": N_("approve or return a work plan"),
    "observations.view": N_("read the register of observations"),
    "observations.write": N_("write observations and the readiness information"),
    "observations.modify": N_("change the register of observations"),
    "readiness.view": N_("read the readiness information"),
    "observations.addressed": N_("read what the teachers addressed to the parents"),
    "staff_absences.manage": N_("enter staff absences"),
    "replies.own": N_("see the messages waiting for one's reply"),
    "replies.oversee": N_("see every teacher's replies due"),
    "messages.read": N_("read messages"),
    "messages.write": N_("send messages"),
    "messages.close": N_("close a school year's messages"),
    "year_end.view": N_("see the end-of-year routine"),
    "year_end.run": N_("do the end-of-year routine"),
    "notifications.own": N_("choose one's own notifications"),
}
"""What each right (`hub.accounts.rights.RIGHTS`) lets one do, as a refused action names it."""
REFUSALS = {
    "no such right": N_("the account has no such right"),
    "not for every child": N_("the account's right covers only its own children or groups"),
    "not theirs": N_("not the account's own child or group"),
    "not a guardian's account": N_("only a guardian's account may do this"),
    "not their message": N_("not a message the account wrote or received"),
}
"""Why a request was refused, as `web.auth.deny` records it."""
TARGET = re.compile(r"^(child|group) (\d+)$")
YES_NO = {"must_change", "fee_exempt", "substitution"}
"""Fields stored as 0 or 1."""
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Names:
    """Who and what the log's ids and logins stand for, read once per page."""

    people: Mapping[str, str]
    """Login (e-mail) → the account's name."""
    objects: Mapping[tuple[str, str], str]
    """(entity, id) → its name: a child, an account, a group, a guardian, a reader."""

    @classmethod
    def read(cls, db: Database) -> Names:
        users = accounts.list_users(db)
        objects: dict[tuple[str, str], str] = {("user", str(u["id"])): u["name"] for u in users}
        objects |= {
            ("child", str(c["id"])): f"{c['first_name']} {c['last_name']}" for c in registry.list_children(db)
        }
        objects |= {("group", str(g["id"])): g["name"] for g in registry.list_groups(db)}
        objects |= {("guardian", str(g["id"])): g["name"] for g in registry.list_guardians(db)}
        objects |= {("reader", r["id"]): r["name"] for r in readers.list_readers(db)}
        return cls({u["email"]: u["name"] for u in users}, objects)


def entry_view(entry: dict[str, Any], names: Names, when: Callable[[str], str]) -> dict[str, Any]:
    """An audit entry in words: `action`, `actor`, `object`, and the changed `fields` as
    (field, before, after) in the reader's language; `when` shows a stored instant locally."""
    entity, entity_id = entry["entity"], str(entry["entity_id"] or "")
    kind = _words(ENTITIES, entity)
    named = names.objects.get((entity, entity_id))
    before, after = entry["before"] or {}, entry["after"] or {}
    return {
        "at": entry["at"],
        "action": _words(ACTIONS, entry["action"]),
        "actor": names.people.get(entry["actor"], entry["actor"]),
        "login": entry["actor"] if entry["actor"] in names.people else "",
        "object": f"{kind}: {named}"
        if named
        else (f"{kind} {_value(entity_id, when)}" if entity_id else kind),
        "fields": [
            (_words(FIELDS, key), _shown(before, key, when), _shown(after, key, when))
            for key in sorted({*before, *after}, key=lambda key: (key not in FIELDS, key))
        ],
        "has_before": entry["before"] is not None,
        "has_after": entry["after"] is not None,
    }


def _words(words: Mapping[str, str], code: str) -> str:
    """The code's words in the reader's language, or the code itself when it has none yet."""
    message_id = words.get(code)
    return _(message_id) if message_id else code


def _shown(values: dict[str, Any], key: str, when: Callable[[str], str]) -> str:
    if key not in values:
        return ""
    if key in YES_NO and values[key] in (0, 1):
        return _value(bool(values[key]), when)
    return _value(values[key], when)


def _value(value: Any, when: Callable[[str], str]) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    if INSTANT.match(text):
        return when(text)
    if DAY.match(text):
        return short_date(text)
    return text


def read_view(row: dict[str, Any], names: Names) -> dict[str, Any]:
    """A read of a child's personal data in words: who, which child, where."""
    return {
        "at": row["at"],
        "who": names.people.get(row["actor"], row["actor"]),
        "login": row["actor"] if row["actor"] in names.people else "",
        "child": names.objects.get(("child", str(row["child_id"])), f"#{row['child_id']}"),
        "view": _words(READ_VIEWS, row["view"]),
    }


def denial_view(row: dict[str, Any], names: Names) -> dict[str, Any]:
    """A refused action in words: who (by name), what they tried (the right in words, the
    object by name) and why, in the reader's language; unknown codes are shown as stored."""
    target = TARGET.match(row["object"] or "")
    kind = _words(ENTITIES, target[1]) if target else ""
    named = names.objects.get((target[1], target[2])) if target else None
    return {
        "at": row["at"],
        "who": names.people.get(row["login"], row["login"]) if row["login"] else None,
        "login": row["login"] if row["login"] in names.people else "",
        "method": row["method"],
        "path": row["path"],
        "right": _words(RIGHTS, row["right"]),
        "object": f"{kind}: {named}" if named else row["object"],
        "reason": _words(REFUSALS, row["reason"]),
    }
