"""Absences of staff (sick leave, leave, training): entered by the director or the secretary,
read by the reply rule (a teacher's term runs from their return, 000 §3.5).

Nothing here is deleted or silently changed: an absence may be ended early (the person came
back sooner: its last day moves earlier, the planned one is kept) or cancelled (entered by
mistake: it no longer counts but stays listed), each with a reason, who and when, and
every change is in the audit log. Who may enter them is the web's and the command line's
business (the right `staff_absences.manage`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Label, Refusal
from hub.store import audit
from hub.store.db import inserted_id
from hub.timefmt import to_db, utc_now

KINDS = {
    "sick": N_("sick leave"),
    "leave": N_("leave"),
    "training": N_("training"),
    "other": N_("other absence"),
}
"""The kinds of absence, with their words (translated where shown)."""
STAFF_ROLES = ("admin", "director", "teacher", "secretary")
MAX_DAYS = 366
REASON = Label(N_("Reason"))


def add_absence(
    db: Database,
    *,
    account_id: int,
    first: date,
    last: date,
    kind: str,
    author: str,
    note: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Enter an absence of a member of staff, first to last day inclusive. Refused when it
    overlaps one of theirs already counting."""
    person = _staff(db, account_id)
    if kind not in KINDS:
        raise Refusal(
            "staff_absence.kind", N_("Choose the kind of absence: %(kinds)s."), kinds=", ".join(KINDS)
        )
    if last < first:
        raise Refusal("absence.ends_before_start", N_("The last day of the absence is before the first."))
    if (last - first).days >= MAX_DAYS:
        raise Refusal("staff_absence.too_long", N_("Enter at most %(days)s days at a time."), days=MAX_DAYS)
    if not author.strip():
        raise Refusal("author.missing", N_("Who makes the change must be recorded."))
    at = now or utc_now()
    with db.atomic():
        clash = db.execute(
            "SELECT first_day, last_day FROM staff_absences WHERE account_id = ? AND cancelled_at IS NULL "
            "AND first_day <= ? AND last_day >= ?",
            [account_id, last.isoformat(), first.isoformat()],
        ).fetchone()
        if clash:
            raise Refusal(
                "staff_absence.overlaps",
                N_("%(name)s is already absent from %(first)s to %(last)s."),
                name=person["name"],
                first=clash[0],
                last=clash[1],
            )
        row = {
            "account_id": account_id,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "planned_last_day": last.isoformat(),
            "kind": kind,
            "note": note.strip(),
            "entered_by": author.strip(),
            "entered_at": to_db(at),
        }
        absence_id = inserted_id(db.table("staff_absences").insert(row))
        audit.record(
            db, actor=author, action="staff_absence.add", entity="staff_absence", entity_id=absence_id,
            after={key: row[key] for key in ("account_id", "first_day", "last_day", "kind", "note")}, now=at,
        )  # fmt: skip
    return get_absence(db, absence_id)


def end_early(
    db: Database, absence_id: int, *, last: date, reason: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """The person came back sooner: the absence's last day becomes `last` (from its first day
    to the day before its entered last day); the planned last day is kept."""
    at = now or utc_now()
    with db.atomic():
        absence = _counting(db, absence_id)
        if not absence["first_day"] <= last.isoformat() < absence["last_day"]:
            raise Refusal(
                "staff_absence.end_outside",
                N_("An absence from %(first)s to %(last)s can end early only on a day from %(first)s "
                   "to the day before %(last)s."),
                first=absence["first_day"],
                last=absence["last_day"],
            )  # fmt: skip
        clean = _reason(reason)
        db.execute(
            "UPDATE staff_absences SET last_day = ?, ended_by = ?, ended_at = ?, end_reason = ? WHERE id = ?",
            [last.isoformat(), author.strip(), to_db(at), clean, absence_id],
        )
        audit.record(
            db, actor=author, action="staff_absence.end", entity="staff_absence", entity_id=absence_id,
            before={"last_day": absence["last_day"]}, after={"last_day": last.isoformat(), "reason": clean},
            now=at,
        )  # fmt: skip
    return get_absence(db, absence_id)


def cancel(
    db: Database, absence_id: int, *, reason: str, author: str, now: datetime | None = None
) -> dict[str, Any]:
    """The absence was entered by mistake: it no longer counts, and stays listed as cancelled."""
    at = now or utc_now()
    with db.atomic():
        absence = _counting(db, absence_id)
        clean = _reason(reason)
        db.execute(
            "UPDATE staff_absences SET cancelled_by = ?, cancelled_at = ?, cancel_reason = ? WHERE id = ?",
            [author.strip(), to_db(at), clean, absence_id],
        )
        audit.record(
            db, actor=author, action="staff_absence.cancel", entity="staff_absence", entity_id=absence_id,
            before={"first_day": absence["first_day"], "last_day": absence["last_day"]},
            after={"reason": clean}, now=at,
        )  # fmt: skip
    return get_absence(db, absence_id)


def get_absence(db: Database, absence_id: int) -> dict[str, Any]:
    rows = list(
        db.query(
            "SELECT a.*, u.name, u.role FROM staff_absences a JOIN users u ON u.id = a.account_id "
            "WHERE a.id = ?",
            [absence_id],
        )
    )
    if not rows:
        raise Refusal("staff_absence.unknown", N_("There is no staff absence %(id)s."), id=absence_id)
    return rows[0]


def list_absences(
    db: Database, *, account_id: int | None = None, since: date | None = None, include_cancelled: bool = True
) -> list[dict[str, Any]]:
    """Absences, latest first, with the person's name and role: one person's or everyone's,
    those ending on or after `since`."""
    where: list[str] = ["1"]
    params: list[object] = []
    if account_id is not None:
        where.append("a.account_id = ?")
        params.append(account_id)
    if since is not None:
        where.append("a.last_day >= ?")
        params.append(since.isoformat())
    if not include_cancelled:
        where.append("a.cancelled_at IS NULL")
    return list(
        db.query(
            f"SELECT a.*, u.name, u.role FROM staff_absences a JOIN users u ON u.id = a.account_id "
            f"WHERE {' AND '.join(where)} ORDER BY a.first_day DESC, a.id DESC",
            params,
        )
    )


def counting_ranges(db: Database, account_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """Each account's absences that count (not cancelled), as (first, last) days."""
    found: dict[int, list[tuple[date, date]]] = {account: [] for account in account_ids}
    if not account_ids:
        return found
    marks = ", ".join("?" for _ in account_ids)
    for account, first, last in db.execute(
        f"SELECT account_id, first_day, last_day FROM staff_absences "
        f"WHERE cancelled_at IS NULL AND account_id IN ({marks}) ORDER BY first_day",
        account_ids,
    ):
        found[account].append((date.fromisoformat(first), date.fromisoformat(last)))
    return found


def staff(db: Database) -> list[dict[str, Any]]:
    """The accounts that may be absent (staff), by name."""
    marks = ", ".join("?" for _ in STAFF_ROLES)
    return list(
        db.query(
            f"SELECT id, name, email, role FROM users WHERE role IN ({marks}) "
            "ORDER BY name COLLATE polish, id",
            list(STAFF_ROLES),
        )
    )


def _staff(db: Database, account_id: int) -> dict[str, Any]:
    row = list(db.query("SELECT id, name, role FROM users WHERE id = ?", [account_id]))
    if not row or row[0]["role"] not in STAFF_ROLES:
        raise Refusal("staff_absence.not_staff", N_("There is no member of staff %(id)s."), id=account_id)
    return row[0]


def _counting(db: Database, absence_id: int) -> dict[str, Any]:
    absence = get_absence(db, absence_id)
    if absence["cancelled_at"] is not None:
        raise Refusal(
            "staff_absence.cancelled", N_("The absence %(id)s was already cancelled."), id=absence_id
        )
    return absence


def _reason(reason: str) -> str:
    clean = reason.strip()
    if not clean:
        raise Refusal("field.required", N_("%(field)s: this is required."), field=REASON)
    return clean
