"""`/money`: the accountant's money page (the month's receivables, arrears, transfers nobody's
yet, importing a bank statement); `/parent/children/{id}/money`: what a parent owes and where
to pay. The numbers come from `hub.services.ledger`; imports and assignments go through
`hub.services.payments`, so the web refuses exactly what the command line refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.fees.money import from_grosz
from hub.rules.ledger.account import printed
from hub.rules.ledger.matching import reference
from hub.services import ledger, payments
from hub.store import bank, copayers, money_settings, registry
from web.auth import actor, allowed, check, require_all
from web.deps import Clock, Db, SiteSettings, Templates, today
from web.errors import Refused
from web.forms import Form, FormError, FormFields, chosen_id, upload
from web.i18n import N_, _
from web.pages.reports import parent_of
from web.params import RowId
from web.templating import Flash

MAX_STATEMENT_BYTES = 8_000_000
"""A month's statement of a large site (5,000 transfers) is under 1 MB."""
SAVED = {
    "assigned": N_("The transfer was assigned."),
    "settings": N_("The money settings were saved."),
}

router = APIRouter(include_in_schema=False)


def zl(grosze: int) -> Decimal:
    return from_grosz(grosze)


def money_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    on = today(settings)
    current = money_settings.load(db)
    arrears = ledger.arrears(db, on)
    unmatched = bank.transfers(db, unmatched=True)
    saved = SAVED.get(request.query_params.get("saved", ""))
    context = {
        "on": on,
        "month": f"{on:%Y-%m}",
        "arrears": [
            {"child": a.child, "reference": reference(a.child["id"]), "copayer_id": a.copayer_id,
             "overdue": zl(a.overdue), "interest": zl(a.interest), "days_late": a.days_late,
             "oldest_due": a.oldest_due}
            for a in arrears
        ],
        "arrears_total": zl(sum(a.overdue for a in arrears)),
        "unmatched": [{**t, "amount": zl(t["amount"])} for t in unmatched],
        "child_options": [("", _("Choose a child")), *child_options(db)],
        "payer_options": [("", _("The parents")), *payer_options(db)],
        "imports": bank.imports(db)[:10],
        "can_manage": allowed(request, "payments.manage"),
        "can_edit_settings": allowed(request, "settings.edit"),
        "settings_values": {
            "due_day": str(current.due_day),
            "account_prefix": current.account_prefix,
            "interest_threshold": str(current.interest_threshold),
        },
        "result": None,
        "error": None,
        "settings_error": None,
        "settings_sent": None,
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        **extra,
    }  # fmt: skip
    return templates.TemplateResponse(request, "money.html", context, status_code=status)


def child_options(db: Database) -> list[tuple[int | str, str]]:
    return [
        (c["id"], f"{c['last_name']} {c['first_name']} ({c['group_name']})")
        for c in registry.list_children(db)
    ]


def payer_options(db: Database) -> list[tuple[int | str, str]]:
    """Who a transfer may be from besides the parents: the co-payers."""
    return [(c["id"], c["name"]) for c in copayers.list_copayers(db)]


def lines(state: ledger.PayerState, charges: bool) -> list[dict[str, Any]]:
    """The payer's charges, or payments, newest first (payments shown as positive amounts)."""
    sign = 1 if charges else -1
    return [
        {
            "day": line.entry.booked_on,
            "description": line.entry.description,
            "amount": zl(sign * line.entry.amount),
        }
        for line in reversed(state.lines)
        if line.entry.is_charge == charges
    ]


@router.get("/money", response_class=HTMLResponse, dependencies=[Depends(require_all("reports.fees"))])
def money(request: Request, db: Db, settings: SiteSettings, templates: Templates) -> HTMLResponse:
    return money_page(request, db, settings, templates)


@router.post(
    "/money/import", response_class=HTMLResponse, dependencies=[Depends(require_all("payments.manage"))]
)
def import_statement(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, form: Form
) -> HTMLResponse:
    sent = upload(form, "file")
    if sent is None:
        return money_page(
            request, db, settings, templates, 422, error=FormError(N_("Choose a bank statement file."))
        )
    raw = sent.file.read(MAX_STATEMENT_BYTES + 1)
    if len(raw) > MAX_STATEMENT_BYTES:
        error = FormError(N_("The file is larger than %(limit)s MB."), limit=MAX_STATEMENT_BYTES // 1_000_000)
        return money_page(request, db, settings, templates, 422, error=error)
    try:
        result = payments.import_file(db, raw, file_name=sent.filename or "", author=actor(request))
    except Refusal as exc:
        return money_page(request, db, settings, templates, 422, error=exc)
    return money_page(request, db, settings, templates, result=result, filename=sent.filename)


@router.post(
    "/money/transfers/{transfer_id}/assign",
    response_class=HTMLResponse,
    dependencies=[Depends(require_all("payments.manage"))],
)
def assign_transfer(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    transfer_id: RowId,
    fields: FormFields,
) -> Response:
    if bank.get_transfer(db, transfer_id) is None:
        raise HTTPException(404, _("There is no transfer number %(id)s.") % {"id": transfer_id})
    try:
        child_id = chosen_id(fields.get("child"), "child")
        copayer_id = chosen_id(fields["payer"], "payer") if fields.get("payer") else None
        payments.assign(db, transfer_id, child_id, author=actor(request), copayer_id=copayer_id)
    except (FormError, Refusal) as exc:
        return money_page(request, db, settings, templates, 422, error=exc, failed=transfer_id)
    return RedirectResponse("/money?saved=assigned", status_code=303)


@router.post(
    "/money/settings", response_class=HTMLResponse, dependencies=[Depends(require_all("settings.edit"))]
)
def save_settings(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    """The due day (the gmina's uchwała), the bank's prefix for individual accounts, the
    interest threshold: each checked by `money_settings`, a refusal shown at the form."""
    values = {key: fields.get(key, "") for key in ("due_day", "account_prefix", "interest_threshold")}
    try:
        money_settings.set_values(db, values, author=actor(request))
    except Refusal as exc:
        return money_page(request, db, settings, templates, 422, settings_error=exc, settings_sent=values)
    return RedirectResponse("/money?saved=settings", status_code=303)


@router.get("/parent/children/{child_id}/money", response_class=HTMLResponse)
def child_money(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, clock: Clock, child_id: RowId
) -> HTMLResponse:
    """What the parents owe for the child, what they paid, and where to pay: a parent for their
    own child, the staff who see fees for any."""
    if not parent_of(request, child_id):
        check(request, "reports.fees", child_id=child_id)
    on = clock().astimezone(settings.tz).date()
    try:
        state = ledger.payer_state(db, child_id, on)
    except Refusal as exc:
        raise Refused(404, exc) from exc
    s = state.settlement
    context = {
        "child": state.child,
        "on": on,
        "account": printed(state.account) if state.account else None,
        "title": f"{reference(child_id)} {state.child['last_name']} {state.child['first_name']}",
        "balance": zl(state.balance),
        "to_pay": zl(s.to_pay),
        "credit": zl(max(s.credit, 0)),
        "interest": zl(s.interest_now),
        "dues": [
            {"period": d.period, "due_on": d.due_on, "amount": zl(d.amount), "outstanding": zl(d.outstanding),
             "interest": zl(d.interest_now), "late": d.due_on < s.on}
            for d in s.dues if d.outstanding
        ],
        "payments": lines(state, charges=False),
        "charges": lines(state, charges=True),
    }  # fmt: skip
    return templates.TemplateResponse(request, "parent_money.html", context)
