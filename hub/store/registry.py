"""The register of groups, children and guardians (the secretary's part of the journal).

Every function checks its input and raises a `Refusal` (hub/refusal.py) a secretary can act
on; the caller holds no transaction, each change is one. Ids are the database's. Every
change names its `author` and is written to the audit log with the values before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from hub.refusal import N_, Label, Refusal
from hub.store import audit
from hub.store.db import inserted_id, stored_integer
from hub.timefmt import to_db, utc_now

GROUP_NAME = Label(N_("Group name"))
TEACHERS = Label(N_("Teachers"))
FIRST_NAME = Label(N_("First name"))
LAST_NAME = Label(N_("Last name"))
BIRTH_DATE = Label(N_("Date of birth"))
FIRST_DAY = Label(N_("First day"))
LAST_DAY = Label(N_("Last day"))
NOTES = Label(N_("Notes"))
GUARDIAN_NAME = Label(N_("Name"))
EMAIL = Label(N_("E-mail"))
PHONE = Label(N_("Phone"))
RELATION = Label(N_("Relation"))
"""The fields a refusal names, by the labels the forms give them."""


def required_text(value: str | None, field: Label, *, limit: int = 200) -> str:
    """The text stripped; a `Refusal` if it is empty or longer than `limit`."""
    cleaned = optional_text(value, field, limit=limit)
    if cleaned is None:
        raise Refusal("field.required", N_("%(field)s: this is required."), field=field)
    return cleaned


def optional_text(value: str | None, field: Label, *, limit: int = 200) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise Refusal(
            "field.too_long", N_("%(field)s: at most %(limit)s characters."), field=field, limit=limit
        )
    return cleaned or None


def _day(value: date | str | None, field: Label) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError as exc:
        raise Refusal(
            "field.not_a_date", N_("%(field)s: give a date as YYYY-MM-DD."), field=field, value=value
        ) from exc


def not_an_email(text: str) -> Refusal:
    return Refusal("email.invalid", N_("“%(value)s” is not an e-mail address."), value=text)


def _group_exists(name: str) -> Refusal:
    return Refusal("group.exists", N_("There is already a group called “%(name)s”."), name=name)


def unknown_fields(names: set[str]) -> Refusal:
    """A change that names fields the thing does not have (a program's mistake)."""
    return Refusal("fields.unknown", N_("Unknown fields: %(fields)s."), fields=", ".join(sorted(names)))


# -- groups ------------------------------------------------------------------------------


def add_group(db: Database, name: str, teachers: str = "", *, author: str) -> dict[str, Any]:
    clean = required_text(name, GROUP_NAME)
    if db.execute("SELECT 1 FROM groups WHERE name = ?", [clean]).fetchone():
        raise _group_exists(clean)
    with db.atomic():
        group_id = inserted_id(
            db.table("groups").insert(
                {
                    "name": clean,
                    "teachers": optional_text(teachers, TEACHERS),
                    "created_at": to_db(utc_now()),
                }
            )
        )
        group = get_group(db, group_id)
        audit.record(db, actor=author, action="group.create", entity="group", entity_id=group_id, after=group)
    return group


def update_group(
    db: Database, group_id: int, *, name: str, teachers: str = "", author: str
) -> dict[str, Any]:
    """Rename a group or change its teachers; its children and their history stay with it."""
    before = get_group(db, group_id)
    clean = required_text(name, GROUP_NAME)
    if db.execute("SELECT 1 FROM groups WHERE name = ? AND id != ?", [clean, group_id]).fetchone():
        raise _group_exists(clean)
    with db.atomic():
        db.table("groups").update(group_id, {"name": clean, "teachers": optional_text(teachers, TEACHERS)})
        after = get_group(db, group_id)
        audit.record(
            db,
            actor=author,
            action="group.update",
            entity="group",
            entity_id=group_id,
            before=before,
            after=after,
        )
    return after


def get_group(db: Database, group_id: int) -> dict[str, Any]:
    try:
        return dict(db.table("groups").get(group_id))
    except NotFoundError as exc:
        raise Refusal("group.not_found", N_("There is no group with id %(id)s."), id=group_id) from exc


def find_group(db: Database, name_or_id: str | int) -> dict[str, Any]:
    """A group by its id or its exact name."""
    if isinstance(name_or_id, int):
        return get_group(db, name_or_id)
    group_id = stored_integer(name_or_id)
    if group_id is not None:
        return get_group(db, group_id)
    row = db.execute("SELECT id FROM groups WHERE name = ?", [str(name_or_id).strip()]).fetchone()
    if row is None:
        raise Refusal("group.unknown", N_("There is no group called “%(name)s”."), name=name_or_id)
    return get_group(db, row[0])


def list_groups(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            """SELECT g.*, (SELECT count(*) FROM children c WHERE c.group_id = g.id AND c.active_to IS NULL)
                      AS children
               FROM groups g ORDER BY g.name COLLATE polish, g.id"""
        )
    )


# -- children ----------------------------------------------------------------------------


def add_child(
    db: Database,
    *,
    first_name: str,
    last_name: str,
    group: str | int,
    birth_date: date | str | None = None,
    active_from: date | str | None = None,
    active_to: date | str | None = None,
    fee_exempt: bool | None = None,
    notes: str = "",
    author: str,
) -> dict[str, Any]:
    row = _child_row(
        db,
        first_name=first_name,
        last_name=last_name,
        group=group,
        birth_date=birth_date,
        active_from=active_from,
        active_to=active_to,
        fee_exempt=fee_exempt,
        notes=notes,
    )
    with db.atomic():
        child_id = inserted_id(db.table("children").insert(row))
        child = get_child(db, child_id)
        audit.record(db, actor=author, action="child.create", entity="child", entity_id=child_id, after=child)
    return child


def _child_row(
    db: Database,
    *,
    first_name: str,
    last_name: str,
    group: str | int,
    birth_date: date | str | None,
    active_from: date | str | None,
    active_to: date | str | None,
    fee_exempt: bool | None,
    notes: str,
) -> dict[str, Any]:
    born = _day(birth_date, BIRTH_DATE)
    starts = _day(active_from, FIRST_DAY) or date.today().isoformat()
    ends = _day(active_to, LAST_DAY)
    if ends and ends < starts:
        raise Refusal("child.ends_before_start", N_("The last day is before the first."))
    if born and born > starts:
        raise Refusal(
            "child.born_after_start", N_("The date of birth is after the first day in the kindergarten.")
        )
    return {
        "first_name": required_text(first_name, FIRST_NAME, limit=80),
        "last_name": required_text(last_name, LAST_NAME, limit=80),
        "group_id": find_group(db, group)["id"],
        "birth_date": born,
        "active_from": starts,
        "active_to": ends,
        "fee_exempt": None if fee_exempt is None else int(fee_exempt),
        "notes": optional_text(notes, NOTES, limit=2000),
        "created_at": to_db(utc_now()),
    }


def get_child(db: Database, child_id: int) -> dict[str, Any]:
    rows = list(db.query(CHILD_QUERY + " WHERE c.id = ?", [child_id]))
    if not rows:
        raise Refusal("child.not_found", N_("There is no child with id %(id)s."), id=child_id)
    return _child(rows[0])


def list_children(db: Database, group_id: int | None = None, on: date | None = None) -> list[dict[str, Any]]:
    """Children, by group and name; with `on`, only those attending on that day."""
    where: list[str] = []
    params: list[Any] = []
    if group_id is not None:
        where.append("c.group_id = ?")
        params.append(group_id)
    if on is not None:
        where.append("c.active_from <= ? AND (c.active_to IS NULL OR c.active_to >= ?)")
        params += [on.isoformat(), on.isoformat()]
    sql = (
        CHILD_QUERY
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY g.name COLLATE polish, g.id,"
        + " c.last_name COLLATE polish, c.first_name COLLATE polish, c.id"
    )
    return [_child(row) for row in db.query(sql, params)]


def update_child(db: Database, child_id: int, *, author: str, **changes: Any) -> dict[str, Any]:
    """Change a child's data; the fields are those of `add_child`."""
    current = get_child(db, child_id)
    merged = {
        "first_name": current["first_name"],
        "last_name": current["last_name"],
        "group": current["group_id"],
        "birth_date": current["birth_date"],
        "active_from": current["active_from"],
        "active_to": current["active_to"],
        "fee_exempt": current["fee_exempt"],
        "notes": current["notes"] or "",
    }
    unknown = set(changes) - set(merged)
    if unknown:
        raise unknown_fields(unknown)
    merged.update(changes)
    row = _child_row(db, **merged)
    row.pop("created_at")
    with db.atomic():
        db.table("children").update(child_id, row)
        after = get_child(db, child_id)
        audit.record(
            db,
            actor=author,
            action="child.update",
            entity="child",
            entity_id=child_id,
            before=current,
            after=after,
        )
    return after


def short_name(child: dict[str, Any]) -> str:
    """`Ania K.`: what a reader's display and a list on the wall show."""
    return f"{child['first_name']} {child['last_name'][:1]}."


CHILD_QUERY = """SELECT c.*, g.name AS group_name FROM children c JOIN groups g ON g.id = c.group_id"""


def _child(row: dict[str, Any]) -> dict[str, Any]:
    result = dict(row)
    if result["fee_exempt"] is not None:
        result["fee_exempt"] = bool(result["fee_exempt"])
    return result


# -- guardians ---------------------------------------------------------------------------


def add_guardian(
    db: Database,
    *,
    name: str,
    phone: str = "",
    email: str = "",
    children: Sequence[int] = (),
    relation: str = "",
    author: str,
) -> dict[str, Any]:
    clean_email = optional_text(email, EMAIL)
    if clean_email and ("@" not in clean_email or " " in clean_email):
        raise not_an_email(clean_email)
    for child_id in children:
        get_child(db, child_id)
    with db.atomic():
        guardian_id = inserted_id(
            db.table("guardians").insert(
                {
                    "name": required_text(name, GUARDIAN_NAME),
                    "phone": optional_text(phone, PHONE, limit=40),
                    "email": clean_email,
                    "created_at": to_db(utc_now()),
                }
            )
        )
        for child_id in children:
            db.table("child_guardians").insert(
                {
                    "child_id": child_id,
                    "guardian_id": guardian_id,
                    "relation": optional_text(relation, RELATION),
                }
            )
        guardian = get_guardian(db, guardian_id)
        audit.record(
            db,
            actor=author,
            action="guardian.create",
            entity="guardian",
            entity_id=guardian_id,
            after=guardian,
        )
    return guardian


def link_guardian(db: Database, guardian_id: int, child_id: int, relation: str = "", *, author: str) -> None:
    before = get_guardian(db, guardian_id)
    get_child(db, child_id)
    with db.atomic():
        db.table("child_guardians").insert(
            {
                "child_id": child_id,
                "guardian_id": guardian_id,
                "relation": optional_text(relation, RELATION),
            },
            replace=True,
        )
        audit.record(
            db, actor=author, action="guardian.link", entity="guardian", entity_id=guardian_id,
            before=before, after=get_guardian(db, guardian_id),
        )  # fmt: skip


def get_guardian(db: Database, guardian_id: int) -> dict[str, Any]:
    try:
        guardian = dict(db.table("guardians").get(guardian_id))
    except NotFoundError as exc:
        raise Refusal(
            "guardian.not_found", N_("There is no guardian with id %(id)s."), id=guardian_id
        ) from exc
    guardian["children"] = [
        {"child_id": child_id, "relation": relation}
        for child_id, relation in db.execute(
            "SELECT child_id, relation FROM child_guardians WHERE guardian_id = ? ORDER BY child_id",
            [guardian_id],
        )
    ]
    return guardian


def guardians_of(db: Database, child_id: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            """SELECT gu.*, cg.relation FROM guardians gu JOIN child_guardians cg ON cg.guardian_id = gu.id
               WHERE cg.child_id = ? ORDER BY gu.name COLLATE polish, gu.id""",
            [child_id],
        )
    )


def list_guardians(db: Database) -> list[dict[str, Any]]:
    return [
        get_guardian(db, row["id"]) for row in db["guardians"].rows_where(order_by="name COLLATE polish, id")
    ]
