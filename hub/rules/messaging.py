"""Who may write to whom, who a reply goes to, and which school year a message belongs to.

The procedures (000 §2 and §3, 003 rozdz. III) give each role its WIADOMOŚCI:

- the director, the administrator and the secretary write to anyone: one guardian, the
  guardians of a group, all guardians, a teacher, a group's teachers, all staff, the
  director, the secretary, the administrator;
- a teacher writes to parents and teachers (000 §2.2 b): one guardian of a child in their
  own groups, the guardians of their own groups, any teacher, a group's teachers, all staff,
  the director, the secretary, the administrator; not to every guardian of the kindergarten
  (that is the director's announcement);
- a parent writes only to their children's teachers, the director, the secretary and the
  administrator (003 rozdz. II §5 "w celu kontaktu z nauczycielami, dyrekcją oraz
  Administratorem"), never to another parent, nor to every member of staff.

Worked example: Anna teaches Motylki (group 3). She may write to "Rodzice grupy Motylki"
and to Ewa, the mother of a child in Motylki, but not to "Rodzice grupy Żabki" (group 4)
nor to all guardians. Ewa may write to "Nauczyciele grupy Motylki" or to Anna, but not to
Anna's colleague who teaches only Żabki, and never to another parent.

A reply answers one message. Its writer's own follow-up goes to that message's recipients
again; anyone else's reply goes to the message's writer and to those addressed with them
personally or as staff, never to those reached through a guardians' audience or all staff:
a parent's reply to "Rodzice grupy Motylki" reaches Anna alone, never the other parents,
while a reply to a parent's message sent to "Nauczyciele grupy Motylki" reaches the parent
and the group's other teacher.

A school year runs from 1 September to 31 August; its messages may be closed (made read only,
archived) by the administrator from the 1 September that follows, and only then removed.

Pure: facts in (frozen dataclasses), a decision or a `Refusal` out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.refusal import N_, Refusal
from hub.rules.school_year import school_year_end

GUARDIAN = "guardian"
GROUP_GUARDIANS = "group_guardians"
ALL_GUARDIANS = "all_guardians"
TEACHER = "teacher"
GROUP_TEACHERS = "group_teachers"
ALL_STAFF = "all_staff"
DIRECTOR = "director"
SECRETARY = "secretary"
ADMIN = "admin"
PERSON = "person"
"""Not an audience one chooses: a reply's or a system message's recipient, by name."""

AUDIENCES = (
    GUARDIAN,
    GROUP_GUARDIANS,
    ALL_GUARDIANS,
    TEACHER,
    GROUP_TEACHERS,
    ALL_STAFF,
    DIRECTOR,
    SECRETARY,
    ADMIN,
)
"""The audiences a writer chooses from, in the order the compose form lists them."""
NEEDS_TARGET = frozenset({GUARDIAN, GROUP_GUARDIANS, TEACHER, GROUP_TEACHERS})
"""Audiences that name one person (an account id) or one group (a group id)."""
GUARDIAN_AUDIENCES = frozenset({GUARDIAN, GROUP_GUARDIANS, ALL_GUARDIANS})
WHOLE_AUDIENCES = frozenset({GROUP_GUARDIANS, ALL_GUARDIANS, ALL_STAFF})
"""Audiences a non-writer's reply never fans out to (they reached many people at once)."""
WRITES_TO_ANYONE = frozenset({"admin", "director", "secretary"})
TEACHER_MAY = frozenset(
    {GUARDIAN, GROUP_GUARDIANS, TEACHER, GROUP_TEACHERS, ALL_STAFF, DIRECTOR, SECRETARY, ADMIN}
)
PARENT_MAY = frozenset({TEACHER, GROUP_TEACHERS, DIRECTOR, SECRETARY, ADMIN})


@dataclass(frozen=True)
class Writer:
    """Who writes: their role and the groups that bound what they may address."""

    account_id: int
    role: str
    groups: frozenset[int] = frozenset()
    """A teacher's own groups; for a parent, the groups of their children."""


@dataclass(frozen=True)
class Audience:
    """Whom a message is addressed to: a kind, its target (an account or a group id) and the
    groups the target touches (a guardian's children's groups, a teacher's groups, the group)."""

    kind: str
    target: int | None = None
    groups: frozenset[int] = frozenset()


def may_address(writer: Writer) -> frozenset[str]:
    """The audience kinds this writer may choose from at all."""
    if writer.role in WRITES_TO_ANYONE:
        return frozenset(AUDIENCES)
    if writer.role == "teacher":
        return TEACHER_MAY
    if writer.role == "parent":
        return PARENT_MAY
    return frozenset()


def check_audience(writer: Writer, audience: Audience) -> None:
    """Raise a `Refusal` unless `writer` may write to `audience`."""
    if audience.kind not in AUDIENCES:
        raise Refusal(
            "message.unknown_audience", N_("There is no audience %(audience)s."), audience=audience.kind
        )
    if audience.kind in NEEDS_TARGET and audience.target is None:
        raise Refusal("message.audience_target_missing", N_("Choose the person or the group to write to."))
    allowed = may_address(writer)
    if not allowed:
        raise Refusal("message.may_not_write", N_("This account does not send messages."))
    if audience.kind not in allowed:
        if writer.role == "parent" and audience.kind in GUARDIAN_AUDIENCES:
            raise Refusal(
                "message.parent_to_parent",
                N_("A parent writes to the teachers, the director, the secretary and the administrator, "
                   "not to other parents."),
            )  # fmt: skip
        raise Refusal("message.audience_not_allowed", N_("You may not write to this audience."))
    if writer.role in WRITES_TO_ANYONE or audience.kind not in NEEDS_TARGET:
        return
    if audience.kind == TEACHER and writer.role == "teacher":
        return
    if audience.kind == GROUP_TEACHERS and writer.role == "teacher":
        return
    if not audience.groups & writer.groups:
        if writer.role == "parent":
            raise Refusal(
                "message.not_childs_teacher",
                N_("A parent writes to the teachers of their own children's groups."),
            )
        raise Refusal(
            "message.not_own_group", N_("A teacher writes to the guardians of children in their own groups.")
        )


@dataclass(frozen=True)
class Participant:
    """A recipient of the message being answered, and how it was addressed to them."""

    account_id: int
    addressed_kind: str
    is_guardian: bool


def reply_recipients(
    replier_id: int, replier_is_guardian: bool, sender_id: int | None, recipients: Sequence[Participant]
) -> list[int]:
    """The accounts a reply to one message goes to (see the module's rules), in order, without
    the replier. A system message (no sender) has nobody to answer: refused."""
    if sender_id is None:
        raise Refusal("message.system_no_reply", N_("A system message cannot be answered."))
    if replier_id == sender_id:
        chosen = [person.account_id for person in recipients]
    else:
        if replier_id not in {person.account_id for person in recipients}:
            raise Refusal(
                "message.not_participant", N_("Only the message's writer and recipients may answer it.")
            )
        chosen = [sender_id]
        chosen += [
            person.account_id
            for person in recipients
            if person.addressed_kind not in WHOLE_AUDIENCES
            and not (replier_is_guardian and person.is_guardian)
        ]
    seen: set[int] = set()
    ordered = []
    for account_id in chosen:
        if account_id != replier_id and account_id not in seen:
            seen.add(account_id)
            ordered.append(account_id)
    return ordered


def parse_school_year(text: str) -> tuple[int, int]:
    """`2025/2026` → (2025, 2026); anything else refused."""
    first, _, second = (text or "").strip().partition("/")
    if not (first.isdigit() and second.isdigit() and len(first) == 4 and int(second) == int(first) + 1):
        raise Refusal(
            "message.bad_school_year", N_("A school year is written like 2025/2026, got %(year)s."), year=text
        )
    return int(first), int(second)


def year_may_close(school_year: str, today: date) -> bool:
    """A school year's messages may be closed from the 1 September after it ends."""
    start, _ = parse_school_year(school_year)
    return today > school_year_end(start)
