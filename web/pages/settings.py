"""`/settings` (the director's): opening hours, debounce, closed days, fees and meals;
`/months`: closing a month (the director or the accountant).

Each section is its own form posting to its own address; a refused form renders the whole
page again with that section's values and reason. Fee settings are dated: a new rate or
rule applies from its day on and never rewrites the months before (`hub.fee_store`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts import security_policy
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.fees import FeeSettings, FirstHours, FixedWindow, StayRules
from hub.rules.fees.caps import LEGAL_CAPS, check_rates
from hub.services import months
from hub.store import fee_settings, site_settings
from web.auth import actor, allowed, require_all
from web.deps import Db, SiteSettings, Templates, today
from web.forms import FormError, FormFields, clock, month, required_date, required_text, whole_number
from web.i18n import N_, _
from web.templating import Flash

LEGAL_FREE_MINUTES = 5 * 60
"""The free time the law guarantees each day (ufzo art. 52 ust. 1)."""
ROUNDING_NAMES = {
    "full_hour": N_("per full hour"),
    "started_hour": N_("per started hour"),
    "minute": N_("per minute"),
}
SCOPE_NAMES = {"day": N_("the day's paid time at once"), "segment": N_("each stretch of paid time")}
MISSING_SCAN_NAMES = {
    "flag_only": N_("flagged for a teacher, not billed"),
    "assume_closing": N_("a missing departure counts until closing"),
    "assume_opening_closing": N_("counts from opening and until closing"),
}
BILLING_NAMES = {
    "in_advance": N_("in advance, absences refunded the next month"),
    "in_arrears": N_("afterwards, only meals not cancelled"),
}
SOURCE_NAMES = {
    "city": N_("municipal resolution"),
    "local": N_("local change"),
    "default": N_("default"),
}
"""Who set a fee entry (`hub.rules.fees.sources`): the gmina's uchwała or the kindergarten."""
SECURITY_LABELS = {
    "password_min_length": N_("Shortest password (characters)"),
    "password_change_days": N_("Password must be changed every (days; 0: never)"),
    "password_history": N_("Earlier passwords that cannot be used again"),
    "lockout_after": N_("Wrong passwords in a row that block an account"),
    "idle_minutes": N_("A session unused this long ends (minutes)"),
    "login_rate_limit": N_("Failed logins from one address before it must wait"),
}
"""The password policy and session settings of `hub.security_settings`, as the form names them."""
SAVED = {
    "hours": N_("The opening hours were saved."),
    "closed-days": N_("The closed days were saved."),
    "rates": N_("The rate was saved."),
    "rules": N_("The stay rules were saved."),
    "meals": N_("The meal price was saved."),
    "meal-rules": N_("The meal rules were saved."),
    "security": N_("The password and session settings were saved."),
}


@dataclass(frozen=True)
class ShortFreeTime:
    """Stay rules whose free time is shorter than the law guarantees."""

    valid_from: date
    minutes: int


router = APIRouter(include_in_schema=False)
viewer = [Depends(require_all("settings.view"))]
editor = [Depends(require_all("settings.edit"))]


def settings_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    failed: str | None = None,
    **extra: Any,
) -> HTMLResponse:
    sourced = fee_settings.load_sourced(db)
    fees = sourced.settings
    context = {
        "site": site_settings.get_all(db),
        "closed_days": site_settings.closed_days(db),
        "fees": fees,
        "fee_source": lambda entry: sourced.source_of(entry),
        "source_names": SOURCE_NAMES,
        "from_city": "city" in sourced.sources.values(),
        "rate_warnings": check_rates(fees.rates),
        "short_free_time": short_free_time(fees),
        "legal_caps": LEGAL_CAPS,
        "rounding_names": ROUNDING_NAMES,
        "scope_names": SCOPE_NAMES,
        "missing_scan_names": MISSING_SCAN_NAMES,
        "rounding_options": _options(ROUNDING_NAMES),
        "scope_options": _options(SCOPE_NAMES),
        "missing_scan_options": _options(MISSING_SCAN_NAMES),
        "billing_options": _options(BILLING_NAMES),
        "billing_names": BILLING_NAMES,
        "security": asdict(security_policy.load(db)),
        "security_limits": security_policy.LIMITS,
        "security_labels": SECURITY_LABELS,
        "can_edit": allowed(request, "settings.edit"),
        "today": today(settings),
        "flashes": _flashes(request),
        "failed": failed,
        "error": None,
        "values": {},
        **extra,
    }
    return templates.TemplateResponse(request, "settings.html", context, status_code=422 if failed else 200)


def change(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    fields: dict[str, str],
    section: str,
    apply: Any,
) -> Response:
    """Apply one section's form; back to the page with its anchor, or the reason."""
    try:
        apply(fields)
    except (FormError, Refusal) as exc:
        return settings_page(request, db, settings, templates, failed=section, error=exc, values=fields)
    return RedirectResponse(f"/settings?saved={section}#{section}", status_code=303)


@router.get("/settings", response_class=HTMLResponse, dependencies=viewer)
def show(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    return settings_page(request, db, settings, templates)


@router.post("/settings/hours", response_class=HTMLResponse, dependencies=editor)
def hours(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        opening = clock(fields.get("opening"), "opening")
        closing = clock(fields.get("closing"), "closing")
        if not opening < closing:
            raise FormError(N_("Opening must be before closing."), "closing")
        debounce = whole_number(fields.get("debounce_s"), "debounce_s", high=3600)
        values = {"opening": f"{opening:%H:%M}", "closing": f"{closing:%H:%M}", "debounce_s": str(debounce)}
        if fields.get("missing_from"):  # left out: kept as it is
            values["missing_from"] = f"{clock(fields.get('missing_from'), 'missing_from'):%H:%M}"
        site_settings.set_values(db, values, author=actor(request))

    return change(request, db, settings, templates, fields, "hours", apply)


@router.post("/settings/closed-days", response_class=HTMLResponse, dependencies=editor)
def add_closed_day(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        day = required_date(fields.get("day"), "day")
        reason = required_text(fields.get("reason"), "reason")
        site_settings.add_closed_day(db, day, reason, author=actor(request))

    return change(request, db, settings, templates, fields, "closed-days", apply)


@router.post("/settings/closed-days/remove", response_class=HTMLResponse, dependencies=editor)
def remove_closed_day(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        site_settings.remove_closed_day(db, required_date(fields.get("day"), "day"), author=actor(request))

    return change(request, db, settings, templates, fields, "closed-days", apply)


@router.post("/settings/rates", response_class=HTMLResponse, dependencies=editor)
def rate(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        fee_settings.set_rate(
            db,
            required_date(fields.get("valid_from"), "valid_from"),
            required_text(fields.get("per_hour"), "per_hour"),
            fields.get("basis", ""),
            author=actor(request),
        )

    return change(request, db, settings, templates, fields, "rates", apply)


@router.post("/settings/rules", response_class=HTMLResponse, dependencies=editor)
def rules(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    return change(
        request,
        db,
        settings,
        templates,
        fields,
        "rules",
        lambda fields: fee_settings.set_rules(db, stay_rules(fields), author=actor(request)),
    )


@router.post("/settings/meals", response_class=HTMLResponse, dependencies=editor)
def meal_price(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        stop = fields.get("stop") == "yes"
        price = None if stop else required_text(fields.get("price"), "price")
        fee_settings.set_meal_price(
            db,
            required_date(fields.get("valid_from"), "valid_from"),
            required_text(fields.get("meal"), "meal"),
            price,
            author=actor(request),
        )

    return change(request, db, settings, templates, fields, "meals", apply)


@router.post("/settings/security", response_class=HTMLResponse, dependencies=editor)
def security(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        values = {
            name: str(whole_number(fields.get(name), name, low=low, high=high))
            for name, (low, high) in security_policy.LIMITS.items()
        }
        security_policy.set_values(db, values, author=actor(request))

    return change(request, db, settings, templates, fields, "security", apply)


@router.post("/settings/meal-rules", response_class=HTMLResponse, dependencies=editor)
def meal_rules(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    def apply(fields: dict[str, str]) -> None:
        fee_settings.set_meal_rules(
            db,
            cutoff=clock(fields.get("cutoff"), "cutoff"),
            days_before=whole_number(fields.get("days_before"), "days_before", high=14),
            billing=_choice(fields, "billing", BILLING_NAMES),
            author=actor(request),
        )

    return change(request, db, settings, templates, fields, "meal-rules", apply)


def months_page(
    request: Request, db: Database, settings: Settings, templates: Jinja2Templates, **extra: Any
) -> HTMLResponse:
    closed = request.query_params.get("closed")
    this_month = today(settings).replace(day=1)
    previous = (this_month.replace(year=this_month.year - 1, month=12) if this_month.month == 1
                else this_month.replace(month=this_month.month - 1))  # fmt: skip
    context = {
        "closed": list(reversed(months.closed_months(db))),
        "error": None,
        "values": {"month": f"{previous:%Y-%m}"},
        "can_edit": allowed(request, "settings.edit"),
        "flashes": [Flash(_("The month %(month)s was closed.") % {"month": closed}, "ok")] if closed else [],
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return templates.TemplateResponse(request, "months.html", context, status_code=status)


@router.get("/months", response_class=HTMLResponse, dependencies=viewer)
def closed_months(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    return months_page(request, db, settings, templates)


@router.post("/months/close", response_class=HTMLResponse, dependencies=editor)
def close_month(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    try:
        year, number = month(fields.get("month"), "month")
        months.close(db, settings, year, number, closed_by=actor(request))
    except (FormError, Refusal) as exc:
        return months_page(request, db, settings, templates, error=exc, values=fields)
    return RedirectResponse(f"/months?closed={year}-{number:02d}", status_code=303)


def stay_rules(fields: dict[str, str]) -> StayRules:
    """The rules form as `StayRules`, each field checked so the person learns which is wrong."""
    if fields.get("free_kind") == "hours":
        period: FixedWindow | FirstHours = FirstHours(
            whole_number(fields.get("free_hours"), "free_hours", low=0, high=24)
        )
    else:
        start, end = clock(fields.get("free_start"), "free_start"), clock(fields.get("free_end"), "free_end")
        if not start < end:
            raise FormError(N_("The free time must start before it ends."), "free_end")
        period = FixedWindow(start, end)
    return StayRules(
        valid_from=required_date(fields.get("valid_from"), "valid_from"),
        free_period=period,
        rounding=_choice(fields, "rounding", ROUNDING_NAMES),  # type: ignore[arg-type]
        rounding_scope=_choice(fields, "rounding_scope", SCOPE_NAMES),  # type: ignore[arg-type]
        grace_minutes=whole_number(fields.get("grace_minutes") or "0", "grace_minutes", high=120),
        missing_scan=_choice(fields, "missing_scan", MISSING_SCAN_NAMES),  # type: ignore[arg-type]
        age_exemption=fields.get("age_exemption") == "yes",
        basis=fields.get("basis", ""),
    )


def _options(names: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, _(label)) for value, label in names.items()]


def _flashes(request: Request) -> list[Flash]:
    saved = SAVED.get(request.query_params.get("saved", ""))
    return [Flash(_(saved), "ok")] if saved else []


def _choice(fields: dict[str, str], name: str, allowed: dict[str, str]) -> str:
    value = fields.get(name, "")
    if value not in allowed:
        raise FormError(N_("Choose one of the options."), name)
    return value


def short_free_time(fees: FeeSettings) -> list[ShortFreeTime]:
    return [
        ShortFreeTime(rules.valid_from, rules.free_period.nominal_minutes)
        for rules in fees.rules
        if rules.free_period.nominal_minutes < LEGAL_FREE_MINUTES
    ]
