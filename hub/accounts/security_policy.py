"""The kindergarten's security settings: password policy, lockout, idle logout, rate limit.

They are kept with the site's other settings (the `settings` table, see `site_settings.py`),
so the director changes them while the hub runs; until set, the defaults below apply. The
procedures ask for passwords of a set length mixing small and capital letters and a digit,
changed periodically; the rest is ordinary practice for a journal holding children's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.store import audit


@dataclass(frozen=True)
class SecuritySettings:
    password_min_length: int = 10
    password_change_days: int = 30
    """A password older than this must be changed at the next login; 0 never forces it."""
    password_history: int = 5
    """The last N passwords (the current one included) may not be used again."""
    lockout_after: int = 5
    """Wrong passwords in a row from unknown browsers that block an account until the
    administrator unblocks it; on a browser trusted for the account (`hub.accounts.devices`), the
    wrong passwords that lock out that browser alone for a while."""
    idle_minutes: int = 15
    """A session unused this long is ended."""
    login_rate_limit: int = 20
    """Failed logins one address may make in `RATE_WINDOW_MINUTES` before it must wait."""


RATE_WINDOW_MINUTES = 15
LIMITS = {
    "password_min_length": (8, 128),
    "password_change_days": (0, 3650),
    "password_history": (1, 50),
    "lockout_after": (3, 100),
    "idle_minutes": (1, 24 * 60),
    "login_rate_limit": (5, 10_000),
}
"""Each setting's allowed range: a policy weaker than the low end is refused."""
DEFAULTS = {name: str(value) for name, value in asdict(SecuritySettings()).items()}


def load(db: Database) -> SecuritySettings:
    stored = dict(
        db.execute(
            f"SELECT key, value FROM settings WHERE key IN ({', '.join('?' * len(DEFAULTS))})",
            list(DEFAULTS),
        ).fetchall()
    )
    return SecuritySettings(
        **{
            field.name: int(stored.get(field.name, DEFAULTS[field.name]))
            for field in fields(SecuritySettings)
        }
    )


def set_values(db: Database, values: dict[str, str], *, author: str) -> SecuritySettings:
    """Change some settings; each must be a whole number within its range (`LIMITS`)."""
    cleaned = {}
    for key, text in values.items():
        if key not in LIMITS:
            raise Refusal(
                "setting.unknown",
                N_("There is no setting “%(name)s”; there are: %(known)s."),
                name=key,
                known=", ".join(LIMITS),
            )
        low, high = LIMITS[key]
        try:
            number = int(str(text).strip())
        except ValueError as exc:
            raise _out_of_range(key, low, high, text) from exc
        if not low <= number <= high:
            raise _out_of_range(key, low, high, text)
        cleaned[key] = number
    before = asdict(load(db))
    with db.atomic():
        db.table("settings").insert_all(
            [{"key": key, "value": str(value)} for key, value in cleaned.items()], replace=True
        )
        after = asdict(load(db))
        audit.record(
            db, actor=author, action="settings.security", entity="settings", entity_id="security",
            before=before, after=after,
        )  # fmt: skip
    return load(db)


def _out_of_range(key: str, low: int, high: int, text: object) -> Refusal:
    return Refusal(
        "setting.out_of_range",
        N_("%(name)s must be a whole number from %(low)s to %(high)s, not “%(value)s”."),
        name=key,
        low=low,
        high=high,
        value=text,
    )
