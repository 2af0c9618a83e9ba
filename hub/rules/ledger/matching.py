"""Whose payment is a transfer: by the individual account, else by the title, else nobody's.

1. **Account**: a transfer to a child's individual account (`account.py`) is that child's,
   whatever its title says.
2. **Title**: the child's number as printed on the statement (`EW-42`), or the child's full
   name (first and last, in either order, diacritics and case ignored) — but only when
   exactly one child fits: "Kowalska" alone, or two Zosia Kowalskas, is left to a person.
3. Otherwise the transfer waits for the accountant, who assigns it in one step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from hub.rules.ledger.account import identifier_of
from hub.rules.ledger.bank_files import Transfer, folded

MatchedBy = Literal["account", "reference", "name"]
_REFERENCE = re.compile(r"\bew[\s\-/]*0*(\d{1,9})\b")


def reference(child_id: int) -> str:
    """The child's number as printed on statements, for the title of a transfer."""
    return f"EW-{child_id}"


@dataclass(frozen=True)
class Payee:
    child_id: int
    first_name: str
    last_name: str


@dataclass(frozen=True)
class Match:
    child_id: int
    matched_by: MatchedBy


class Matcher:
    """Built once per import from the children (and the bank's prefix), then asked per transfer."""

    def __init__(self, payees: Iterable[Payee], prefix: str) -> None:
        self.prefix = prefix
        self.ids: set[int] = set()
        self.names: dict[str, set[int]] = {}
        """Full names (folded, both orders) → children: a title's runs of words are looked up,
        so matching costs the title's length, not the number of children."""
        for payee in payees:
            self.ids.add(payee.child_id)
            first, last = folded(payee.first_name).split(), folded(payee.last_name).split()
            for name in (" ".join(first + last), " ".join(last + first)):
                self.names.setdefault(name, set()).add(payee.child_id)
        self.sizes = sorted({len(name.split()) for name in self.names})

    def match(self, transfer: Transfer) -> Match | None:
        if self.prefix:
            for account in transfer.account.split():
                child_id = identifier_of(self.prefix, account)
                if child_id in self.ids:
                    return Match(child_id, "account")
        title = " ".join(re.sub(r"[^\w]+", " ", folded(transfer.title)).split())
        numbers = {int(n) for n in _REFERENCE.findall(title)} & self.ids
        if len(numbers) == 1:
            return Match(numbers.pop(), "reference")
        padded = f" {title} "
        named = {
            child for name, children in self.names.items() if f" {name} " in padded for child in children
        }
        if len(named) == 1:
            return Match(named.pop(), "name")
        return None
