"""Accounts: creating them, their passwords, one-time passwords, and what each may reach.

An account logs in with its e-mail address. The administrator creates it (or unblocks it)
with a one-time password that must be changed at the next login (`must_change`); a
password older than `password_change_days` must be changed too. A teacher's account lists
their groups; a parent's account points at their row in the register of guardians, so the
children it reaches are the register's own links (two guardians, two accounts); an
inspector's account lists the read rights granted and the last day it works.
Every change is in the audit log; password hashes never are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from hub.accounts import passwords, security_policy, sessions
from hub.accounts.rights import READ_RIGHTS, ROLES, Account, is_expired
from hub.refusal import N_, Refusal
from hub.store import audit, registry
from hub.store.db import inserted_id
from hub.timefmt import from_db, to_db, utc_now

ONE_TIME_VALID_DAYS = 7
"""A one-time password not used within this many days must be issued again."""
BLOCKED_BY_FAILURES = "failures"
"""`users.blocked_by` of a block by wrong passwords from unknown browsers: the account's
sessions go on and browsers that logged in to it before still log in (`hub.accounts.devices`). The
administrator's block (`administrator`) ends its sessions and refuses every browser."""
EDITABLE = ("name", "title", "expires_on", "groups", "granted")


def _name_missing() -> Refusal:
    return Refusal("account.name_missing", N_("The account needs the person's name."))


def _expiry_missing() -> Refusal:
    return Refusal("account.expiry_missing", N_("An inspector's account needs the last day it works."))


def normalise_email(email: str) -> str:
    clean = (email or "").strip().lower()
    local, _, domain = clean.partition("@")
    if not local or "." not in domain or " " in clean or len(clean) > 254:
        raise registry.not_an_email((email or "").strip())
    return clean


def add_user(
    db: Database,
    *,
    email: str,
    name: str,
    role: str,
    author: str,
    title: str = "",
    groups: Iterable[int] = (),
    children: Iterable[int] = (),
    expires_on: date | None = None,
    granted: Iterable[str] | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], str]:
    """Create an account; return it and its one-time password (to hand over in person).

    A parent's account is linked to the guardian with the same e-mail address, or to a new
    guardian, and `children` are linked to that guardian. An inspector needs `expires_on`.
    """
    login = normalise_email(email)
    if role not in ROLES:
        raise Refusal(
            "account.unknown_role",
            N_("There is no role “%(role)s”; there are: %(roles)s."),
            role=role,
            roles=", ".join(ROLES),
        )
    if db.execute("SELECT 1 FROM users WHERE lower(email) = ?", [login]).fetchone():
        raise Refusal("account.exists", N_("There is already an account for %(email)s."), email=login)
    clean_name = (name or "").strip()
    if not clean_name:
        raise _name_missing()
    group_ids, child_ids = _groups(db, role, groups), list(children)
    if role == "parent" and not child_ids:
        raise Refusal("account.parent_without_child", N_("A parent's account needs at least one child."))
    if role != "parent" and child_ids:
        raise Refusal("account.children_not_parent", N_("Only a parent's account is linked to children."))
    if role == "inspector" and expires_on is None:
        raise _expiry_missing()
    scope = _granted(role, granted)
    settings = security_policy.load(db)
    one_time = passwords.one_time_password(settings)
    hashed = passwords.hash_password(one_time)
    moment = to_db(now or utc_now())
    with db.atomic():
        guardian_id = _guardian_for(db, login, clean_name, child_ids, author) if role == "parent" else None
        user_id = inserted_id(
            db.table("users").insert(
                {
                    "email": login,
                    "name": clean_name,
                    "role": role,
                    "title": title.strip() or None,
                    "guardian_id": guardian_id,
                    "expires_on": expires_on.isoformat() if expires_on else None,
                    "scope": json.dumps(sorted(scope)) if scope is not None else None,
                    "password_hash": hashed,
                    "password_set_at": moment,
                    "must_change": 1,
                    "failed_count": 0,
                    "created_at": moment,
                    "created_by": author,
                }
            )
        )
        db.table("user_groups").insert_all([{"user_id": user_id, "group_id": g} for g in group_ids])
        _remember_password(db, user_id, hashed, moment)
        user = get_user(db, user_id)
        audit.record(db, actor=author, action="user.create", entity="user", entity_id=user_id, after=user)
    return user, one_time


def update_user(db: Database, user_id: int, *, author: str, **changes: Any) -> dict[str, Any]:
    """Change an account's name, title, expiry day, a teacher's groups or an inspector's rights."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise registry.unknown_fields(unknown)
    before = get_user(db, user_id)
    row: dict[str, Any] = {}
    if "name" in changes:
        row["name"] = (changes["name"] or "").strip()
        if not row["name"]:
            raise _name_missing()
    if "title" in changes:
        row["title"] = (changes["title"] or "").strip() or None
    if "expires_on" in changes:
        expires = changes["expires_on"]
        if expires is None and before["role"] == "inspector":
            raise _expiry_missing()
        row["expires_on"] = expires.isoformat() if expires else None
    if "granted" in changes:
        scope = _granted(before["role"], changes["granted"])
        row["scope"] = json.dumps(sorted(scope)) if scope is not None else None
    with db.atomic():
        if row:
            db.table("users").update(user_id, row)
        if "groups" in changes:
            group_ids = _groups(db, before["role"], changes["groups"])
            db.execute("DELETE FROM user_groups WHERE user_id = ?", [user_id])
            db.table("user_groups").insert_all([{"user_id": user_id, "group_id": g} for g in group_ids])
        after = get_user(db, user_id)
        audit.record(
            db,
            actor=author,
            action="user.update",
            entity="user",
            entity_id=user_id,
            before=before,
            after=after,
        )
    return after


def get_user(db: Database, user_id: int) -> dict[str, Any]:
    rows = list(db["users"].rows_where("id = ?", [user_id]))
    if not rows:
        raise Refusal("account.not_found", N_("There is no account with id %(id)s."), id=user_id)
    return _public(db, rows[0])


def find_user(db: Database, email: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT id FROM users WHERE lower(email) = ?", [(email or "").strip().lower()]
    ).fetchone()
    if row is None:
        raise Refusal("account.no_such_email", N_("There is no account for %(email)s."), email=email)
    return get_user(db, row[0])


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account, by role and name, with whether it is blocked."""
    rows = db["users"].rows_where(order_by="role, name, email")
    return [_public(db, row) for row in rows]


def load_account(db: Database, user_id: int, today: date, now: datetime | None = None) -> Account | None:
    """The account as the rights see it, or None if it no longer works (blocked or expired)."""
    user = get_user(db, user_id)
    expires = date.fromisoformat(user["expires_on"]) if user["expires_on"] else None
    if (user["blocked_at"] and user["blocked_by"] != BLOCKED_BY_FAILURES) or is_expired(expires, today):
        return None
    groups = frozenset(user["groups"])
    if user["role"] == "teacher" and groups:
        marks = ", ".join("?" * len(groups))
        found = db.execute(f"SELECT id FROM children WHERE group_id IN ({marks})", list(groups))
        children = frozenset(row[0] for row in found)
    else:
        children = frozenset(user["children"])
    return Account(
        id=user["id"],
        login=user["email"],
        name=user["name"],
        role=user["role"],
        groups=groups,
        children=children,
        granted=frozenset(user["scope"]) if user["scope"] is not None else None,
        expires_on=expires,
        must_change_password=password_change_due(db, user, now),
    )


def password_change_due(db: Database, user: dict[str, Any], now: datetime | None = None) -> bool:
    """A one-time password, or one older than the policy's period, must be changed now."""
    if user["must_change"]:
        return True
    days = security_policy.load(db).password_change_days
    age = (now or utc_now()) - from_db(user["password_set_at"])
    return days > 0 and age > timedelta(days=days)


def one_time_expired(user: dict[str, Any], now: datetime | None = None) -> bool:
    age = (now or utc_now()) - from_db(user["password_set_at"])
    return bool(user["must_change"]) and age > timedelta(days=ONE_TIME_VALID_DAYS)


def change_password(
    db: Database, user_id: int, current: str, new: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The person changes their own password: the current one first, then the policy."""
    row = db.table("users").get(user_id)
    if not passwords.verify(row["password_hash"], current):
        raise Refusal("password.wrong", N_("The current password is wrong."))
    return set_password(db, user_id, new, author=row["email"], now=now)


def set_password(
    db: Database, user_id: int, new: str, *, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """Store a password the person chose: checked against the policy and the last ones."""
    settings = security_policy.load(db)
    problems = passwords.policy_problems(new, settings)
    recent = db.execute(
        "SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY set_at DESC, id DESC LIMIT ?",
        [user_id, settings.password_history],
    ).fetchall()
    if any(passwords.verify(stored, new) for (stored,) in recent):
        problems.append("reused")
    if problems:
        raise passwords.PasswordRejected(problems, settings)
    row = {
        "password_hash": passwords.hash_password(new),
        "password_set_at": to_db(now or utc_now()),
        "must_change": 0,
    }
    return _change_user(db, user_id, row, action="user.password", author=author)


def issue_one_time_password(db: Database, user_id: int, *, author: str, now: datetime | None = None) -> str:
    """Unblock an account (or reset a forgotten password): a new one-time password, to be
    changed at the next login; the account's open sessions are ended."""
    one_time = passwords.one_time_password(security_policy.load(db))
    row = {
        "password_hash": passwords.hash_password(one_time),
        "password_set_at": to_db(now or utc_now()),
        "must_change": 1,
        "failed_count": 0,
        "blocked_at": None,
        "blocked_by": None,
    }
    _change_user(
        db,
        user_id,
        row,
        action="user.one_time_password",
        author=author,
        end_sessions="one-time password issued",
    )
    return one_time


def block(db: Database, user_id: int, *, author: str, now: datetime | None = None) -> dict[str, Any]:
    """Block an account at once (a suspected breach): it logs in again only after an unblock."""
    row = {"blocked_at": to_db(now or utc_now()), "blocked_by": "administrator"}
    return _change_user(db, user_id, row, action="user.block", author=author, end_sessions="blocked")


def editors_of_child(db: Database, child_id: int) -> list[dict[str, Any]]:
    """The accounts that may change a child's data (the procedures let a parent see them):
    the director, administrators and the secretary; a teacher of the child's group for attendance."""
    child = registry.get_child(db, child_id)
    return list(
        db.query(
            """SELECT u.name, u.email, u.role FROM users u
               WHERE u.blocked_at IS NULL
                 AND (u.role IN ('admin', 'director', 'secretary')
                      OR (u.role = 'teacher'
                          AND u.id IN (SELECT user_id FROM user_groups WHERE group_id = ?)))
               ORDER BY u.role, u.name COLLATE polish, u.id""",
            [child["group_id"]],
        )
    )


def _groups(db: Database, role: str, groups: Iterable[int]) -> list[int]:
    ids = sorted(set(int(g) for g in groups))
    if ids and role != "teacher":
        raise Refusal("account.groups_not_teacher", N_("Only a teacher's account has groups."))
    for group_id in ids:
        registry.get_group(db, group_id)
    return ids


def _granted(role: str, granted: Iterable[str] | None) -> set[str] | None:
    if granted is None:
        return None
    chosen = set(granted)
    if role != "inspector":
        raise Refusal("account.granted_not_inspector", N_("Only an inspector's account has granted rights."))
    wrong = sorted(chosen - READ_RIGHTS)
    if wrong:
        raise Refusal(
            "account.granted_not_read",
            N_("An inspector may be granted only rights that read, not: %(rights)s."),
            rights=", ".join(wrong),
        )
    return chosen


def _guardian_for(db: Database, login: str, name: str, child_ids: list[int], author: str) -> int:
    """The register's guardian with this e-mail address (linked to the children), or a new one."""
    row = db.execute("SELECT id FROM guardians WHERE lower(email) = ? ORDER BY id", [login]).fetchone()
    if row is None:
        return registry.add_guardian(db, name=name, email=login, children=child_ids, author=author)["id"]
    linked = {link["child_id"] for link in registry.get_guardian(db, row[0])["children"]}
    for child_id in child_ids:
        if child_id not in linked:
            registry.link_guardian(db, row[0], child_id, author=author)
    return row[0]


def _change_user(
    db: Database,
    user_id: int,
    row: dict[str, Any],
    *,
    action: str,
    author: str,
    end_sessions: str | None = None,
) -> dict[str, Any]:
    """Update the account (a new password hash is also remembered; `end_sessions` ends its
    open sessions with that reason) and log it, in one transaction."""
    before = get_user(db, user_id)
    with db.atomic():
        db.table("users").update(user_id, row)
        if "password_hash" in row:
            _remember_password(db, user_id, row["password_hash"], row["password_set_at"])
        if end_sessions:
            sessions.end_all(db, user_id, end_sessions)
        after = get_user(db, user_id)
        audit.record(
            db, actor=author, action=action, entity="user", entity_id=user_id, before=before, after=after
        )
    return after


def _remember_password(db: Database, user_id: int, hashed: str, moment: str) -> None:
    db.table("password_history").insert({"user_id": user_id, "password_hash": hashed, "set_at": moment})


def _public(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    user = {key: value for key, value in row.items() if key != "password_hash"}
    user["scope"] = json.loads(row["scope"]) if row["scope"] else None
    user["groups"] = [
        g for (g,) in db.execute("SELECT group_id FROM user_groups WHERE user_id = ? ORDER BY 1", [row["id"]])
    ]
    user["children"] = (
        [
            c
            for (c,) in db.execute(
                "SELECT child_id FROM child_guardians WHERE guardian_id = ? ORDER BY 1", [row["guardian_id"]]
            )
        ]
        if row["guardian_id"]
        else []
    )
    return user
