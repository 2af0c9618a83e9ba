"""Importing a bank statement: transfers read, kept once, matched to children, posted as
payments; and the accountant's one-step assignment of a transfer nobody's yet.

All or nothing: the file is read and checked whole (`hub.rules.ledger.bank_files`) before
anything is stored, and everything new is stored in one transaction with its audit entry.
A transfer is known by its fingerprint (day, amount, accounts, sender, title, the bank's
reference, and which repeat of the same it is in the file), so importing the same file
again, or a statement that overlaps an earlier one, adds only what is new.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.ledger.bank_files import (
    GENERIC,
    BankFile,
    BankFileError,
    CsvProfile,
    Transfer,
    decode,
    read_csv,
    read_mt940,
)
from hub.rules.ledger.matching import Match, Matcher, Payee
from hub.store import audit, bank, copayers, ledger, money_settings, registry
from hub.timefmt import to_db, utc_now

Format = Literal["mt940", "csv"]


@dataclass(frozen=True)
class ImportResult:
    new: int
    already: int
    matched: int
    unmatched: int
    debits: int
    import_id: int | None
    """None when the file brought nothing new (nothing was stored)."""


def detect(data: bytes) -> Format:
    head = decode(data[:2000]).lstrip()
    return "mt940" if head.startswith((":20:", "{1:", ":NS:")) or "\n:20:" in head else "csv"


def read(data: bytes, fmt: Format | None = None, profile: CsvProfile = GENERIC) -> BankFile:
    """The file's transfers, or a `Refusal` naming the line and the reason."""
    fmt = fmt or detect(data)
    try:
        text = decode(data)
        return read_mt940(text) if fmt == "mt940" else read_csv(text, profile)
    except BankFileError as exc:
        raise Refusal("payments.file", N_("The bank file was refused at line %(line)s: %(reason)s."),
                      line=exc.line, reason=exc.reason) from None  # fmt: skip


def fingerprints(transfers: tuple[Transfer, ...]) -> list[str]:
    seen: Counter[tuple[object, ...]] = Counter()
    found = []
    for t in transfers:
        key = (t.booked_on.isoformat(), t.amount, t.account, t.counterparty, t.title, t.reference)
        seen[key] += 1
        found.append(hashlib.sha256(repr((*key, seen[key])).encode()).hexdigest())
    return found


def import_file(
    db: Database,
    data: bytes,
    *,
    file_name: str,
    author: str,
    fmt: Format | None = None,
    profile: CsvProfile = GENERIC,
    now: datetime | None = None,
) -> ImportResult:
    parsed = read(data, fmt, profile)
    prints = fingerprints(parsed.transfers)
    known = bank.known_fingerprints(db, prints)
    new = [(fp, t) for fp, t in zip(prints, parsed.transfers, strict=True) if fp not in known]
    if not new:
        return ImportResult(0, len(prints), 0, 0, parsed.debits, None)
    settings = money_settings.load(db)
    matcher = Matcher(
        [Payee(c["id"], c["first_name"], c["last_name"]) for c in registry.list_children(db)],
        settings.account_prefix,
    )
    now = now or utc_now()
    matches: list[Match | None] = [matcher.match(t) for _, t in new]
    with db.atomic():
        # Again under the write lock: the same file sent from another session at the same
        # moment may have been stored since (it is then simply known, not an error).
        late = bank.known_fingerprints(db, [fp for fp, _ in new])
        if late:
            kept = [(item, m) for item, m in zip(new, matches, strict=True) if item[0] not in late]
            new, matches = [item for item, _ in kept], [m for _, m in kept]
            known |= late
            if not new:
                return ImportResult(0, len(prints), 0, 0, parsed.debits, None)
        import_id = bank.add_import(
            db,
            {
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_name": file_name,
                "format": fmt or detect(data),
                "transfers": len(new),
                "imported_at": to_db(now),
                "imported_by": author,
            },
        )
        bank.add_transfers(
            db,
            [_transfer_row(fp, t, m, import_id) for (fp, t), m in zip(new, matches, strict=True)],
        )
        ledger.add_entries(
            db,
            [
                _payment(m.child_id, None, fp, t.booked_on.isoformat(), t.amount, t.title, now, author)
                for (fp, t), m in zip(new, matches, strict=True)
                if m is not None
            ],
        )
        matched = sum(m is not None for m in matches)
        audit.record(
            db, actor=author, action="payments.import", entity="bank_import", entity_id=import_id,
            after={"file": file_name, "new": len(new), "already": len(known), "matched": matched}, now=now,
        )  # fmt: skip
    return ImportResult(len(new), len(known), matched, len(new) - matched, parsed.debits, import_id)


def _transfer_row(fingerprint: str, t: Transfer, match: Match | None, import_id: int) -> dict[str, object]:
    return {
        "fingerprint": fingerprint, "import_id": import_id, "line": t.line,
        "booked_on": t.booked_on.isoformat(), "amount": t.amount, "account": t.account,
        "counterparty": t.counterparty, "title": t.title,
        "reference": t.reference, "child_id": match.child_id if match else None,
        "matched_by": match.matched_by if match else None,
    }  # fmt: skip


def _payment(
    child_id: int,
    copayer_id: int | None,
    fingerprint: str,
    booked: str,
    amount: int,
    title: str,
    now: datetime,
    author: str,
) -> dict[str, object]:
    """A transfer as a payment on the ledger; its source is the transfer's fingerprint, so a
    transfer is never posted twice."""
    return {
        "child_id": child_id, "copayer_id": copayer_id, "kind": "payment", "amount": -amount,
        "booked_on": booked, "due_on": None, "period": None, "description": f"Wpłata {booked}: {title}"[:300],
        "source": f"transfer:{fingerprint}", "created_at": to_db(now), "created_by": author,
    }  # fmt: skip


def assign(
    db: Database, transfer_id: int, child_id: int, *, author: str, copayer_id: int | None = None
) -> None:
    """The accountant's one step: this transfer is this child's payment (or a co-payer's for
    this child). A transfer already someone's is refused (unassigning is not a thing: the
    ledger only adds; a mistake is corrected by a payout and a new payment)."""
    transfer = bank.get_transfer(db, transfer_id)
    if transfer is None:
        raise Refusal("payments.unknown", N_("There is no transfer number %(id)s."), id=transfer_id)
    if transfer["child_id"] is not None:
        raise Refusal("payments.assigned", N_("Transfer %(id)s is already assigned."), id=transfer_id)
    child = registry.get_child(db, child_id)
    if copayer_id is not None:
        copayers.get_copayer(db, copayer_id)
    now = utc_now()
    with db.atomic():
        if not bank.assign(db, transfer_id, child["id"], copayer_id, to_db(now), author):
            raise Refusal("payments.assigned", N_("Transfer %(id)s is already assigned."), id=transfer_id)
        ledger.add_entries(
            db,
            [
                _payment(child["id"], copayer_id, transfer["fingerprint"], transfer["booked_on"],
                         transfer["amount"], transfer["title"], now, author)
            ],
        )  # fmt: skip
        audit.record(
            db, actor=author, action="payments.assign", entity="bank_transfer", entity_id=transfer_id,
            before={"child_id": None}, after={"child_id": child["id"], "copayer_id": copayer_id}, now=now,
        )  # fmt: skip
