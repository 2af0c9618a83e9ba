"""Money: złoty amounts as `Decimal` with two places, and the one rounding rule.

Inside the engine amounts are whole grosze (`int`) so sums are exact; the public API shows
`Decimal` złoty with two places (`Decimal("18.12")`). Never a float.

A stay fee is `rate × minutes / 60`. With the rate in grosze that is the integer
`rate_grosz × minutes` sixtieths of a grosz, rounded half up to whole grosze: exactly what
`Decimal.quantize(Decimal("0.01"), ROUND_HALF_UP)` gives on the exact value, without a
repeating decimal in between.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

GROSZ = Decimal("0.01")
ZERO = Decimal("0.00")


def to_grosz(amount: Decimal, what: str = "amount") -> int:
    """`Decimal("1.44")` → 144. Refuses floats and amounts finer than a grosz."""
    if not isinstance(amount, Decimal):
        raise ValueError(f"{what} must be a Decimal (never a float), got {type(amount).__name__} {amount!r}")
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite amount, got {amount}")
    grosz = amount * 100
    if grosz != grosz.to_integral_value():
        raise ValueError(f"{what} {amount} has fractions of a grosz; give it to two decimal places")
    return int(grosz)


def from_grosz(grosz: int) -> Decimal:
    """144 → `Decimal("1.44")`."""
    return (Decimal(grosz) / 100).quantize(GROSZ)


def round_half_up_div(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded half up (away from zero on a tie), exactly."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return sign * quotient


def stay_fee_grosz(rate_grosz: int, minutes: int) -> int:
    """The fee in grosze for `minutes` at `rate_grosz` per hour, rounded half up once."""
    return round_half_up_div(rate_grosz * minutes, 60)


def quantize(amount: Decimal) -> Decimal:
    """Any Decimal to whole grosze, half up."""
    return amount.quantize(GROSZ, rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, locale: str = "pl") -> str:
    """`Decimal("1234.5")` → `"1 234,50"` in Polish (a no-break space between thousands,
    decimal comma), `"1,234.50"` in English: Babel's number format for the language, on
    the amount rounded half up to whole grosze first, because Babel alone rounds half to
    even (0,125 would show as 0,12)."""
    return format_decimal(quantize(amount), "#,##0.00", locale=locale)


def format_pln(amount: Decimal, locale: str = "pl") -> str:
    """`Decimal("1234.5")` → `"1 234,50 zł"`: `format_amount` and the złoty sign after a
    no-break space (so a line never breaks between them), the same sign in every language."""
    return f"{format_amount(amount, locale)}\u00a0zł"


def format_minutes(minutes: int) -> str:
    """125 → `"2 h 05 min"`; 0 → `"0 h 00 min"`."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02d} min"
