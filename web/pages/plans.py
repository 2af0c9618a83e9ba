"""`/plans`, `/groups/{group}/plans…`: the groups' monthly work plans (plany pracy).

A teacher of the group writes the month's plan and submits it (`plans.write`); the director
approves it or returns it with a remark (`plans.approve`); each edit is a new version and
each step is kept (`hub.services.work_plans`). The plan prints as A4 (HTML or PDF) through
the reports' renderer. A refused form comes back with what was typed and why (HTTP 422).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.accounts.rights import ALL, reach
from hub.refusal import Refusal
from hub.reports import MEDIA_TYPES, render
from hub.reports.pedagogy import work_plan
from hub.rules.work_plans import editable
from hub.services import work_plans
from hub.store import registry
from hub.store import work_plans as plan_store
from web.auth import actor, allowed, check, require, signed_in
from web.deps import Page, PageContext, today
from web.errors import Refused
from web.forms import FormError, FormFields, month, required_text
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
PrintFormat = Annotated[str, Query(alias="format", pattern="^(html|pdf)$")]
STATES = {
    "draft": N_("draft"),
    "submitted": N_("submitted to the director"),
    "approved": N_("approved"),
    "returned": N_("returned to the teacher"),
}
STEPS = {
    "write": N_("wrote a version"),
    "submit": N_("submitted it to the director"),
    "approve": N_("approved it"),
    "return": N_("returned it with a remark"),
}
DONE = {
    "written": N_("The plan was saved."),
    "submitted": N_("The plan was submitted to the director."),
    "approved": N_("The plan was approved."),
    "returned": N_("The plan was returned to the teacher."),
}

router = APIRouter(include_in_schema=False)


@router.get("/plans", response_class=HTMLResponse, dependencies=[Depends(require("plans.view"))])
def plans_index(ctx: Page) -> HTMLResponse:
    user = signed_in(ctx.request)
    groups = [
        g for g in registry.list_groups(ctx.db) if reach(user, "plans.view") == ALL or g["id"] in user.groups
    ]
    visible = {group["id"] for group in groups}
    context = {
        "groups": groups,
        "plans": [plan for plan in plan_store.list_plans(ctx.db) if plan["group_id"] in visible],
        "states": STATES,
    }
    return ctx.templates.TemplateResponse(ctx.request, "plans_index.html", context)


@router.get("/groups/{group_id}/plans", response_class=HTMLResponse)
def group_plans(ctx: Page, group_id: RowId) -> HTMLResponse:
    check(ctx.request, "plans.view", group_id=group_id)
    return _group_page(ctx, group_id)


@router.post("/groups/{group_id}/plans", response_class=HTMLResponse)
def write_plan(ctx: Page, fields: FormFields, group_id: RowId) -> Response:
    """A new plan for the month, or a new version of a draft or returned one."""
    check(ctx.request, "plans.write", group_id=group_id)
    _group(ctx, group_id)
    try:
        year, number = month(fields.get("month"), "month")
        text = required_text(fields.get("text"), "text")
        plan = work_plans.write(
            ctx.db, group_id=group_id, year=year, month=number, text=text, author=actor(ctx.request)
        )
    except (FormError, Refusal) as exc:
        found = plan_store.find_plan(ctx.db, group_id, fields.get("month", ""))
        if found is not None and fields.get("from") == "plan":
            return _plan_page(ctx, found, error=exc, values=fields)
        return _group_page(ctx, group_id, error=exc, values=fields)
    return _to_plan(group_id, plan["month"], "written")


@router.get("/groups/{group_id}/plans/{plan_month}", response_class=HTMLResponse)
def plan_page(ctx: Page, group_id: RowId, plan_month: Month) -> HTMLResponse:
    check(ctx.request, "plans.view", group_id=group_id)
    return _plan_page(ctx, _plan(ctx, group_id, plan_month))


@router.post("/groups/{group_id}/plans/{plan_month}/submit", response_class=HTMLResponse)
def submit_plan(ctx: Page, group_id: RowId, plan_month: Month) -> Response:
    check(ctx.request, "plans.write", group_id=group_id)
    plan = _plan(ctx, group_id, plan_month)
    return _step(
        ctx, plan, "submitted", lambda: work_plans.submit(ctx.db, plan["id"], actor=actor(ctx.request))
    )


@router.post("/groups/{group_id}/plans/{plan_month}/approve", response_class=HTMLResponse)
def approve_plan(ctx: Page, group_id: RowId, plan_month: Month) -> Response:
    check(ctx.request, "plans.approve", group_id=group_id)
    plan = _plan(ctx, group_id, plan_month)
    return _step(
        ctx, plan, "approved", lambda: work_plans.approve(ctx.db, plan["id"], actor=actor(ctx.request))
    )


@router.post("/groups/{group_id}/plans/{plan_month}/return", response_class=HTMLResponse)
def return_plan(ctx: Page, fields: FormFields, group_id: RowId, plan_month: Month) -> Response:
    check(ctx.request, "plans.approve", group_id=group_id)
    plan = _plan(ctx, group_id, plan_month)

    def step() -> Any:
        remark = required_text(fields.get("remark"), "remark")
        return work_plans.return_plan(ctx.db, plan["id"], actor=actor(ctx.request), remark=remark)

    return _step(ctx, plan, "returned", step, values=fields)


@router.get("/reports/work-plan/{group_id}/{plan_month}")
def print_plan(ctx: Page, group_id: RowId, plan_month: Month, fmt: PrintFormat = "html") -> Response:
    """The plan as A4: the print view or its PDF (the reports' renderer)."""
    check(ctx.request, "plans.view", group_id=group_id)
    plan = _plan(ctx, group_id, plan_month)
    report = work_plan(ctx.db, ctx.settings, plan["id"])
    headers = (
        {"Content-Disposition": f'attachment; filename="{report.file_stem}.pdf"'} if fmt == "pdf" else {}
    )
    return Response(render(report, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)


def _step(
    ctx: PageContext, plan: dict[str, Any], done: str, step: Any, values: dict[str, str] | None = None
) -> Response:
    try:
        step()
    except (FormError, Refusal) as exc:
        return _plan_page(ctx, plan, error=exc, values=values or {})
    return _to_plan(plan["group_id"], plan["month"], done)


def _to_plan(group_id: int, plan_month: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/groups/{group_id}/plans/{plan_month}?done={done}", status_code=303)


def _group(ctx: PageContext, group_id: int) -> dict[str, Any]:
    try:
        return registry.get_group(ctx.db, group_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc


def _plan(ctx: PageContext, group_id: int, plan_month: str) -> dict[str, Any]:
    _group(ctx, group_id)
    plan = plan_store.find_plan(ctx.db, group_id, plan_month)
    if plan is None:
        raise HTTPException(404)
    return plan


def _group_page(ctx: PageContext, group_id: int, **extra: Any) -> HTMLResponse:
    request = ctx.request
    now = today(ctx.settings)
    context = {
        "group": _group(ctx, group_id),
        "plans": plan_store.list_plans(ctx.db, group_id),
        "states": STATES,
        "can_write": allowed(request, "plans.write", group_id=group_id),
        "error": None,
        "values": {"month": f"{now:%Y-%m}"},
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return ctx.templates.TemplateResponse(request, "plans_group.html", context, status_code=status)


def _plan_page(ctx: PageContext, plan: dict[str, Any], **extra: Any) -> HTMLResponse:
    request = ctx.request
    kept = work_plans.history(ctx.db, plan["id"])
    current = kept["plan"]
    group_id = current["group_id"]
    done = request.query_params.get("done")
    context = {
        "plan": current,
        "versions": kept["versions"],
        "steps": kept["steps"],
        "states": STATES,
        "step_names": STEPS,
        "can_write": allowed(request, "plans.write", group_id=group_id) and editable(current["state"]),
        "can_submit": allowed(request, "plans.write", group_id=group_id) and editable(current["state"]),
        "can_decide": allowed(request, "plans.approve", group_id=group_id)
        and current["state"] == "submitted",
        "flashes": [Flash(_(DONE[done]), "ok")] if done in DONE else [],
        "error": None,
        "values": {"text": current["text"]},
        **extra,
    }
    if extra.get("values") is not None and "text" not in extra["values"]:
        context["values"] = {"text": current["text"], **extra["values"]}
    status = 422 if extra.get("error") else 200
    return ctx.templates.TemplateResponse(request, "plan.html", context, status_code=status)
