"""Whose fee settings are in force: the defaults, the gmina's resolution, or the site's own.

The gmina sets its fee resolution once for all its kindergartens (rates, stay rules, meal
prices, each dated); every site applies it from its dates. A kindergarten may still set
an entry of its own: it is in force from its date until the next entry, whoever set it,
and on the very same date the site's own entry wins over the gmina's. So a gmina's new
rate from 1 September replaces a kindergarten's local rate from March, from 1 September.

Each entry keeps where it came from (`Source`), so the site's fee page and `fees show`
can say "uchwała gminy" or "zmiana lokalna", and the city can list the overrides.

Worked example. Defaults: 1,44 zł from 1 IX 2024. The gmina: 1,30 zł from 1 IX 2026. The
kindergarten: 1,20 zł from 1 XI 2026. Then October 2026 is billed at 1,30 (the gmina's),
November at 1,20 (local), and a gmina's 1,35 from 1 I 2027 applies from January.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar

from hub.rules.fees.settings import FeeSettings, HourlyRate, MealPrice, MealSettings, StayRules

Source = Literal["default", "city", "local"]
"""default: what applies until anybody sets anything; city: the gmina's resolution; local:
the kindergarten's own change."""
Entry = HourlyRate | StayRules | MealPrice
EntryKey = tuple[str, date, str]
"""What an entry replaces: a rate or the stay rules by date, a meal's price by date and meal."""


def entry_key(entry: Entry) -> EntryKey:
    if isinstance(entry, HourlyRate):
        return ("rate", entry.valid_from, "")
    if isinstance(entry, StayRules):
        return ("rules", entry.valid_from, "")
    return ("meal", entry.valid_from, entry.meal)


@dataclass(frozen=True)
class FeeEntries:
    """Dated entries from one source (any of them may be empty, unlike `FeeSettings`)."""

    rates: tuple[HourlyRate, ...] = ()
    rules: tuple[StayRules, ...] = ()
    meal_prices: tuple[MealPrice, ...] = ()

    @classmethod
    def of(cls, settings: FeeSettings) -> FeeEntries:
        return cls(settings.rates, settings.rules, settings.meals.prices)

    def all(self) -> tuple[Entry, ...]:
        return (*self.rates, *self.rules, *self.meal_prices)

    def without(self, other: FeeEntries) -> FeeEntries:
        """These entries less those equal to one of `other`'s (a stored default is no change)."""
        known = set(other.all())
        return FeeEntries(
            tuple(e for e in self.rates if e not in known),
            tuple(e for e in self.rules if e not in known),
            tuple(e for e in self.meal_prices if e not in known),
        )

    def dates(self) -> tuple[date, ...]:
        return tuple(sorted({entry.valid_from for entry in self.all()}))

    def on(self, valid_from: date) -> FeeEntries:
        """Only the entries from `valid_from`."""
        return FeeEntries(
            tuple(e for e in self.rates if e.valid_from == valid_from),
            tuple(e for e in self.rules if e.valid_from == valid_from),
            tuple(e for e in self.meal_prices if e.valid_from == valid_from),
        )


@dataclass(frozen=True)
class SourcedFees:
    """The settings in force and, for each of their entries, who set it."""

    settings: FeeSettings
    sources: Mapping[EntryKey, Source] = field(default_factory=dict)

    def source_of(self, entry: Entry) -> Source:
        return self.sources.get(entry_key(entry), "default")


def merge(layers: Sequence[tuple[Source, FeeEntries]], meals: MealSettings | None = None) -> SourcedFees:
    """The settings of `layers` taken in order, a later layer's entry replacing an earlier
    one's with the same key (`entry_key`). `meals` gives the meal rules that are not dated
    (the cut-off and the billing, always the site's own); its prices are replaced.

    The first layer must hold stay rules ("default" layers do), or `FeeSettings` refuses."""
    chosen: dict[EntryKey, tuple[Source, Entry]] = {}
    for source, entries in layers:
        for entry in entries.all():
            chosen[entry_key(entry)] = (source, entry)
    picked = [entry for _source, entry in chosen.values()]
    prices = tuple(_of(picked, MealPrice))
    settings = FeeSettings(
        rates=tuple(_of(picked, HourlyRate)),
        rules=tuple(_of(picked, StayRules)),
        meals=MealSettings(prices, meals.cutoff, meals.cutoff_days_before, meals.billing)
        if meals
        else MealSettings(prices),
    )
    return SourcedFees(settings, {key: source for key, (source, _entry) in chosen.items()})


_E = TypeVar("_E", HourlyRate, StayRules, MealPrice)


def _of(entries: Iterable[Entry], kind: type[_E]) -> list[_E]:
    return [entry for entry in entries if isinstance(entry, kind)]
