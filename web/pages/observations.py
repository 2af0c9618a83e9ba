"""`/observations`, `/children/{child}/observations`, `/children/{child}/readiness/{year}` and
the parent's `/parent/children/{child}/observations`: the register of observations and the
school-readiness information.

A teacher of the child's group writes observations and diagnoses (`observations.write`);
the director may modify one (`observations.modify`), the earlier text kept in its history.
The readiness information of a six-year-old is written from the school year's observations,
made final, printed (A4, HTML or PDF, through the reports' renderer) and marked as given to
the parents, who see it, and the observations addressed to them, on their own page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.accounts.rights import ALL, reach
from hub.refusal import Refusal
from hub.reports import MEDIA_TYPES, render
from hub.reports.pedagogy import readiness as readiness_report
from hub.rules.school_readiness import is_late, readiness_due
from hub.rules.school_year import school_year_label, school_year_of
from hub.services import school_readiness
from hub.store import observations, registry
from hub.store import school_readiness as readiness_store
from web.auth import actor, allowed, check, signed_in
from web.deps import Page, PageContext, today
from web.errors import Refused
from web.forms import FormError, FormFields, required_date, required_text
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

SchoolYear = Annotated[int, Path(ge=2000, le=2100)]
PrintFormat = Annotated[str, Query(alias="format", pattern="^(html|pdf)$")]
KINDS = {"observation": N_("observation"), "diagnosis": N_("diagnosis")}
DONE = {
    "added": N_("The observation was saved."),
    "modified": N_("The observation was changed; the earlier text is kept in its history."),
    "written": N_("The readiness information was saved."),
    "final": N_("The readiness information is final."),
    "given": N_("Recorded as given to the parents."),
}

router = APIRouter(include_in_schema=False)


@router.get("/observations", response_class=HTMLResponse)
def observations_index(ctx: Page) -> HTMLResponse:
    """The children whose records the account reads, the six-year-olds of the school year
    first, with the state of their readiness information."""
    user = signed_in(ctx.request)
    if not (allowed(ctx.request, "observations.view") or allowed(ctx.request, "readiness.view")):
        check(ctx.request, "readiness.view")  # refused and logged
    now = today(ctx.settings)
    year = school_year_of(now)
    everyone = reach(user, "readiness.view") == ALL or reach(user, "observations.view") == ALL
    rows = []
    for child in registry.list_children(ctx.db):
        if not everyone and child["group_id"] not in user.groups:
            continue
        six = school_readiness.eligible(child, year)
        info = readiness_store.find(ctx.db, child["id"], year) if six else None
        given = date.fromisoformat(info["given_on"]) if info and info["given_on"] else None
        rows.append({"child": child, "six": six, "info": info, "late": six and is_late(year, now, given)})
    rows.sort(key=lambda row: not row["six"])
    context = {
        "rows": rows,
        "year": school_year_label(year),
        "year_start": year,
        "due": readiness_due(year),
        "can_read_observations": allowed(ctx.request, "observations.view"),
    }
    return ctx.templates.TemplateResponse(ctx.request, "observations_index.html", context)


@router.get("/children/{child_id}/observations", response_class=HTMLResponse)
def child_observations(ctx: Page, child_id: RowId) -> HTMLResponse:
    check(ctx.request, "observations.view", child_id=child_id)
    return _observations_page(ctx, _child(ctx, child_id))


@router.post("/children/{child_id}/observations", response_class=HTMLResponse)
def add_observation(ctx: Page, fields: FormFields, child_id: RowId) -> Response:
    check(ctx.request, "observations.write", child_id=child_id)
    child = _child(ctx, child_id)
    try:
        observations.add(ctx.db, child_id=child_id, author=actor(ctx.request), today=today(ctx.settings),
                         **_entry(fields))  # fmt: skip
    except (FormError, Refusal) as exc:
        return _observations_page(ctx, child, error=exc, values=fields)
    return RedirectResponse(f"/children/{child_id}/observations?done=added", status_code=303)


@router.post("/children/{child_id}/observations/{observation_id}", response_class=HTMLResponse)
def modify_observation(ctx: Page, fields: FormFields, child_id: RowId, observation_id: RowId) -> Response:
    """The director's change to an entry of the register."""
    check(ctx.request, "observations.modify", child_id=child_id)
    child = _child(ctx, child_id)
    try:
        entry = observations.get(ctx.db, observation_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc
    if entry["child_id"] != child_id:
        raise HTTPException(404)
    try:
        observations.modify(ctx.db, observation_id, actor=actor(ctx.request), today=today(ctx.settings),
                            **_entry(fields))  # fmt: skip
    except (FormError, Refusal) as exc:
        return _observations_page(ctx, child, error=exc, values=fields, failed=observation_id)
    return RedirectResponse(
        f"/children/{child_id}/observations?done=modified#entry-{observation_id}", status_code=303
    )


@router.get("/children/{child_id}/readiness/{year}", response_class=HTMLResponse)
def readiness_page(ctx: Page, child_id: RowId, year: SchoolYear) -> HTMLResponse:
    check(ctx.request, "readiness.view", child_id=child_id)
    return _readiness_page(ctx, _child(ctx, child_id), year)


@router.post("/children/{child_id}/readiness/{year}", response_class=HTMLResponse)
def write_readiness(ctx: Page, fields: FormFields, child_id: RowId, year: SchoolYear) -> Response:
    check(ctx.request, "observations.write", child_id=child_id)
    child = _child(ctx, child_id)
    try:
        text = required_text(fields.get("text"), "text")
        school_readiness.write(
            ctx.db, child_id=child_id, school_year=year, text=text, author=actor(ctx.request)
        )
    except (FormError, Refusal) as exc:
        return _readiness_page(ctx, child, year, error=exc, values=fields)
    return _to_readiness(child_id, year, "written")


@router.post("/children/{child_id}/readiness/{year}/finalize", response_class=HTMLResponse)
def finalize_readiness(ctx: Page, child_id: RowId, year: SchoolYear) -> Response:
    check(ctx.request, "observations.write", child_id=child_id)
    child = _child(ctx, child_id)
    try:
        school_readiness.finalize(ctx.db, _readiness(ctx, child_id, year)["id"], actor=actor(ctx.request))
    except Refusal as exc:
        return _readiness_page(ctx, child, year, error=exc)
    return _to_readiness(child_id, year, "final")


@router.post("/children/{child_id}/readiness/{year}/given", response_class=HTMLResponse)
def readiness_given(ctx: Page, fields: FormFields, child_id: RowId, year: SchoolYear) -> Response:
    check(ctx.request, "observations.write", child_id=child_id)
    child = _child(ctx, child_id)
    try:
        given_on = required_date(fields.get("given_on"), "given_on")
        school_readiness.mark_given(
            ctx.db, _readiness(ctx, child_id, year)["id"], given_on=given_on, actor=actor(ctx.request),
            today=today(ctx.settings),
        )  # fmt: skip
    except (FormError, Refusal) as exc:
        return _readiness_page(ctx, child, year, error=exc, values=fields)
    return _to_readiness(child_id, year, "given")


@router.get("/reports/readiness/{child_id}/{year}")
def print_readiness(ctx: Page, child_id: RowId, year: SchoolYear, fmt: PrintFormat = "html") -> Response:
    """The information as A4 (the print view or its PDF); who printed it is recorded."""
    check(ctx.request, "readiness.view", child_id=child_id)
    _child(ctx, child_id)
    info = _readiness(ctx, child_id, year)
    report = readiness_report(ctx.db, ctx.settings, info["id"])
    body = render(report, fmt)
    school_readiness.mark_printed(ctx.db, info["id"], actor=actor(ctx.request))
    headers = (
        {"Content-Disposition": f'attachment; filename="{report.file_stem}.pdf"'} if fmt == "pdf" else {}
    )
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/parent/children/{child_id}/observations", response_class=HTMLResponse)
def parent_observations(ctx: Page, child_id: RowId) -> HTMLResponse:
    """What the teachers addressed to the parents: observations and final readiness information."""
    check(ctx.request, "observations.addressed", child_id=child_id)
    child = _child(ctx, child_id)
    context = {
        "child": child,
        "entries": observations.list_for_child(ctx.db, child_id, for_parents_only=True),
        "readiness": [
            {**info, "year": school_year_label(info["school_year"])}
            for info in readiness_store.list_for_child(ctx.db, child_id)
            if info["state"] == "final"
        ],
        "kinds": KINDS,
    }
    return ctx.templates.TemplateResponse(ctx.request, "parent_observations.html", context)


def _entry(fields: dict[str, str]) -> dict[str, Any]:
    """An observation's form as the store's arguments (the store checks the rest)."""
    return {
        "day": required_date(fields.get("day"), "day"),
        "kind": fields.get("kind", ""),
        "area": fields.get("area", ""),
        "text": required_text(fields.get("text"), "text"),
        "for_parents": fields.get("for_parents") == "yes",
    }


def _child(ctx: PageContext, child_id: int) -> dict[str, Any]:
    try:
        return registry.get_child(ctx.db, child_id)
    except Refusal as exc:
        raise Refused(404, exc) from exc


def _readiness(ctx: PageContext, child_id: int, year: int) -> dict[str, Any]:
    info = readiness_store.find(ctx.db, child_id, year)
    if info is None:
        raise HTTPException(404, _("No readiness information is written for this school year yet."))
    return info


def _to_readiness(child_id: int, year: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/children/{child_id}/readiness/{year}?done={done}", status_code=303)


def _flashes(ctx: PageContext) -> list[Flash]:
    done = ctx.request.query_params.get("done")
    return [Flash(_(DONE[done]), "ok")] if done in DONE else []


def _observations_page(ctx: PageContext, child: dict[str, Any], **extra: Any) -> HTMLResponse:
    request = ctx.request
    now = today(ctx.settings)
    entries = observations.list_for_child(ctx.db, child["id"])
    context = {
        "child": child,
        "entries": [{**entry, "history": observations.history(ctx.db, entry["id"])} for entry in entries],
        "kinds": KINDS,
        "kind_options": [(kind, _(label)) for kind, label in KINDS.items()],
        "today": now,
        "school_year": school_year_of(now),
        "six": school_readiness.eligible(child, school_year_of(now)),
        "can_write": allowed(request, "observations.write", child_id=child["id"]),
        "can_modify": allowed(request, "observations.modify", child_id=child["id"]),
        "flashes": _flashes(ctx),
        "error": None,
        "failed": None,
        "values": {"day": now.isoformat(), "kind": "observation"},
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return ctx.templates.TemplateResponse(request, "observations.html", context, status_code=status)


def _readiness_page(ctx: PageContext, child: dict[str, Any], year: int, **extra: Any) -> HTMLResponse:
    request = ctx.request
    info = readiness_store.find(ctx.db, child["id"], year)
    six = school_readiness.eligible(child, year)
    start = info["text"] if info else school_readiness.observations_digest(ctx.db, child["id"], year)
    context = {
        "child": child,
        "info": info,
        "versions": readiness_store.versions(ctx.db, info["id"]) if info else [],
        "year": year,
        "year_label": school_year_label(year),
        "due": readiness_due(year),
        "six": six,
        "today": today(ctx.settings),
        "can_write": six and allowed(request, "observations.write", child_id=child["id"]),
        "can_read_observations": allowed(request, "observations.view", child_id=child["id"]),
        "flashes": _flashes(ctx),
        "error": None,
        "values": {"text": start, "given_on": today(ctx.settings).isoformat()},
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return ctx.templates.TemplateResponse(request, "readiness.html", context, status_code=status)
