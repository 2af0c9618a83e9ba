"""The kindergarten's fee and meal settings, kept in the database as one dated document.

`hub.rules.fees.FeeSettings` is the engine's own form; here it is written to and read from the
`settings` table as JSON, every entry with its `valid_from`, so a rate or rule change never
rewrites the months before it. Until anything is set, the engine's defaults apply: the
legal cap (1,44 zł/h from 1 IX 2024), free 08:00–13:00, per full hour, no meals.

What billing applies (`load`) is the gmina's fee resolution as the site received it
(`hub.store.city_fees`) with the kindergarten's own entries over it, each from its date
(`hub.rules.fees.sources`); the kindergarten's changes (`set_*`) write only its own entries.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from typing import Any, cast

from sqlite_utils import Database

from hub.rules.fees import (
    FeeSettings,
    FirstHours,
    FixedWindow,
    HourlyRate,
    MealBilling,
    MealPrice,
    MealSettings,
    StayRules,
)
from hub.rules.fees.sources import FeeEntries, Source, SourcedFees, merge
from hub.store import audit, city_fees
from hub.store.fee_document import money, price_json, rate_json, rules_json

KEY = "fees"
DEFAULTS = FeeEntries.of(FeeSettings())


def load(db: Database) -> FeeSettings:
    """The settings billing applies: the gmina's resolution with the site's own changes."""
    return load_sourced(db).settings


def load_sourced(db: Database) -> SourcedFees:
    """`load`, with who set each entry (`hub.rules.fees.sources`)."""
    local = load_local(db)
    layers: list[tuple[Source, FeeEntries]] = [("default", DEFAULTS)]
    layers += [("city", entries) for entries in city_fees.resolutions(db)]
    layers.append(("local", FeeEntries.of(local).without(DEFAULTS)))
    return merge(layers, local.meals)


def load_local(db: Database) -> FeeSettings:
    """What the kindergarten itself set (the defaults until it sets anything)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY]).fetchone()
    return from_json(json.loads(row[0])) if row else FeeSettings()


def local_changes(db: Database) -> FeeEntries:
    """The entries the kindergarten set itself, other than the defaults."""
    return FeeEntries.of(load_local(db)).without(DEFAULTS)


def save(db: Database, settings: FeeSettings) -> None:
    with db.atomic():
        db.table("settings").insert(
            {"key": KEY, "value": json.dumps(to_json(settings), ensure_ascii=False)}, replace=True
        )


def set_rate(db: Database, valid_from: date, per_hour: str, basis: str = "", *, author: str) -> FeeSettings:
    current = load_local(db)
    rates = [rate for rate in current.rates if rate.valid_from != valid_from]
    new = replace(current, rates=(*rates, HourlyRate(valid_from, money(per_hour), basis)))
    return _store(db, current, new, author)


def set_rules(db: Database, rules: StayRules, *, author: str) -> FeeSettings:
    current = load_local(db)
    kept = [existing for existing in current.rules if existing.valid_from != rules.valid_from]
    return _store(db, current, replace(current, rules=(*kept, rules)), author)


def set_meal_price(
    db: Database, valid_from: date, meal: str, price: str | None, *, author: str
) -> FeeSettings:
    current = load_local(db)
    prices = [p for p in current.meals.prices if not (p.valid_from == valid_from and p.meal == meal.strip())]
    new = MealPrice(valid_from, meal.strip(), money(price) if price is not None else None)
    return _store(db, current, replace(current, meals=replace(current.meals, prices=(*prices, new))), author)


def set_meal_rules(db: Database, *, cutoff: time, days_before: int, billing: str, author: str) -> FeeSettings:
    current = load_local(db)
    meals = MealSettings(
        prices=current.meals.prices,
        cutoff=cutoff,
        cutoff_days_before=days_before,
        billing=cast(MealBilling, billing),  # checked by MealSettings itself
    )
    return _store(db, current, replace(current, meals=meals), author)


def _store(db: Database, current: FeeSettings, settings: FeeSettings, author: str) -> FeeSettings:
    """Save the kindergarten's own settings, audited; returns what is in force now (`load`)."""
    with db.atomic():
        save(db, settings)
        audit.record(
            db, actor=author, action="settings.fees", entity="settings", entity_id="fees",
            before=to_json(current), after=to_json(settings),
        )  # fmt: skip
    return load(db)


def to_json(settings: FeeSettings) -> dict[str, Any]:
    return {
        "rates": [rate_json(rate) for rate in settings.rates],
        "rules": [rules_json(rules) for rules in settings.rules],
        "meals": {
            "prices": [price_json(price) for price in settings.meals.prices],
            "cutoff": settings.meals.cutoff.strftime("%H:%M"),
            "cutoff_days_before": settings.meals.cutoff_days_before,
            "billing": settings.meals.billing,
        },
    }


def from_json(data: dict[str, Any]) -> FeeSettings:
    def clock(text: str | None) -> time | None:
        return time.fromisoformat(text) if text else None

    def rules(item: dict[str, Any]) -> StayRules:
        free = item["free"]
        period = (
            FixedWindow(time.fromisoformat(free["window"][0]), time.fromisoformat(free["window"][1]))
            if "window" in free
            else FirstHours(free["first_hours"])
        )
        return StayRules(
            valid_from=date.fromisoformat(item["valid_from"]),
            free_period=period,
            rounding=item["rounding"],
            rounding_scope=item["rounding_scope"],
            grace_minutes=item["grace_minutes"],
            missing_scan=item["missing_scan"],
            assumed_arrival=clock(item["assumed_arrival"]),
            assumed_departure=clock(item["assumed_departure"]),
            age_exemption=item["age_exemption"],
            basis=item["basis"],
        )

    meals = data["meals"]
    return FeeSettings(
        rates=tuple(
            HourlyRate(date.fromisoformat(r["valid_from"]), Decimal(r["per_hour"]), r["basis"])
            for r in data["rates"]
        ),
        rules=tuple(rules(item) for item in data["rules"]),
        meals=MealSettings(
            prices=tuple(
                MealPrice(
                    date.fromisoformat(p["valid_from"]),
                    p["meal"],
                    None if p["price"] is None else Decimal(p["price"]),
                )
                for p in meals["prices"]
            ),
            cutoff=time.fromisoformat(meals["cutoff"]),
            cutoff_days_before=meals["cutoff_days_before"],
            billing=meals["billing"],
        ),
    )
