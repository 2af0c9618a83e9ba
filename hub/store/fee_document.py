"""Dated fee entries as JSON: the form the site keeps its settings in, and the gmina's fee
resolution as it is written, stored in the city and sent to every site.

A resolution is the site's fee settings form (`fees show --json`) with only the dated
entries: `rates`, `rules` and `meals.prices`. An entry without `valid_from` takes the
resolution's date, and one without a `basis` the resolution's basis (printed on the
parents' statements); the stay rules' fields left out take the engine's defaults. The meal
cut-off and billing are each kindergarten's own, never the resolution's. The document is
read whole or refused whole, naming the part that is wrong: nothing of a bad document is
kept.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.refusal import N_, Refusal
from hub.rules.fees import (
    FeeSettings,
    FirstHours,
    FixedWindow,
    HourlyRate,
    MealPrice,
    MealSettings,
    StayRules,
)
from hub.rules.fees.sources import FeeEntries

RATE_FIELDS = frozenset({"valid_from", "per_hour", "basis"})
RULES_FIELDS = frozenset(
    {"valid_from", "free", "rounding", "rounding_scope", "grace_minutes", "missing_scan",
     "assumed_arrival", "assumed_departure", "age_exemption", "basis"}
)  # fmt: skip
PRICE_FIELDS = frozenset({"valid_from", "meal", "price"})


def money(text: str) -> Decimal:
    """An amount in złoty as a person writes it (`1,44`), in grosze, not negative."""
    try:
        amount = Decimal(text.replace(",", ".").strip())
    except InvalidOperation as exc:
        raise Refusal("amount.invalid", N_("Give an amount in złoty, e.g. 1,44."), value=text) from exc
    if amount != amount.quantize(Decimal("0.01")) or amount < 0:
        raise Refusal(
            "amount.not_in_grosze",
            N_("Give an amount in złoty and grosze, not negative."),
            value=text,
        )
    return amount


def rate_json(rate: HourlyRate) -> dict[str, Any]:
    return {"valid_from": rate.valid_from.isoformat(), "per_hour": str(rate.per_hour), "basis": rate.basis}


def rules_json(rules: StayRules) -> dict[str, Any]:
    free = rules.free_period
    return {
        "valid_from": rules.valid_from.isoformat(),
        "free": {"window": [free.start.strftime("%H:%M"), free.end.strftime("%H:%M")]}
        if isinstance(free, FixedWindow)
        else {"first_hours": free.hours},
        "rounding": rules.rounding,
        "rounding_scope": rules.rounding_scope,
        "grace_minutes": rules.grace_minutes,
        "missing_scan": rules.missing_scan,
        "assumed_arrival": rules.assumed_arrival.strftime("%H:%M") if rules.assumed_arrival else None,
        "assumed_departure": rules.assumed_departure.strftime("%H:%M") if rules.assumed_departure else None,
        "age_exemption": rules.age_exemption,
        "basis": rules.basis,
    }


def price_json(price: MealPrice) -> dict[str, Any]:
    return {
        "valid_from": price.valid_from.isoformat(),
        "meal": price.meal,
        "price": None if price.price is None else str(price.price),
    }


def entries_json(entries: FeeEntries) -> dict[str, Any]:
    """The entries in the resolution's form, every field written out."""
    return {
        "rates": [rate_json(rate) for rate in entries.rates],
        "rules": [rules_json(rules) for rules in entries.rules],
        "meals": {"prices": [price_json(price) for price in entries.meal_prices]},
    }


def resolution_entries(document: object, valid_from: date, basis: str = "") -> FeeEntries:
    """The entries of a resolution in force from `valid_from`, checked as the engine checks
    a site's own settings; anything wrong refuses the whole document."""
    if not isinstance(document, dict):
        raise _invalid("document", "a JSON object with rates, rules and meals is expected")
    extra = set(document) - {"rates", "rules", "meals"}
    if extra:
        raise _invalid("document", f"unknown parts {sorted(extra)}")
    meals = document.get("meals", {})
    if not isinstance(meals, dict):
        raise _invalid("meals", "an object with prices is expected")
    if set(meals) - {"prices"}:
        raise Refusal(
            "fees.resolution_meal_rules",
            N_("The meal cut-off and billing are each kindergarten's own: leave them out of the resolution."),
        )
    rates = tuple(_rate(item, valid_from, basis) for item in _items(document, "rates"))
    rules = tuple(_rules(item, valid_from, basis) for item in _items(document, "rules"))
    prices = tuple(_price(item, valid_from) for item in _items(meals, "prices"))
    entries = FeeEntries(rates, rules, prices)
    if not entries.all():
        raise Refusal("fees.resolution_empty", N_("The resolution sets no rate, stay rules or meal price."))
    early = [entry.valid_from for entry in entries.all() if entry.valid_from < valid_from]
    if early:
        raise Refusal(
            "fees.resolution_entry_early",
            N_("An entry from %(entry)s is before the resolution's date %(date)s."),
            entry=min(early).isoformat(),
            date=valid_from.isoformat(),
        )
    try:  # the same date twice, or a meal's price twice on one day
        FeeSettings(rates=rates or FeeSettings().rates, rules=rules or FeeSettings().rules)
        MealSettings(prices=prices)
    except ValueError as exc:
        raise _invalid("document", str(exc)) from exc
    return entries


def _items(document: dict[str, Any], part: str) -> list[dict[str, Any]]:
    items = document.get(part, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _invalid(part, "a list of objects is expected")
    return items


def _checked(part: str, item: dict[str, Any], fields: frozenset[str], build: Any) -> Any:
    extra = set(item) - fields
    if extra:
        raise _invalid(part, f"unknown fields {sorted(extra)}")
    try:
        return build()
    except Refusal:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _invalid(part, f"{type(exc).__name__}: {exc}") from exc


def _day(item: dict[str, Any], valid_from: date) -> date:
    return date.fromisoformat(item["valid_from"]) if "valid_from" in item else valid_from


def _rate(item: dict[str, Any], valid_from: date, basis: str) -> HourlyRate:
    def build() -> HourlyRate:
        per_hour = money(str(item["per_hour"]))
        return HourlyRate(_day(item, valid_from), per_hour, str(item.get("basis") or basis))

    return _checked("rates", item, RATE_FIELDS, build)


def _price(item: dict[str, Any], valid_from: date) -> MealPrice:
    def build() -> MealPrice:
        price = item["price"]
        amount = None if price is None else money(str(price))
        return MealPrice(_day(item, valid_from), str(item["meal"]).strip(), amount)

    return _checked("meals.prices", item, PRICE_FIELDS, build)


def _rules(item: dict[str, Any], valid_from: date, basis: str) -> StayRules:
    def clock(text: str | None) -> time | None:
        return time.fromisoformat(text) if text else None

    def build() -> StayRules:
        default = StayRules()
        free = item.get("free")
        if free is None:
            period = default.free_period
        elif set(free) == {"window"}:
            period = FixedWindow(time.fromisoformat(free["window"][0]), time.fromisoformat(free["window"][1]))
        elif set(free) == {"first_hours"}:
            period = FirstHours(free["first_hours"])
        else:
            raise ValueError("free is {'window': [HH:MM, HH:MM]} or {'first_hours': N}")
        if not isinstance(item.get("age_exemption", True), bool):
            raise ValueError("age_exemption is true or false")
        return StayRules(
            valid_from=_day(item, valid_from),
            free_period=period,
            rounding=item.get("rounding", default.rounding),
            rounding_scope=item.get("rounding_scope", default.rounding_scope),
            grace_minutes=item.get("grace_minutes", default.grace_minutes),
            missing_scan=item.get("missing_scan", default.missing_scan),
            assumed_arrival=clock(item.get("assumed_arrival")),
            assumed_departure=clock(item.get("assumed_departure")),
            age_exemption=item.get("age_exemption", default.age_exemption),
            basis=str(item.get("basis") or basis),
        )

    return _checked("rules", item, RULES_FIELDS, build)


def _invalid(part: str, reason: str) -> Refusal:
    return Refusal(
        "fees.resolution_invalid",
        N_("The resolution's %(part)s is not valid (%(reason)s); nothing of it was kept."),
        part=part,
        reason=reason,
    )
