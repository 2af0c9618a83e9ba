"""Bank statements as transfers: MT940 (through the `mt-940` parser) and CSV exports read by
a column profile. A file is all or nothing: the first thing wrong refuses it, with its line
and the reason, before anything is stored.

`mt-940` is lenient (a mistyped amount such as `18X,50` becomes 18,00 zł), so each field is
checked here first: every line belongs to a known field, each `:61:` line has a real date,
a credit/debit mark and an amount, and every statement's opening balance plus its lines
equals its closing balance. Only credits are transfers to match; debits are counted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import mt940

from hub.rules.fees.money import to_grosz


class BankFileError(ValueError):
    """The file is refused: `line` (1-based, 0 for the file as a whole) and why."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True)
class Transfer:
    """One credit on the kindergarten's account, as the bank reported it."""

    line: int
    booked_on: date
    amount: int
    """Grosze, > 0."""
    account: str
    """Every account number in the record, space-separated (the credited virtual one among them)."""
    counterparty: str
    title: str
    reference: str


@dataclass(frozen=True)
class BankFile:
    transfers: tuple[Transfer, ...]
    debits: int
    """Lines that took money out (not payments; left to the budget accounting)."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1250, as Polish banks export."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1250")


# --- MT940 -------------------------------------------------------------------------------

_TAG = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):")
_KNOWN = {"13D", "20", "21", "25", "28", "28C", "34F", "60F", "60M", "61", "62F", "62M", "64", "65", "86",
          "90C", "90D", "NS"}  # fmt: skip
_CONTINUED = {"61", "86", "NS"}
_LINE_61 = re.compile(
    r"^(?P<date>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])[A-Z]?(?P<amount>\d{1,12},\d{0,2})[A-Z]"
)
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>\d{1,12},\d{0,2})$")
_ACCOUNT = re.compile(r"(?<!\d)(?:PL)?(\d{26})(?!\d)")
_SUBFIELD = re.compile(r"[~^<?](\d{2})")


def _amount(text: str) -> int:
    return to_grosz(Decimal(text.replace(",", ".")).quantize(Decimal("0.01")))


def _yymmdd(text: str, line: int) -> date:
    try:
        return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise BankFileError(line, f"{text} is not a date (YYMMDD)") from None


MAX_AMOUNT = 100_000_000
"""Grosze (1 000 000 zł): no fee is near it, and a larger figure, a typo or a forged file,
could overflow the database's integers in sums."""


def read_mt940(text: str) -> BankFile:
    """Check every field, then let `mt-940` read the statement; refuse with a line and why."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tag = None
    entry_lines: list[int] = []
    opening: int | None = None
    running = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        found = _TAG.match(line)
        if found is None:
            if not line or line == "-" or line.startswith("{") or (tag in _CONTINUED):
                continue
            raise BankFileError(number, f"text outside any MT940 field: {line[:40]!r}")
        tag = found["tag"]
        if tag not in _KNOWN:
            raise BankFileError(number, f"unknown MT940 field :{tag}:")
        value = line[found.end() :]
        if tag in ("60F", "60M", "62F", "62M"):
            balance = _BALANCE.match(value)
            if balance is None:
                raise BankFileError(
                    number, f"a balance must read C/D, YYMMDD, currency, amount; got {value!r}"
                )
            _yymmdd(balance["date"], number)
            if balance["currency"] != "PLN":
                raise BankFileError(
                    number, f"the statement is in {balance['currency']}; fees are paid in PLN"
                )
            amount = _amount(balance["amount"]) * (1 if balance["mark"] == "C" else -1)
            if tag.startswith("60"):
                opening, running = amount, amount
            elif opening is None:
                raise BankFileError(number, "a closing balance without an opening balance")
            elif amount != running:
                raise BankFileError(
                    number,
                    f"the closing balance {amount / 100:.2f} is not the opening balance plus the "
                    f"transactions ({running / 100:.2f})",
                )
            else:
                opening = None
        elif tag == "61":
            entry = _LINE_61.match(value)
            if entry is None:
                raise BankFileError(
                    number, f"a :61: line must read YYMMDD[MMDD], C/D, amount, type; got {value!r}"
                )
            _yymmdd(entry["date"], number)
            if opening is None:
                raise BankFileError(
                    number, "a transaction outside a statement (no opening balance before it)"
                )
            running += _amount(entry["amount"]) * (1 if entry["mark"] in ("C", "RD") else -1)
            entry_lines.append(number)
    if opening is not None:
        raise BankFileError(len(lines), "the statement has no closing balance (is the file cut short?)")
    if not entry_lines and not any(_TAG.match(line.strip()) for line in lines):
        raise BankFileError(0, "this is not an MT940 statement (no fields)")
    parsed = list(mt940.parse(text))
    if len(parsed) != len(entry_lines):
        raise BankFileError(
            0, f"the parser found {len(parsed)} transactions, the file has {len(entry_lines)}"
        )
    transfers, debits = [], 0
    for number, item in zip(entry_lines, parsed, strict=True):
        amount = _within_limit(to_grosz(Decimal(item.data["amount"].amount)), number)
        if amount <= 0:
            debits += 1
            continue
        details = str(item.data.get("transaction_details") or "")
        fields = _subfields(details)
        title = "".join(fields.get(code, "") for code in ("20", "21", "22", "23", "24", "25")) or details
        counterparty = " ".join(fields[code] for code in ("27", "28", "29", "32", "33") if fields.get(code))
        values = fields.values() if fields else [details]
        accounts = " ".join(dict.fromkeys(a for v in values for a in _ACCOUNT.findall(v.replace(" ", ""))))
        reference = str(item.data.get("bank_reference") or item.data.get("customer_reference") or "")
        day = item.data["date"]
        transfers.append(
            Transfer(number, date(day.year, day.month, day.day), amount, accounts, counterparty.strip(),
                     " ".join(title.split()), reference)
        )  # fmt: skip
    return BankFile(tuple(transfers), debits)


def _subfields(details: str) -> dict[str, str]:
    """`020~00PRZELEW~20Opłata~32JAN KOWALSKI` → {"00": "PRZELEW", "20": "Opłata", "32": "JAN KOWALSKI"}
    (the Polish banks' `:86:` with `~`, `^`, `<` or `?` before each two-digit code)."""
    found: dict[str, str] = {}
    marks = list(_SUBFIELD.finditer(details))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(details)
        found[mark[1]] = found.get(mark[1], "") + details[mark.end() : end]
    return found


# --- CSV ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvProfile:
    """Which columns (by header) of a bank's CSV export hold what. Banks differ; a site keeps
    its bank's profile as a TOML file (`ewidencjoner payments import --profile FILE`)."""

    date_column: str
    amount_column: str
    title_column: str
    counterparty_column: str = ""
    account_column: str = ""
    reference_column: str = ""
    date_format: str = "%Y-%m-%d"
    delimiter: str = ";"
    decimal_comma: bool = True
    skip_lines: int = 0
    """Lines before the header (some banks print the account and period first)."""


GENERIC = CsvProfile(
    date_column="Data operacji",
    amount_column="Kwota",
    title_column="Tytuł",
    counterparty_column="Nadawca",
    account_column="Rachunek",
    reference_column="Identyfikator",
)
"""Our own plain layout, used when no profile is given."""


def read_csv(text: str, profile: CsvProfile = GENERIC) -> BankFile:
    lines = text.splitlines()
    header_line = profile.skip_lines + 1
    reader = csv.reader(io.StringIO("\n".join(lines[profile.skip_lines :])), delimiter=profile.delimiter)
    rows = _csv_rows(reader, profile.skip_lines)
    try:
        header = [column.strip() for column in next(rows)]
    except StopIteration:
        raise BankFileError(0, "the file is empty") from None
    wanted = [c for c in (profile.date_column, profile.amount_column, profile.title_column) if c]
    wanted += [
        c for c in (profile.counterparty_column, profile.account_column, profile.reference_column) if c
    ]
    missing = [column for column in wanted if column not in header]
    if missing:
        raise BankFileError(header_line, f"no column {missing[0]!r} in the header")
    where = {column: header.index(column) for column in wanted}

    def cell(row: Sequence[str], column: str) -> str:
        return row[where[column]].strip() if column else ""

    transfers, debits = [], 0
    for offset, row in enumerate(rows, start=1):
        number = header_line + offset
        if not any(field.strip() for field in row):
            continue
        if len(row) < len(header):
            raise BankFileError(number, f"{len(row)} columns, the header has {len(header)}")
        try:
            day = datetime.strptime(cell(row, profile.date_column), profile.date_format).date()
        except ValueError:
            raise BankFileError(number, f"{cell(row, profile.date_column)[:40]!r} is not a date "
                                        f"({profile.date_format})") from None  # fmt: skip
        amount = _csv_amount(cell(row, profile.amount_column), profile.decimal_comma, number)
        if amount <= 0:
            debits += 1
            continue
        accounts = " ".join(_ACCOUNT.findall(cell(row, profile.account_column).replace(" ", "")))
        transfers.append(
            Transfer(number, day, amount, accounts, cell(row, profile.counterparty_column),
                     " ".join(cell(row, profile.title_column).split()), cell(row, profile.reference_column))
        )  # fmt: skip
    return BankFile(tuple(transfers), debits)


def _csv_rows(reader: Any, skipped: int) -> Iterator[list[str]]:
    """The reader's rows; a row the csv module cannot read (a field over its limit of
    128 KiB, a stray NUL) is the file's error at that line, not a crash."""
    try:
        yield from reader
    except csv.Error as exc:
        raise BankFileError(skipped + reader.line_num, f"not a CSV row ({exc})") from None


_COMMA_AMOUNT = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$")
_DOT_AMOUNT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def _csv_amount(text: str, decimal_comma: bool, line: int) -> int:
    """`1 200,50` → 120050. The separators must be the profile's: with a decimal comma a dot
    may only group thousands, so `12.50` is refused rather than read as 1 250,00 zł."""
    plain = text.replace("\u00a0", "").replace(" ", "")
    pattern, thousands, decimal = (_COMMA_AMOUNT, ".", ",") if decimal_comma else (_DOT_AMOUNT, ",", ".")
    if not pattern.match(plain):
        if not re.match(r"^[+-]?[\d.,]+$", plain):
            raise BankFileError(line, f"{text[:40]!r} is not an amount")
        separator = "a decimal comma" if decimal_comma else "a decimal point"
        raise BankFileError(line, f"{text[:40]!r} is not an amount with {separator} (as the profile says)")
    try:
        amount = to_grosz(Decimal(plain.replace(thousands, "").replace(decimal, ".")))
    except (InvalidOperation, ValueError):
        raise BankFileError(line, f"{text[:40]!r} is not an amount") from None
    return _within_limit(amount, line)


def _within_limit(amount: int, line: int) -> int:
    if abs(amount) > MAX_AMOUNT:
        raise BankFileError(line, f"{amount / 100:.2f} is more than any transfer of fees could be")
    return amount


def folded(text: str) -> str:
    """Lower case without diacritics (`Łucja Żak` → `lucja zak`): titles are often typed so."""
    text = text.casefold().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
