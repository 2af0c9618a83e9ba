"""Polish alphabetical order: the one sort key for every list of names the hub shows.

People are listed as the staff know them from a paper register: a ą b c ć d e ę f g h i j k
l ł m n ń o ó p r s ś t u w y z ź ż, so Ćwik follows Czarnecki and Żak follows Źrebiec,
case after letter (a lower-case name before the same name capitalised) and a hyphenated
surname (Łęcka-Żółć) after the same surname alone. Python's own order compares code points
and puts every Polish letter after z.

The order is ICU's Polish collation (CLDR's tailoring), not a table of ours: Python code
sorts with `sort_key`, SQL with `ORDER BY … COLLATE polish` (`compare`, registered on
every connection by `hub.store.db`). Both use one collator, so a list read in SQL and one
sorted in Python agree.

This is a basic module: every layer of the hub may import it, and it imports nothing of ours.
"""

from __future__ import annotations

from functools import lru_cache

import icu

SQL_NAME = "polish"
"""The SQLite collation's name: `ORDER BY c.last_name COLLATE polish`."""


@lru_cache(maxsize=1)
def _collator() -> icu.Collator:
    # Its compare and getSortKey only read it, and PyICU holds the GIL while they run, so
    # one instance serves every thread.
    return icu.Collator.createInstance(icu.Locale("pl_PL"))


def sort_key(*parts: str | None) -> tuple[bytes, ...]:
    """The key that orders texts (a surname, then a first name…) alphabetically in Polish.

    `sorted(children, key=lambda c: sort_key(c["last_name"], c["first_name"]))`; a missing
    part (None) sorts as an empty text, first."""
    collator = _collator()
    return tuple(collator.getSortKey(part or "") for part in parts)


def compare(left: str, right: str) -> int:
    """-1, 0 or 1: `left` before, equal to or after `right` in Polish (SQLite's collation)."""
    return int(_collator().compare(left, right))
