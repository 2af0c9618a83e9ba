"""The kindergarten's own settings kept in the database: opening hours, debounce, closed days.

The hub's start-up settings (database, broker, time zone) live in `config.py`; these are
the ones the director changes while the hub runs, so they are stored with the data.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import N_, Refusal
from hub.rules.attendance import Settings as RuleSettings
from hub.store import audit

DEFAULTS = {"opening": "06:30", "closing": "17:00", "debounce_s": "60", "missing_from": "09:00"}
"""`missing_from`: from this hour a child expected today who has not come is listed as
missing on the presence board and the group's grid (`hub.rules.attendance.door`)."""


def get_all(db: Database) -> dict[str, str]:
    stored = {key: value for key, value in db.execute("SELECT key, value FROM settings")}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def set_value(db: Database, key: str, value: str, *, author: str) -> None:
    set_values(db, {key: value}, author=author)


def set_values(db: Database, values: dict[str, str], *, author: str) -> None:
    """Change several settings at once: opening and closing moved together are checked
    together (moving the opening past the old closing alone would be refused)."""
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise Refusal(
            "setting.unknown",
            N_("There is no setting “%(name)s”; there are: %(known)s."),
            name=unknown[0],
            known=", ".join(DEFAULTS),
        )
    cleaned = {key: value.strip() for key, value in values.items()}
    before = get_all(db)
    rule_settings({**before, **cleaned}, "UTC", frozenset())  # refuse what the rules would refuse
    _clock({**before, **cleaned}["missing_from"])
    with db.atomic():
        db.table("settings").insert_all(
            [{"key": key, "value": value} for key, value in cleaned.items()], replace=True
        )
        audit.record(
            db, actor=author, action="settings.site", entity="settings", entity_id="site",
            before=before, after=get_all(db),
        )  # fmt: skip


def add_closed_day(db: Database, day: date, reason: str, *, author: str) -> None:
    if not reason.strip():
        raise Refusal("closed_day.no_reason", N_("Say why the kindergarten is closed that day."))
    with db.atomic():
        db.table("closed_days").insert({"day": day.isoformat(), "reason": reason.strip()}, replace=True)
        audit.record(
            db, actor=author, action="closed_day.add", entity="closed_day", entity_id=day.isoformat(),
            after={"reason": reason.strip()},
        )  # fmt: skip


def remove_closed_day(db: Database, day: date, *, author: str) -> None:
    with db.atomic():
        removed = db.execute("SELECT reason FROM closed_days WHERE day = ?", [day.isoformat()]).fetchone()
        db.execute("DELETE FROM closed_days WHERE day = ?", [day.isoformat()])
        if removed:
            audit.record(
                db, actor=author, action="closed_day.remove", entity="closed_day", entity_id=day.isoformat(),
                before={"reason": removed[0]},
            )  # fmt: skip


def missing_from(db: Database) -> time:
    """The hour from which a child not yet come counts as missing."""
    return _clock(get_all(db)["missing_from"])


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise Refusal(
            "settings.invalid", N_("The settings are not valid: %(detail)s."), detail=str(exc)
        ) from exc


def closed_days(db: Database) -> list[dict[str, Any]]:
    return list(db["closed_days"].rows_where(order_by="day"))


def rules_for(db: Database, settings: Settings) -> RuleSettings:
    """The attendance rules' settings: the stored ones plus the hub's time zone."""
    days = frozenset(date.fromisoformat(row["day"]) for row in closed_days(db))
    return rule_settings(get_all(db), settings.timezone, days)


def rule_settings(values: dict[str, str], timezone: str, days: frozenset[date]) -> RuleSettings:
    try:
        return RuleSettings(
            time_zone=timezone,
            debounce_s=int(values["debounce_s"]),
            opening=time.fromisoformat(values["opening"]),
            closing=time.fromisoformat(values["closing"]),
            closed_days=days,
        )
    except ValueError as exc:
        raise Refusal(
            "settings.invalid", N_("The settings are not valid: %(detail)s."), detail=str(exc)
        ) from exc
