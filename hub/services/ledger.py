"""The ledgers from storage: a closed month posted as entries, each payer's balance, dues and
arrears, the individual account numbers, the accountant's month.

Posting happens inside `months.close`'s transaction, so a month is never closed without its
entries, and the unique `source` of each entry makes posting the same month twice
impossible. `book` adds what the accountant books by hand, with its audit entry; the rest
only reads.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.fees import MonthStatement
from hub.rules.fees.money import round_half_up_div, to_grosz
from hub.rules.ledger import Entry, HistoryLine, Settlement, child_account, history, settle
from hub.store import audit, copayers, money_settings, registry
from hub.store import ledger as ledger_store
from hub.timefmt import to_db, utc_now


def due_date(year: int, month: int, due_day: int) -> date:
    """The billed month (`year`, `month`) is due on `due_day` of the month after it."""
    return date(year + month // 12, month % 12 + 1, due_day)


def period_of(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def month_rows(
    statement: MonthStatement,
    shares: list[dict[str, Any]],
    *,
    booked_on: date,
    due_on: date,
    now: datetime,
    author: str,
) -> list[dict[str, Any]]:
    """A closed month's ledger rows: the parents' charges, and each co-payer's share taken off
    theirs and charged on the co-payer's ledger (percentages of the month's total rounded half
    up, amounts capped so the shares never exceed it)."""
    child_id, period = statement.child.child_id, period_of(statement.year, statement.month)
    common = {
        "child_id": child_id,
        "booked_on": booked_on.isoformat(),
        "due_on": due_on.isoformat(),
        "period": period,
        "source": f"month:{period}",
        "created_at": to_db(now),
        "created_by": author,
    }
    lines = [
        ("stay", to_grosz(statement.stay_fee), f"Opłata za pobyt {period}"),
        ("meals", to_grosz(statement.meals_charged), f"Posiłki {period}"),
        ("meal_refund", -to_grosz(statement.meals_refunded), f"Odpis za posiłki {period}"),
        ("adjustment", to_grosz(statement.adjustments_total), f"Korekty wcześniejszych miesięcy ({period})"),
    ]
    rows = [
        {**common, "copayer_id": None, "kind": k, "amount": a, "description": d} for k, a, d in lines if a
    ]
    total = sum(a for _, a, _ in lines)
    left = max(total, 0)
    for share in shares:
        if share["child_id"] != child_id or left <= 0:
            continue
        if share["percent_bp"] is not None:
            part = min(left, round_half_up_div(total * share["percent_bp"], 10_000))
        else:
            part = min(left, share["amount"])
        left -= part
        if part == 0:
            continue
        what = f"Udział {share['copayer_name']} w opłatach {period}"
        source = f"month:{period}:share:{share['id']}"  # one line per share: two co-payers, two lines
        share_line = {**common, "kind": "copayer_share", "source": source}
        rows.append({**share_line, "copayer_id": None, "amount": -part, "description": what})
        rows.append({**share_line, "copayer_id": share["copayer_id"], "amount": part,
                     "description": f"{what}: {statement.child.name}"})  # fmt: skip
    return rows


def post_month(
    db: Database,
    statements: list[MonthStatement],
    year: int,
    month: int,
    *,
    now: datetime,
    author: str,
) -> int:
    """Post the closed month's statements to the ledgers (call inside the closing's
    transaction); returns how many entries were added. The charges are booked on the month's
    last day (they are that month's, whenever it was closed; `created_at` says when) and are
    due on the due day of the next month: close a month before its due day."""
    settings = money_settings.load(db)
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    shares = copayers.shares_in(db, first, last)
    booked_on = last
    due_on = due_date(year, month, settings.due_day)
    rows = [
        row
        for statement in statements
        for row in month_rows(statement, shares, booked_on=booked_on, due_on=due_on, now=now, author=author)
    ]
    ledger_store.add_entries(db, rows)
    return len(rows)


MANUAL_KINDS = {"payment": -1, "write_off": -1, "payout": 1}
"""What the accountant books by hand, and its sign: a payment at the cash desk, a write-off
(umorzenie, by the director's decision), a payout (an overpayment paid back)."""


def book(
    db: Database,
    child_id: int,
    kind: str,
    amount: int,
    on: date,
    reason: str,
    *,
    author: str,
    copayer_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Book a payment, write-off or payout of `amount` grosze (> 0) on the payer's ledger,
    with its reason, audited in the same transaction."""
    if kind not in MANUAL_KINDS:
        raise Refusal("ledger.kind", N_("Book a payment, a write-off or a payout, not %(kind)s."), kind=kind)
    if amount <= 0:
        raise Refusal("ledger.amount", N_("The amount must be more than zero."))
    if not reason.strip():
        raise Refusal("ledger.reason", N_("Say why (the document or decision it rests on)."))
    registry.get_child(db, child_id)
    if copayer_id is not None:
        copayers.get_copayer(db, copayer_id)
    now = now or utc_now()
    row = {
        "child_id": child_id, "copayer_id": copayer_id, "kind": kind, "amount": MANUAL_KINDS[kind] * amount,
        "booked_on": on.isoformat(), "due_on": None, "period": None, "description": reason.strip()[:300],
        "source": f"manual:{secrets.token_hex(8)}", "created_at": to_db(now), "created_by": author,
    }  # fmt: skip
    with db.atomic():
        ledger_store.add_entries(db, [row])
        audit.record(
            db, actor=author, action=f"ledger.{kind}", entity="child", entity_id=child_id, after=row, now=now
        )


def account_number(db: Database, child_id: int) -> str | None:
    """The child's individual account (26 digits), or None until the bank's prefix is set."""
    prefix = money_settings.load(db).account_prefix
    return child_account(prefix, child_id) if prefix else None


@dataclass(frozen=True)
class PayerState:
    """What a payer (a child's parents, or a co-payer for that child) sees: entries with the
    running balance, the settlement as of a day, and where to pay."""

    child: dict[str, Any]
    copayer: dict[str, Any] | None
    lines: list[HistoryLine]
    settlement: Settlement
    account: str | None

    @property
    def balance(self) -> int:
        return self.lines[-1].balance if self.lines else 0


def payer_state(db: Database, child_id: int, on: date, copayer_id: int | None = None) -> PayerState:
    settings = money_settings.load(db)
    entries = ledger_store.entries_of(db, child_id, copayer_id)
    return PayerState(
        child=registry.get_child(db, child_id),
        copayer=copayers.get_copayer(db, copayer_id) if copayer_id else None,
        lines=history(entries),
        settlement=settle(entries, on, settings.rates, settings.interest_threshold),
        account=account_number(db, child_id) if copayer_id is None else None,
    )


def entries_by_payer(db: Database) -> dict[tuple[int, int | None], list[Entry]]:
    """Every payer's entries (the accountant's month: one query for all)."""
    return ledger_store.all_entries(db)


@dataclass(frozen=True)
class Arrear:
    """One payer's overdue months as of a day."""

    child: dict[str, Any]
    copayer_id: int | None
    overdue: int
    interest: int
    oldest_due: date
    days_late: int
    balance: int


def arrears(db: Database, on: date, group_id: int | None = None) -> list[Arrear]:
    """Every payer with a month unpaid after its due day, by group and name (one query for all
    the entries, not one per child)."""
    settings = money_settings.load(db)
    children = {c["id"]: c for c in registry.list_children(db, group_id=group_id)}
    found = []
    for (child_id, copayer_id), entries in ledger_store.all_entries(db).items():
        if child_id not in children:
            continue
        state = settle(entries, on, settings.rates, settings.interest_threshold)
        late = state.overdue()
        if not late:
            continue
        found.append(
            Arrear(
                child=children[child_id],
                copayer_id=copayer_id,
                overdue=sum(d.outstanding for d in late),
                interest=sum(d.interest_now for d in late),
                oldest_due=late[0].due_on,
                days_late=late[0].days_late(on),
                balance=sum(e.amount for e in entries),
            )
        )
    order = {child_id: i for i, child_id in enumerate(children)}
    found.sort(key=lambda a: (order[a.child["id"]], a.copayer_id or 0))
    return found
