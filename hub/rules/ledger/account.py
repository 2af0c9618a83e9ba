"""Individual bank account numbers: one per child, so the bank tells us who paid.

Polish banks give an institution a range of virtual accounts ("rachunki wirtualne",
"identyfikacja przychodzących płatności"): the 26-digit NRB is two check digits, the bank's
8-digit routing number, and 16 digits of which the bank fixes the first few (the prefix)
and the rest identify the payer. We put the child's number, zero-padded, in the rest; the
check digits are the IBAN ones (ISO 13616, mod 97), computed and validated by `schwifty`.
"""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

NRB_DIGITS = 26
BBAN_DIGITS = 24
ROUTING_DIGITS = 8


class AccountNumberError(ValueError):
    """A prefix or account number that cannot be one (the message says why)."""


def _digits(text: str) -> str:
    cleaned = "".join(text.split()).upper().removeprefix("PL")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise AccountNumberError(f"an account number has only digits, got {text!r}")
    return cleaned


def check_prefix(prefix: str) -> str:
    """The bank's prefix for virtual accounts: the 8-digit routing number and the bank's own
    digits, without check digits; at least 4 digits must be left for the children."""
    digits = _digits(prefix)
    if not ROUTING_DIGITS <= len(digits) <= BBAN_DIGITS - 4:
        raise AccountNumberError(
            f"the virtual-account prefix has {ROUTING_DIGITS} to {BBAN_DIGITS - 4} digits "
            f"(routing number and the bank's digits), got {len(digits)}"
        )
    return digits


def child_account(prefix: str, identifier: int) -> str:
    """The 26-digit NRB of the child numbered `identifier` under `prefix`."""
    digits = check_prefix(prefix)
    room = BBAN_DIGITS - len(digits)
    if identifier < 0 or len(str(identifier)) > room:
        raise AccountNumberError(f"identifier {identifier} does not fit in {room} digits after the prefix")
    bban = digits + str(identifier).zfill(room)
    iban = IBAN.generate("PL", bank_code=bban[:ROUTING_DIGITS], account_code=bban[ROUTING_DIGITS:])
    return str(iban)[2:]


def is_valid_account(text: str) -> bool:
    """Is `text` a Polish account number (NRB, or IBAN with `PL`) with the right check digits?"""
    try:
        digits = _digits(text)
    except AccountNumberError:
        return False
    if len(digits) != NRB_DIGITS:
        return False
    try:
        IBAN("PL" + digits)
    except SchwiftyException:
        return False
    return True


def identifier_of(prefix: str, account: str) -> int | None:
    """The child's number in a virtual `account` under `prefix`, or None if it is not one."""
    try:
        digits, own = _digits(account), check_prefix(prefix)
    except AccountNumberError:
        return None
    if len(digits) != NRB_DIGITS or not digits[2:].startswith(own) or not is_valid_account(digits):
        return None
    return int(digits[2 + len(own) :])


def printed(account: str) -> str:
    """`"61109010140000071219812874"` → `"61 1090 1014 0000 0712 1981 2874"` (as on a form)."""
    digits = _digits(account)
    return " ".join([digits[:2], *(digits[i : i + 4] for i in range(2, len(digits), 4))])
