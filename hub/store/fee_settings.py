"""The kindergarten's fee and meal settings, kept in the database as one dated document.

`hub.rules.fees.FeeSettings` is the engine's own form; here it is written to and read from the
`settings` table as JSON, every entry with its `valid_from`, so a rate or rule change never
rewrites the months before it. Until anything is set, the engine's defaults apply: the
legal cap (1,44 zł/h from 1 IX 2024), free 08:00–13:00, per full hour, no meals.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlite_utils import Database

from hub.refusal import N_, Refusal
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
from hub.store import audit

KEY = "fees"


def load(db: Database) -> FeeSettings:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY]).fetchone()
    return from_json(json.loads(row[0])) if row else FeeSettings()


def save(db: Database, settings: FeeSettings) -> None:
    with db.atomic():
        db.table("settings").insert(
            {"key": KEY, "value": json.dumps(to_json(settings), ensure_ascii=False)}, replace=True
        )


def set_rate(db: Database, valid_from: date, per_hour: str, basis: str = "", *, author: str) -> FeeSettings:
    current = load(db)
    rates = [rate for rate in current.rates if rate.valid_from != valid_from]
    new = replace(current, rates=(*rates, HourlyRate(valid_from, _money(per_hour), basis)))
    return _store(db, current, new, author)


def set_rules(db: Database, rules: StayRules, *, author: str) -> FeeSettings:
    current = load(db)
    kept = [existing for existing in current.rules if existing.valid_from != rules.valid_from]
    return _store(db, current, replace(current, rules=(*kept, rules)), author)


def set_meal_price(
    db: Database, valid_from: date, meal: str, price: str | None, *, author: str
) -> FeeSettings:
    current = load(db)
    prices = [p for p in current.meals.prices if not (p.valid_from == valid_from and p.meal == meal.strip())]
    new = MealPrice(valid_from, meal.strip(), _money(price) if price is not None else None)
    return _store(db, current, replace(current, meals=replace(current.meals, prices=(*prices, new))), author)


def set_meal_rules(db: Database, *, cutoff: time, days_before: int, billing: str, author: str) -> FeeSettings:
    current = load(db)
    meals = MealSettings(
        prices=current.meals.prices,
        cutoff=cutoff,
        cutoff_days_before=days_before,
        billing=cast(MealBilling, billing),  # checked by MealSettings itself
    )
    return _store(db, current, replace(current, meals=meals), author)


def _store(db: Database, current: FeeSettings, settings: FeeSettings, author: str) -> FeeSettings:
    with db.atomic():
        save(db, settings)
        audit.record(
            db, actor=author, action="settings.fees", entity="settings", entity_id="fees",
            before=to_json(current), after=to_json(settings),
        )  # fmt: skip
    return settings


def _money(text: str) -> Decimal:
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


def to_json(settings: FeeSettings) -> dict[str, Any]:
    return {
        "rates": [
            {"valid_from": r.valid_from.isoformat(), "per_hour": str(r.per_hour), "basis": r.basis}
            for r in settings.rates
        ],
        "rules": [_rules_json(rules) for rules in settings.rules],
        "meals": {
            "prices": [
                {
                    "valid_from": p.valid_from.isoformat(),
                    "meal": p.meal,
                    "price": None if p.price is None else str(p.price),
                }
                for p in settings.meals.prices
            ],
            "cutoff": settings.meals.cutoff.strftime("%H:%M"),
            "cutoff_days_before": settings.meals.cutoff_days_before,
            "billing": settings.meals.billing,
        },
    }


def _rules_json(rules: StayRules) -> dict[str, Any]:
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
