"""The money settings kept in the database: the due day, the bank's prefix for individual
accounts, the small-interest threshold, and the dated interest rates for arrears."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.rules.ledger import DEFAULT_RATES, DEFAULT_THRESHOLD, InterestRate
from hub.rules.ledger.account import AccountNumberError, check_prefix
from hub.store import audit

MAX_THRESHOLD = 10_000
"""Grosze: ten times the legal threshold is still a threshold; more would mean no interest
ever, a typo rather than a choice."""
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}\Z")
DEFAULTS = {"due_day": "15", "account_prefix": "", "interest_threshold": str(DEFAULT_THRESHOLD)}


@dataclass(frozen=True)
class MoneySettings:
    due_day: int
    """The day of the month after the billed one by which a month is paid (the gmina's uchwała)."""
    account_prefix: str
    """The bank's prefix for virtual accounts (routing number and the bank's digits); "" unset."""
    interest_threshold: int
    """Grosze: interest up to this is not charged (art. 54 § 1 pkt 5 Ordynacji podatkowej)."""
    rates: tuple[InterestRate, ...]


def load(db: Database) -> MoneySettings:
    stored = dict(db.execute("SELECT key, value FROM money_settings").fetchall())
    values = {**DEFAULTS, **stored}
    rates = {r.valid_from: r for r in DEFAULT_RATES}
    for valid_from, basis_points in db.execute("SELECT valid_from, basis_points FROM interest_rates"):
        rates[date.fromisoformat(valid_from)] = InterestRate(date.fromisoformat(valid_from), basis_points)
    return MoneySettings(
        due_day=int(values["due_day"]),
        account_prefix=values["account_prefix"],
        interest_threshold=int(values["interest_threshold"]),
        rates=tuple(sorted(rates.values(), key=lambda r: r.valid_from)),
    )


def set_values(db: Database, values: dict[str, str], *, author: str) -> MoneySettings:
    """Change money settings, each checked: a due day 1–28, a prefix the bank could give, a
    threshold in grosze."""
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise Refusal("money.setting_unknown", N_("There is no money setting %(name)s."), name=unknown[0])
    cleaned = {key: value.strip() for key, value in values.items()}
    if "due_day" in cleaned:
        due_day = _whole_number(cleaned["due_day"])
        if due_day is None or not 1 <= due_day <= 28:
            raise Refusal("money.due_day", N_("The due day must be a day from 1 to 28, not %(value)s."),
                          value=_shown(cleaned["due_day"]))  # fmt: skip
        cleaned["due_day"] = str(due_day)
    if cleaned.get("account_prefix"):
        try:
            cleaned["account_prefix"] = check_prefix(cleaned["account_prefix"])
        except AccountNumberError:
            raise Refusal("money.account_prefix",
                          N_("The bank's prefix %(value)s is not 8 to 20 digits."),
                          value=_shown(cleaned["account_prefix"])) from None  # fmt: skip
    if "interest_threshold" in cleaned:
        threshold = _whole_number(cleaned["interest_threshold"])
        if threshold is None or threshold > MAX_THRESHOLD:
            raise Refusal("money.threshold",
                          N_("The interest threshold is whole grosze from 0 to %(limit)s, not %(value)s."),
                          limit=MAX_THRESHOLD, value=_shown(cleaned["interest_threshold"]))  # fmt: skip
        cleaned["interest_threshold"] = str(threshold)
    before = load(db)
    with db.atomic():
        db.table("money_settings").insert_all(
            [{"key": key, "value": value} for key, value in cleaned.items()], replace=True
        )
        audit.record(
            db, actor=author, action="settings.money", entity="settings", entity_id="money",
            before={k: str(getattr(before, k)) for k in DEFAULTS}, after=cleaned,
        )  # fmt: skip
    return load(db)


def set_rate(db: Database, valid_from: date, basis_points: int, basis: str, *, author: str) -> None:
    """Add (or correct) the interest rate for arrears in force from `valid_from`."""
    rate = InterestRate(valid_from, basis_points)
    with db.atomic():
        db.table("interest_rates").insert(
            {"valid_from": valid_from.isoformat(), "basis_points": rate.basis_points, "basis": basis},
            replace=True,
        )
        audit.record(
            db, actor=author, action="interest_rate.set", entity="interest_rate",
            entity_id=valid_from.isoformat(), after={"basis_points": basis_points, "basis": basis},
        )  # fmt: skip


def _whole_number(text: str) -> int | None:
    """ASCII digits only: `str.isdigit` also takes "²" and other scripts' digits, which the
    form never shows and `int` may not read back."""
    return int(text) if _WHOLE_NUMBER.match(text) else None


def _shown(value: str) -> str:
    """A refused value as the refusal shows it: a pasted megabyte is cut."""
    return value if len(value) <= 40 else value[:40] + "…"
