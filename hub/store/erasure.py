"""Erasing a person (RODO art. 17): every row that names a child, a guardian or an account,
table by table (when it is allowed: `hub/services/erasure.py`).

`REFERENCES` is the whole map: each column that points at a person, and what erasure does
to its rows: `delete` them (what only that person's record needs), or `keep` them pointing
at the person's row, which stays as a tombstone named "[usunięto]" because other figures
count it (a closed month's bill, a ledger's balance, a message's receipts). A test reads
every foreign key and every `*_id` column of the schema and fails on one missing here,
so a new table that names a person cannot be forgotten.

After the rows go, `scrub` replaces the person's name, e-mail and phone with "[usunięto]"
in every text column of every table (authors, audit entries, message texts, transfer
titles): free text can name anyone. It finds the forms it is given where they stand whole,
not a name declined ("Ani Kowalskiej").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

ERASED = "[usunięto]"
Person = Literal["child", "guardian", "account"]
PERSON_TABLES: dict[Person, str] = {"child": "children", "guardian": "guardians", "account": "users"}
PERSON_COLUMN: dict[Person, str] = {"child": "child_id", "guardian": "guardian_id", "account": "user_id"}


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    person: Person
    treatment: Literal["delete", "keep"]
    why: str
    first: tuple[tuple[str, str], ...] = ()
    """Rows that hang on these and go before them: a table and the condition (with `:id`)."""
    blank: str = ""
    """For a row kept: the columns that lose what names or identifies someone (SQL `SET`)."""


_CHILD_TAPS = (
    "taps",
    """rowid IN (
    SELECT t.rowid FROM taps t JOIN cards k ON k.uid = t.uid
    WHERE k.child_id = :id AND coalesce(t.at, t.received_at) >= k.valid_from
      AND (k.revoked_at IS NULL OR coalesce(t.at, t.received_at) < k.revoked_at))""",
)

REFERENCES = (
    Reference("child_guardians", "child_id", "child", "delete", "who the child's guardians were"),
    Reference("cards", "child_id", "child", "delete", "the child's cards, their taps first", (_CHILD_TAPS,)),
    Reference("corrections", "child_id", "child", "delete", "the child's journal: past its term"),
    Reference("absences", "child_id", "child", "delete", "the child's journal: past its term"),
    Reference("kiosk_records", "child_id", "child", "delete", "the child's journal: past its term"),
    Reference("observations", "child_id", "child", "delete", "the register of observations, with its history",
              (("observation_history",
                "observation_id IN (SELECT id FROM observations WHERE child_id = :id)"),)),
    Reference("school_readiness", "child_id", "child", "delete", "the readiness information and its versions",
              (("school_readiness_versions",
                "readiness_id IN (SELECT id FROM school_readiness WHERE child_id = :id)"),)),
    Reference("copayer_shares", "child_id", "child", "delete", "who paid a part of the child's fee"),
    Reference("notification_outbox", "child_id", "child", "delete", "notifications about the child"),
    Reference("personal_data_reads", "child_id", "child", "delete", "who opened the child's data"),
    Reference("billed_months", "child_id", "child", "keep", "a closed month's totals count the child"),
    Reference("ledger_entries", "child_id", "child", "keep", "the ledger's balances; descriptions scrubbed"),
    Reference("bank_transfers", "child_id", "child", "keep", "the bank statement's sums stay; not who paid",
              blank="counterparty = :erased, account = :erased, title = :erased, reference = NULL"),
    Reference("child_guardians", "guardian_id", "guardian", "delete", "whose guardian they were"),
    Reference("guardian_pins", "guardian_id", "guardian", "delete", "the kiosk PIN"),
    Reference("kiosk_attempts", "guardian_id", "guardian", "delete", "their kiosk PIN attempts"),
    Reference("kiosk_records", "guardian_id", "guardian", "delete", "what they recorded at the kiosk"),
    Reference("users", "guardian_id", "guardian", "keep", "their account is erased with them (unlinked)"),
    Reference("user_groups", "user_id", "account", "delete", "a teacher's groups"),
    Reference("password_history", "user_id", "account", "delete", "old password hashes"),
    Reference("sessions", "user_id", "account", "delete", "sessions"),
    Reference("trusted_devices", "user_id", "account", "delete", "trusted browsers"),
    Reference("login_attempts", "user_id", "account", "delete", "login attempts"),
    Reference("denied_actions", "user_id", "account", "delete", "refused actions"),
    Reference("kiosk_attempts", "kiosk_id", "account", "delete", "a kiosk's PIN attempts"),
    Reference("kiosk_records", "kiosk_id", "account", "keep", "the children's journal names the kiosk"),
    Reference("messages", "sender_id", "account", "keep", "the others' correspondence; texts scrubbed"),
    Reference("message_recipients", "account_id", "account", "keep", "a message's receipts count them"),
    Reference("reply_waivers", "account_id", "account", "delete", "their reply waivers"),
    Reference("staff_absences", "account_id", "account", "delete", "their absences (health data)"),
    Reference("notification_choices", "user_id", "account", "delete", "notification choices"),
    Reference("push_subscriptions", "user_id", "account", "delete", "their browsers' push addresses"),
    Reference("notification_outbox", "user_id", "account", "delete", "notifications to them"),
    Reference("calendar_feeds", "user_id", "account", "delete", "their calendar feed"),
)  # fmt: skip
"""Every column that names a person, in the order erasure visits them."""

AUDITED: dict[Person, dict[str, str]] = {
    "child": {"child": "children", "card": "cards", "correction": "corrections", "absence": "absences",
              "kiosk_record": "kiosk_records", "observation": "observations",
              "school_readiness": "school_readiness"},
    "guardian": {"guardian": "guardians"},
    "account": {"user": "users"},
}  # fmt: skip
"""The audit log's entities whose entries go with the person, and their tables: the
person's own entries, and (for a child) those of the rows that were theirs."""


def delete_rows(db: Database, person: Person, person_id: int) -> dict[str, int]:
    """Delete the rows `REFERENCES` deletes, and the audit log's entries about the person
    and those rows; returns the count per table. The caller holds the transaction."""
    counts: dict[str, int] = {"audit_log": _delete_audit_entries(db, person, person_id)}
    for reference in REFERENCES:
        if reference.person != person:
            continue
        if reference.blank:
            sql = f"UPDATE {reference.table} SET {reference.blank} WHERE {reference.column} = :id"
            db.execute(sql, {"id": person_id, "erased": ERASED})
        if reference.treatment != "delete":
            continue
        for table, where in (*reference.first, (reference.table, f"{reference.column} = :id")):
            deleted = db.execute(f"DELETE FROM {table} WHERE {where}", {"id": person_id}).rowcount
            counts[table] = counts.get(table, 0) + deleted
    return {table: count for table, count in counts.items() if count}


def _delete_audit_entries(db: Database, person: Person, person_id: int) -> int:
    """Entries about the person or their rows go (before the rows, whose ids name them);
    for a child, also any entry whose values name the child's id."""
    deleted = 0
    for entity, table in AUDITED[person].items():
        owner = "id" if table == PERSON_TABLES[person] else PERSON_COLUMN[person]
        deleted += db.execute(
            f"DELETE FROM audit_log WHERE entity = ? AND entity_id IN "
            f"(SELECT CAST(id AS TEXT) FROM {table} WHERE {owner} = ?)",
            [entity, person_id],
        ).rowcount
    if person == "child":
        deleted += db.execute(
            "DELETE FROM audit_log WHERE json_extract(before, '$.child_id') = :id "
            "OR json_extract(after, '$.child_id') = :id",
            {"id": person_id},
        ).rowcount
    return deleted


def tombstone_child(db: Database, child_id: int) -> None:
    """The child's row kept for the figures that count it, with nothing that says who."""
    db.execute(
        "UPDATE children SET first_name = ?, last_name = ?, birth_date = NULL, notes = NULL WHERE id = ?",
        [ERASED, ERASED, child_id],
    )


def delete_guardian(db: Database, guardian_id: int) -> None:
    db.execute("UPDATE users SET guardian_id = NULL WHERE guardian_id = ?", [guardian_id])
    db.execute("DELETE FROM guardians WHERE id = ?", [guardian_id])


def tombstone_account(db: Database, user_id: int) -> None:
    """The account kept for the messages and receipts that name it, unusable and nameless:
    no password can match "!", and it is blocked."""
    db.execute(
        """UPDATE users SET email = ?, name = ?, title = NULL, guardian_id = NULL, scope = NULL,
                  password_hash = '!', must_change = 1, blocked_at = coalesce(blocked_at, created_at),
                  blocked_by = NULL, expires_on = NULL
           WHERE id = ?""",
        [f"{ERASED} #{user_id}", ERASED, user_id],
    )


SCRUB_FUNCTION = "erasure_scrub"
EDGE_BEFORE = r"(?<![\w.@+-])"
EDGE_AFTER = r"(?![\w@-])"
"""A form counts only as a whole: "ola@p.pl" is not inside "viola@p.pl", nor "Ania Kowal"
inside "Ania Kowalska"."""


def scrub(db: Database, needles: Iterable[str]) -> dict[str, int]:
    """Replace each of `needles` (and its form inside JSON), where it stands whole, with
    "[usunięto]" in every text column of every table; returns the rows changed per table.
    SQLite's `instr` finds the candidate rows; a regular expression decides."""
    wanted = {form for needle in needles if needle.strip() for form in (needle, json.dumps(needle)[1:-1])}
    forms = sorted(wanted, key=len, reverse=True)
    if not forms:
        return {}
    pattern = re.compile("|".join(f"{EDGE_BEFORE}{re.escape(form)}{EDGE_AFTER}" for form in forms))
    db.conn.create_function(
        SCRUB_FUNCTION, 1, lambda text: pattern.sub(ERASED, text) if isinstance(text, str) else text,
        deterministic=True,
    )  # fmt: skip
    params = {f"n{index}": form for index, form in enumerate(forms)}
    changed: dict[str, int] = {}
    for table in db.table_names():
        if table.startswith(("sqlite_", "_sqlite")):
            continue
        columns = [column.name for column in db[table].columns if column.type.upper() in ("TEXT", "")]
        if not columns:
            continue
        sets = ", ".join(f'"{column}" = {SCRUB_FUNCTION}("{column}")' for column in columns)
        found = " OR ".join(f'instr("{column}", :{name}) > 0' for column in columns for name in params)
        differs = " OR ".join(f'"{column}" IS NOT {SCRUB_FUNCTION}("{column}")' for column in columns)
        count = db.execute(f'UPDATE "{table}" SET {sets} WHERE ({found}) AND ({differs})', params).rowcount
        if count:
            changed[table] = count
    return changed


_CARD_WINDOW = """k.uid = t.uid AND coalesce(t.at, t.received_at) >= k.valid_from
    AND (k.revoked_at IS NULL OR coalesce(t.at, t.received_at) < k.revoked_at)"""
LATEST: dict[Person, dict[str, str]] = {
    "child": {
        "left": "SELECT active_to FROM children WHERE id = :id",
        "taps": f"SELECT max(coalesce(t.at, t.received_at)) FROM taps t JOIN cards k ON {_CARD_WINDOW} "
        "WHERE k.child_id = :id",
        "corrections": "SELECT max(day) FROM corrections WHERE child_id = :id",
        "absences": "SELECT max(day) FROM absences WHERE child_id = :id",
        "kiosk_records": "SELECT max(at) FROM kiosk_records WHERE child_id = :id",
        "observations": "SELECT max(day) FROM observations WHERE child_id = :id",
        "school_readiness": "SELECT max(max(created_at, coalesce(finalized_at, ''), "
        "coalesce(printed_at, ''))) FROM school_readiness WHERE child_id = :id",
        "readiness_given": "SELECT max(given_on) FROM school_readiness WHERE child_id = :id",
        "ledger_entries": "SELECT max(booked_on) FROM ledger_entries WHERE child_id = :id",
        "billed_months": "SELECT max(printf('%04d-%02d-01', year, month)) FROM billed_months "
        "WHERE child_id = :id",
        "bank_transfers": "SELECT max(booked_on) FROM bank_transfers WHERE child_id = :id",
    },
    "guardian": {
        "kiosk_records": "SELECT max(at) FROM kiosk_records WHERE guardian_id = :id",
    },
    "account": {
        "created": "SELECT created_at FROM users WHERE id = :id",
        "sessions": "SELECT max(last_seen_at) FROM sessions WHERE user_id = :id",
        "audit_log": "SELECT max(at) FROM audit_log WHERE lower(actor) = "
        "(SELECT lower(email) FROM users WHERE id = :id)",
        "messages_sent": "SELECT max(sent_at) FROM messages WHERE sender_id = :id",
        "messages_received": "SELECT max(m.sent_at) FROM messages m JOIN message_recipients r "
        "ON r.message_id = m.id WHERE r.account_id = :id",
        "staff_absences": "SELECT max(last_day) FROM staff_absences WHERE account_id = :id",
    },
}
"""The latest record of each kind a person has: a local day (`YYYY-MM-DD`) or a stored
instant; what the person's erasure waits for."""


def latest_records(db: Database, person: Person, person_id: int) -> dict[str, str]:
    """Each kind's latest record of the person (kinds with none left out)."""
    found = {kind: db.execute(sql, {"id": person_id}).fetchone()[0] for kind, sql in LATEST[person].items()}
    return {kind: value for kind, value in found.items() if value}


def guardian_children(db: Database, guardian_id: int) -> list[int]:
    return [
        row[0]
        for row in db.execute("SELECT child_id FROM child_guardians WHERE guardian_id = ?", [guardian_id])
    ]


def guardian_accounts(db: Database, guardian_id: int) -> list[int]:
    return [
        row[0] for row in db.execute("SELECT id FROM users WHERE guardian_id = ? ORDER BY id", [guardian_id])
    ]


def account(db: Database, user_id: int) -> dict[str, str] | None:
    row = db.execute("SELECT email, name FROM users WHERE id = ?", [user_id]).fetchone()
    return {"email": row[0], "name": row[1]} if row else None
