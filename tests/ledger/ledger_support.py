"""Bank files for the tests and the bench: an MT940 statement the way Polish banks write one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date


def mt940(
    credits: Sequence[tuple[date, int, str]],
    *,
    account: str = "PL61109010140000071219812874",
    opening: int = 100_000,
    number: int = 1,
) -> str:
    """One statement: each credit is (day, grosze, the `:86:` details)."""

    def amount(grosze: int) -> str:
        return f"{grosze // 100},{grosze % 100:02d}"

    first = min((day for day, _, _ in credits), default=date(2026, 10, 1))
    last = max((day for day, _, _ in credits), default=first)
    lines = [
        ":20:EWID",
        f":25:{account}",
        f":28C:{number:05d}/001",
        f":60F:C{first:%y%m%d}PLN{amount(opening)}",
    ]
    for i, (day, grosze, details) in enumerate(credits, start=1):
        lines.append(f":61:{day:%y%m%d}{day:%m%d}C{amount(grosze)}NTRFNONREF//R{number}-{i}")
        lines.append(f":86:{details}")
    closing = opening + sum(grosze for _, grosze, _ in credits)
    lines += [f":62F:C{last:%y%m%d}PLN{amount(closing)}", "-"]
    return "\n".join(lines) + "\n"


def details(title: str, sender: str = "JAN KOWALSKI", to_account: str = "") -> str:
    """A ZBP-style `:86:`: the title in ~20–~25, the sender in ~32–~33, the account credited."""
    parts = [title[i : i + 35] for i in range(0, len(title), 35)][:6] or [""]
    fields = "".join(f"~2{i}{part}" for i, part in enumerate(parts))
    to = f"~31{to_account}" if to_account else ""
    return f"152~00PRZELEW{fields}{to}~32{sender[:35]}~38PL27109010140000071219800001"
