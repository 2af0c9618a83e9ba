"""The accounts an audience of a message stands for today, its name, and the groups it touches.

An audience (`hub.rules.messaging`) is resolved to account ids at the moment of sending and
those ids are stored, so later changes of groups do not change who got a message. Accounts
blocked by the administrator receive nothing; a child whose stay has ended no longer makes
their guardians part of the group.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules import messaging as rule

_LIVE = "NOT (u.blocked_at IS NOT NULL AND u.blocked_by IS 'administrator')"
_CURRENT_CHILD = "(c.active_to IS NULL OR c.active_to >= ?)"


def members(db: Database, kind: str, target: int | None, today: date) -> list[int]:
    """The account ids `kind` (with its `target`) stands for today, in id order."""
    day = today.isoformat()
    queries: dict[str, tuple[str, list[Any]]] = {
        rule.GUARDIAN: ("SELECT u.id FROM users u WHERE u.id = ? AND u.role = 'parent'", [target]),
        rule.GROUP_GUARDIANS: (
            "SELECT DISTINCT u.id FROM users u JOIN child_guardians cg ON cg.guardian_id = u.guardian_id "
            "JOIN children c ON c.id = cg.child_id "
            f"WHERE u.role = 'parent' AND c.group_id = ? AND {_CURRENT_CHILD}",
            [target, day],
        ),
        rule.ALL_GUARDIANS: (
            "SELECT DISTINCT u.id FROM users u JOIN child_guardians cg ON cg.guardian_id = u.guardian_id "
            f"JOIN children c ON c.id = cg.child_id WHERE u.role = 'parent' AND {_CURRENT_CHILD}",
            [day],
        ),
        rule.TEACHER: ("SELECT u.id FROM users u WHERE u.id = ? AND u.role = 'teacher'", [target]),
        rule.GROUP_TEACHERS: (
            "SELECT u.id FROM users u JOIN user_groups ug ON ug.user_id = u.id "
            "WHERE u.role = 'teacher' AND ug.group_id = ?",
            [target],
        ),
        rule.ALL_STAFF: (
            "SELECT u.id FROM users u WHERE u.role IN ('admin', 'director', 'teacher', 'secretary')",
            [],
        ),
        rule.DIRECTOR: ("SELECT u.id FROM users u WHERE u.role = 'director'", []),
        rule.SECRETARY: ("SELECT u.id FROM users u WHERE u.role = 'secretary'", []),
        rule.ADMIN: ("SELECT u.id FROM users u WHERE u.role = 'admin'", []),
    }
    if kind not in queries:
        raise Refusal("message.unknown_audience", N_("There is no audience %(audience)s."), audience=kind)
    sql, params = queries[kind]
    joiner = " AND " if " WHERE " in sql else " WHERE "
    return [row[0] for row in db.execute(f"{sql}{joiner}{_LIVE} ORDER BY u.id", params)]


def name(db: Database, kind: str, target: int | None) -> str:
    """The audience's name as recipients will see it beside its kind: a group's or a
    person's name; empty for the kindergarten-wide audiences."""
    if kind in (rule.GROUP_GUARDIANS, rule.GROUP_TEACHERS):
        row = db.execute("SELECT name FROM groups WHERE id = ?", [target]).fetchone()
        if row is None:
            raise Refusal("message.unknown_group", N_("There is no group %(id)s."), id=target)
        return str(row[0])
    if kind in (rule.GUARDIAN, rule.TEACHER, rule.PERSON):
        return account_name(db, target)
    return ""


def account_name(db: Database, account_id: int | None) -> str:
    row = db.execute("SELECT name FROM users WHERE id = ?", [account_id]).fetchone()
    if row is None:
        raise Refusal(
            "message.unknown_recipient", N_("There is no account %(id)s to write to."), id=account_id
        )
    return str(row[0])


def groups_touched(db: Database, kind: str, target: int | None, today: date) -> frozenset[int]:
    """The groups a targeted audience reaches: a guardian's children's groups, a teacher's
    groups, or the group itself (what `hub.rules.messaging.check_audience` compares)."""
    if kind in (rule.GROUP_GUARDIANS, rule.GROUP_TEACHERS):
        return frozenset([target]) if target is not None else frozenset()
    if kind == rule.GUARDIAN:
        return guardian_groups(db, target, today)
    if kind == rule.TEACHER:
        return frozenset(
            row[0] for row in db.execute("SELECT group_id FROM user_groups WHERE user_id = ?", [target])
        )
    return frozenset()


def guardian_groups(db: Database, account_id: int | None, today: date) -> frozenset[int]:
    """The groups of a parent account's current children."""
    rows = db.execute(
        "SELECT DISTINCT c.group_id FROM users u JOIN child_guardians cg ON cg.guardian_id = u.guardian_id "
        f"JOIN children c ON c.id = cg.child_id WHERE u.id = ? AND {_CURRENT_CHILD}",
        [account_id, today.isoformat()],
    )
    return frozenset(row[0] for row in rows)


def guardians_of_child(db: Database, child_id: int) -> list[int]:
    """The parent accounts of a child's guardians (for system messages about the child)."""
    rows = db.execute(
        "SELECT u.id FROM users u JOIN child_guardians cg ON cg.guardian_id = u.guardian_id "
        f"WHERE cg.child_id = ? AND u.role = 'parent' AND {_LIVE} ORDER BY u.id",
        [child_id],
    )
    return [row[0] for row in rows]


def choices(db: Database, kind: str, today: date) -> list[dict[str, Any]]:
    """Every target of a targeted audience kind, by name: {"id", "name", "groups"} (the
    compose form narrows them to what the writer may address by the groups each touches)."""
    if kind in (rule.GROUP_GUARDIANS, rule.GROUP_TEACHERS):
        rows = db.query("SELECT id, name FROM groups ORDER BY name COLLATE polish, id")
        return [{**row, "groups": frozenset([row["id"]])} for row in rows]
    if kind == rule.TEACHER:
        sql = (
            "SELECT u.id, u.name, group_concat(ug.group_id) AS touched FROM users u "
            "LEFT JOIN user_groups ug ON ug.user_id = u.id "
            f"WHERE u.role = 'teacher' AND {_LIVE} GROUP BY u.id ORDER BY u.name COLLATE polish, u.id"
        )
        params: list[Any] = []
    elif kind == rule.GUARDIAN:
        sql = (
            "SELECT u.id, u.name, group_concat(DISTINCT c.group_id) AS touched FROM users u "
            "JOIN child_guardians cg ON cg.guardian_id = u.guardian_id JOIN children c ON c.id = cg.child_id "
            f"WHERE u.role = 'parent' AND {_LIVE} AND {_CURRENT_CHILD} "
            "GROUP BY u.id ORDER BY u.name COLLATE polish, u.id"
        )
        params = [today.isoformat()]
    else:
        return []
    return [
        {"id": row["id"], "name": row["name"], "groups": _ids(row["touched"])}
        for row in db.query(sql, params)
    ]


def _ids(joined: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in (joined or "").split(",") if part)
