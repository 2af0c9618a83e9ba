"""`/registry`: the secretary's register of children, groups and guardians, and the CSV import.

Every change goes through `hub.registry` (or `hub.csv_import`), so the web refuses exactly
what the command line refuses. A refused form comes back with what was typed and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.services import csv_import
from hub.store import cards, registry
from web.auth import actor, allowed, require_all
from web.deps import Db, SiteSettings, Templates
from web.errors import Refused
from web.forms import Form, FormError, FormFields, chosen_id, optional_date, required_text, upload
from web.i18n import N_, _
from web.params import RowId
from web.personal_data import note_read
from web.templating import Flash

FEE_EXEMPT = {"": None, "yes": True, "no": False}
"""The fee-exemption select: the age rule (empty), always exempt, never exempt."""
MAX_IMPORT_BYTES = 2_000_000
SAVED = {
    "added": N_("The child was added."),
    "child": N_("The child's data was saved."),
    "guardian": N_("The guardian was saved."),
    "group": N_("The group was saved."),
}
"""What `?saved=…` after a change tells the person."""


router = APIRouter(
    prefix="/registry", include_in_schema=False, dependencies=[Depends(require_all("registry.view"))]
)
editor = [Depends(require_all("registry.edit"))]
groups_editor = [Depends(require_all("groups.edit"))]


def page(
    request: Request,
    db: Database,
    templates: Jinja2Templates,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    groups = registry.list_groups(db)
    saved = SAVED.get(request.query_params.get("saved", ""))
    context = {
        "groups": groups,
        "group_options": [(group["id"], group["name"]) for group in groups],
        "flashes": [Flash(_(saved), "ok")] if saved else [],
        "can_edit": allowed(request, "registry.edit"),
        "can_edit_groups": allowed(request, "groups.edit"),
        "can_erase": allowed(request, "registry.erase"),
        **context,
    }
    return templates.TemplateResponse(request, f"registry_{name}", context, status_code=status)


def child_page(
    request: Request,
    db: Database,
    settings: Settings,
    templates: Jinja2Templates,
    child_id: int,
    **extra: Any,
) -> HTMLResponse:
    child = registry.get_child(db, child_id)
    context = {
        "child": child,
        "values": _child_values(child),
        "guardians": registry.guardians_of(db, child_id),
        "all_guardians": registry.list_guardians(db),
        "guardian_options": [(g["id"], g["name"]) for g in registry.list_guardians(db)],
        "cards": cards.list_cards(db, child_id=child_id, include_revoked=True),
        "this_month": f"{datetime.now(settings.tz):%Y-%m}",
        "can_see_fees": allowed(request, "reports.fees"),
        "error": None,
        "link_error": None,
        "link_values": {},
        **extra,
    }
    return page(request, db, templates, "child.html", context, 422 if extra else 200)


@router.get("", response_class=HTMLResponse)
def index() -> Response:
    return RedirectResponse("/registry/children", status_code=303)


@router.get("/children", response_class=HTMLResponse)
def children(request: Request, db: Db, templates: Templates, group: RowId | None = None) -> HTMLResponse:
    return page(request, db, templates, "children.html", _children_context(db, group))


@router.post("/children", response_class=HTMLResponse, dependencies=editor)
def add_child(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    try:
        child = registry.add_child(db, **_child_changes(fields), author=actor(request))
    except (FormError, Refusal) as exc:
        context = _children_context(db, None)
        return page(
            request,
            db,
            templates,
            "children.html",
            {**context, "values": fields, "error": exc},
            422,
        )
    return RedirectResponse(f"/registry/children/{child['id']}?saved=added", status_code=303)


@router.get("/children/{child_id}", response_class=HTMLResponse)
def child(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, child_id: RowId
) -> HTMLResponse:
    shown = _existing_child(db, child_id)
    note_read(request, db, shown, "registry.child")
    return child_page(request, db, settings, templates, shown)


@router.post("/children/{child_id}", response_class=HTMLResponse, dependencies=editor)
def edit_child(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    fields: FormFields,
    child_id: RowId,
) -> Response:
    _existing_child(db, child_id)
    try:
        registry.update_child(db, child_id, **_child_changes(fields), author=actor(request))
    except (FormError, Refusal) as exc:
        return child_page(request, db, settings, templates, child_id, values=fields, error=exc)
    return RedirectResponse(f"/registry/children/{child_id}?saved=child", status_code=303)


@router.post("/children/{child_id}/guardians", response_class=HTMLResponse, dependencies=editor)
def link_guardian(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    fields: FormFields,
    child_id: RowId,
) -> Response:
    _existing_child(db, child_id)
    try:
        guardian_id = chosen_id(fields.get("guardian_id"), "guardian_id", N_("Choose a guardian."))
        registry.link_guardian(db, guardian_id, child_id, fields.get("relation", ""), author=actor(request))
    except (FormError, Refusal) as exc:
        return child_page(request, db, settings, templates, child_id, link_values=fields, link_error=exc)
    return RedirectResponse(f"/registry/children/{child_id}?saved=guardian", status_code=303)


@router.get("/groups", response_class=HTMLResponse)
def groups(request: Request, db: Db, templates: Templates) -> HTMLResponse:
    return page(request, db, templates, "groups.html", {"error": None, "values": {}, "failed": None})


@router.post("/groups", response_class=HTMLResponse, dependencies=groups_editor)
def add_group(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, fields: FormFields
) -> Response:
    try:
        registry.add_group(
            db,
            required_text(fields.get("name"), "name"),
            fields.get("teachers", ""),
            author=actor(request),
        )
    except (FormError, Refusal) as exc:
        return page(
            request,
            db,
            templates,
            "groups.html",
            {"error": exc, "values": fields, "failed": "new"},
            422,
        )
    return RedirectResponse("/registry/groups?saved=group", status_code=303)


@router.post("/groups/{group_id}", response_class=HTMLResponse, dependencies=groups_editor)
def edit_group(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    fields: FormFields,
    group_id: RowId,
) -> Response:
    _existing(registry.get_group, db, group_id)
    try:
        registry.update_group(
            db,
            group_id,
            name=required_text(fields.get("name"), "name"),
            teachers=fields.get("teachers", ""),
            author=actor(request),
        )
    except (FormError, Refusal) as exc:
        return page(
            request,
            db,
            templates,
            "groups.html",
            {"error": exc, "values": fields, "failed": group_id},
            422,
        )
    return RedirectResponse("/registry/groups?saved=group", status_code=303)


@router.get("/guardians", response_class=HTMLResponse)
def guardians(request: Request, db: Db, templates: Templates, child: RowId | None = None) -> HTMLResponse:
    context = _guardians_context(db)
    return page(request, db, templates, "guardians.html", {**context, "values": {"child_id": child or ""}})


@router.post("/guardians", response_class=HTMLResponse, dependencies=editor)
def add_guardian(request: Request, db: Db, templates: Templates, fields: FormFields) -> Response:
    try:
        child_ids = (
            [_existing_child(db, chosen_id(fields["child_id"], "child_id"))] if fields.get("child_id") else []
        )
        registry.add_guardian(
            db,
            name=required_text(fields.get("name"), "name"),
            phone=fields.get("phone", ""),
            email=fields.get("email", ""),
            children=child_ids,
            relation=fields.get("relation", ""),
            author=actor(request),
        )
    except (FormError, Refusal) as exc:
        context = {**_guardians_context(db), "values": fields, "error": exc}
        return page(request, db, templates, "guardians.html", context, 422)
    return RedirectResponse("/registry/guardians?saved=guardian", status_code=303)


@router.get("/import", response_class=HTMLResponse, dependencies=editor)
def import_form(request: Request, db: Db, templates: Templates) -> HTMLResponse:
    return page(request, db, templates, "import.html", {"report": None, "error": None})


@router.post("/import", response_class=HTMLResponse, dependencies=editor)
def import_file(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, form: Form
) -> HTMLResponse:
    sent = upload(form, "file")
    if sent is None:
        context: dict[str, Any] = {"report": None, "error": FormError(N_("Choose a CSV file."))}
        return page(request, db, templates, "import.html", context, 422)
    raw = sent.file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        error = FormError(N_("The file is larger than %(limit)s MB."), limit=MAX_IMPORT_BYTES // 1_000_000)
        return page(request, db, templates, "import.html", {"report": None, "error": error}, 422)
    report = csv_import.import_children(
        db,
        _decode(raw),
        author=actor(request),
        today=datetime.now(settings.tz).date(),
        tz=settings.tz,
    )
    context = {"report": report, "error": None, "filename": sent.filename}
    return page(request, db, templates, "import.html", context, 422 if report.errors else 200)


def _existing_child(db: Database, child_id: int) -> int:
    return int(_existing(registry.get_child, db, child_id)["id"])


def _existing(getter: Any, db: Database, item_id: int) -> dict[str, Any]:
    """The registry row, or a 404 page: an id in a URL that names nothing."""
    try:
        return getter(db, item_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc


def _children_context(db: Database, group: int | None) -> dict[str, Any]:
    return {
        "children": registry.list_children(db, group_id=group),
        "group_filter": group,
        "values": {},
        "error": None,
    }


def _guardians_context(db: Database) -> dict[str, Any]:
    children = registry.list_children(db)
    return {
        "guardians": registry.list_guardians(db),
        "children_by_id": {child["id"]: child for child in children},
        "child_options": [
            (c["id"], f"{c['last_name']} {c['first_name']} ({c['group_name']})") for c in children
        ],
        "values": {},
        "error": None,
    }


def _child_changes(fields: dict[str, str]) -> dict[str, Any]:
    """The form's fields as `registry.add_child`/`update_child` arguments, dates checked here
    so the person learns which field is wrong."""
    if fields.get("fee_exempt", "") not in FEE_EXEMPT:
        raise FormError(N_("Choose how the fee exemption applies."), "fee_exempt")
    return {
        "first_name": required_text(fields.get("first_name"), "first_name"),
        "last_name": required_text(fields.get("last_name"), "last_name"),
        "group": required_text(fields.get("group"), "group"),
        "birth_date": optional_date(fields.get("birth_date"), "birth_date"),
        "active_from": optional_date(fields.get("active_from"), "active_from"),
        "active_to": optional_date(fields.get("active_to"), "active_to"),
        "fee_exempt": FEE_EXEMPT[fields.get("fee_exempt", "")],
        "notes": fields.get("notes", ""),
    }


def _child_values(child: dict[str, Any]) -> dict[str, str]:
    """A stored child as the edit form's values."""
    exempt = {None: "", True: "yes", False: "no"}[child["fee_exempt"]]
    return {
        "first_name": child["first_name"],
        "last_name": child["last_name"],
        "group": str(child["group_id"]),
        "birth_date": child["birth_date"] or "",
        "active_from": child["active_from"] or "",
        "active_to": child["active_to"] or "",
        "fee_exempt": exempt,
        "notes": child["notes"] or "",
    }


def _decode(raw: bytes) -> str:
    """Spreadsheets save CSV as UTF-8 (often with a BOM) or, in Polish Windows, as cp1250."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1250", errors="replace")
