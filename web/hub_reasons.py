"""The hub's refusals in the reader's language.

The hub says why it refuses a change in an English sentence with the values in it
(`RegistryError`), the same sentence the command line prints. The sentences a person meets
on the journal's forms are recognised here and given in the request's language; any other
comes through as the hub wrote it. `tests/test_hub_reasons.py` makes the hub refuse each
one, so a reworded sentence in the hub fails there rather than silently going untranslated.
"""

from __future__ import annotations

import re

from hub.refusal import Refusal
from web.i18n import N_, _

QUOTED = r"""['"](?P<value>.*)['"]"""
"""A value as the hub quotes it (Python's repr of a string)."""

REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), reason)
    for pattern, reason in [
        (r"(?P<what>.+) is required", N_("%(what)s: this is required.")),
        (
            r"(?P<what>.+) is longer than (?P<limit>\d+) characters",
            N_("%(what)s: at most %(limit)s characters."),
        ),
        (
            rf"(?P<what>.+) must be a date as YYYY-MM-DD, got {QUOTED}",
            N_("%(what)s: give a date as YYYY-MM-DD."),
        ),
        (rf"there is already a group called {QUOTED}", N_("There is already a group called “%(value)s”.")),
        (rf"there is no group called {QUOTED}", N_("There is no group called “%(value)s”.")),
        (r"the last day is before the first day", N_("The last day is before the first.")),
        (
            r"the date of birth is after the first day in the kindergarten",
            N_("The date of birth is after the first day in the kindergarten."),
        ),
        (rf"{QUOTED} is not an e-mail address", N_("“%(value)s” is not an e-mail address.")),
        (
            rf"a card UID is 8, 14 or 20 hex digits \(4, 7 or 10 bytes\), got {QUOTED}",
            N_("A card's UID has 8, 14 or 20 hexadecimal digits, not “%(value)s”."),
        ),
        (
            r"card (?P<uid>\w+) is already assigned to (?P<child>.+) \(card id \d+\); revoke it first",
            N_("Card %(uid)s is already assigned to %(child)s; revoke it first."),
        ),
        (rf"an amount in złoty, e\.g\. 1,44, got {QUOTED}", N_("Give an amount in złoty, e.g. 1,44.")),
        (
            rf"an amount in złoty and grosze, not negative, got {QUOTED}",
            N_("Give an amount in złoty and grosze, not negative."),
        ),
        (r"(?P<month>\d{4}-\d{2}) is already closed", N_("%(month)s is already closed.")),
        (r"(?P<month>\d{4}-\d{2}) is not over yet", N_("%(month)s is not over yet.")),
        (r"report at most (?P<days>\d+) days at a time", N_("Report at most %(days)s days at a time.")),
    ]
]
FIELDS = {
    "a group's name": N_("Group name"),
    "the first name": N_("First name"),
    "the last name": N_("Last name"),
    "the guardian's name": N_("Name"),
    "the e-mail address": N_("E-mail"),
    "the phone number": N_("Phone"),
    "teachers": N_("Teachers"),
    "notes": N_("Notes"),
    "relation": N_("Relation"),
    "the date of birth": N_("Date of birth"),
    "the first day": N_("First day"),
    "the last day": N_("Last day"),
}
"""The fields the hub names in a refusal, by the labels the forms give them."""


def translated(sentence: object) -> str:
    """The hub's refusal in the request's language: a `Refusal` by its message id, an older
    sentence when it is one of `REASONS`."""
    if isinstance(sentence, Refusal):
        return _(sentence.template) % sentence.params if sentence.params else _(sentence.template)
    text = str(sentence)
    for pattern, reason in REASONS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = found.groupdict()
        if "what" in values:
            label = FIELDS.get(values["what"])
            if label is None:
                return text
            values["what"] = _(label)
        return _(reason) % values
    return text
