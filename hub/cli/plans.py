"""`ewidencjoner plans` and `ewidencjoner observations`: the groups' monthly work plans
(written, submitted, approved or returned with a remark) and the register of observations
with the school-readiness information of six-year-olds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
    settings_from,
)
from hub.rules.school_readiness import is_six_year_old, readiness_due
from hub.rules.school_year import school_year_label, school_year_of
from hub.services import school_readiness, work_plans
from hub.store import observations, registry
from hub.store import school_readiness as readiness_store
from hub.store import work_plans as plan_store

MONTH = click.DateTime(["%Y-%m"])


@click.group("plans")
def plans_group() -> None:
    """The groups' monthly work plans (plany pracy) and the director's approval."""


@plans_group.command("list")
@click.option("--group", help="Group name or id (default: every group).")
@json_option
@click.pass_context
def plans_list(ctx: click.Context, group: str | None, as_json: bool) -> None:
    """List the plans, newest month first, with their state."""
    db = database_from(ctx)
    with refused_as_errors():
        group_id = registry.find_group(db, group)["id"] if group else None
    rows = plan_store.list_plans(db, group_id)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        remark = f" — {row['last_remark']}" if row["last_remark"] else ""
        click.echo(
            f"#{row['id']} {row['month']} {row['group_name']}: {row['state']} ({row['last_actor']}){remark}"
        )


@plans_group.command("show")
@click.argument("plan_id", type=int)
@json_option
@click.pass_context
def plans_show(ctx: click.Context, plan_id: int, as_json: bool) -> None:
    """Show plan PLAN_ID: its text, every version and step."""
    db = database_from(ctx)
    with refused_as_errors():
        kept = work_plans.history(db, plan_id)
    if as_json:
        echo_json(kept)
        return
    plan = kept["plan"]
    click.echo(
        f"{plan['group_name']} {plan['month']}: {plan['state']}, version {plan['version']} ({plan['author']})"
    )
    click.echo(plan["text"])
    for step in kept["steps"]:
        remark = f" — {step['remark']}" if step["remark"] else ""
        click.echo(f"  {step['at']} {step['actor']}: {step['action']} v{step['version']}{remark}")


@plans_group.command("write")
@click.argument("text")
@click.option("--group", required=True, help="Group name or id.")
@click.option("--month", required=True, type=MONTH, help="The month, YYYY-MM.")
@author_option
@click.pass_context
def plans_write(ctx: click.Context, text: str, group: str, month: datetime, author: str) -> None:
    """Write TEXT as the group's plan for the month (a new version of a draft or returned plan)."""
    db = database_from(ctx)
    with refused_as_errors():
        plan = work_plans.write(
            db, group_id=registry.find_group(db, group)["id"], year=month.year, month=month.month, text=text,
            author=author,
        )  # fmt: skip
    click.echo(f"Plan {plan['id']} ({plan['month']}): version {plan['version']}, {plan['state']}.")


@plans_group.command("submit")
@click.argument("plan_id", type=int)
@author_option
@click.pass_context
def plans_submit(ctx: click.Context, plan_id: int, author: str) -> None:
    """Submit plan PLAN_ID to the director."""
    _step(ctx, lambda db: work_plans.submit(db, plan_id, actor=author))


@plans_group.command("approve")
@click.argument("plan_id", type=int)
@author_option
@click.pass_context
def plans_approve(ctx: click.Context, plan_id: int, author: str) -> None:
    """Approve the submitted plan PLAN_ID (the director)."""
    _step(ctx, lambda db: work_plans.approve(db, plan_id, actor=author))


@plans_group.command("return")
@click.argument("plan_id", type=int)
@click.option("--remark", required=True, help="What the teacher should change.")
@author_option
@click.pass_context
def plans_return(ctx: click.Context, plan_id: int, remark: str, author: str) -> None:
    """Return the submitted plan PLAN_ID to the teacher with a remark (the director)."""
    _step(ctx, lambda db: work_plans.return_plan(db, plan_id, actor=author, remark=remark))


def _step(ctx: click.Context, step: Callable[[Database], dict[str, Any]]) -> None:
    db = database_from(ctx)
    with refused_as_errors():
        plan = step(db)
    click.echo(f"Plan {plan['id']} ({plan['group_name']} {plan['month']}): {plan['state']}.")


@click.group("observations")
def observations_group() -> None:
    """The register of observations and the school-readiness information."""


@observations_group.command("list")
@click.option("--child", "child_id", required=True, type=int, help="The child's id.")
@click.option("--for-parents", is_flag=True, help="Only what is addressed to the parents.")
@json_option
@click.pass_context
def observations_list(ctx: click.Context, child_id: int, for_parents: bool, as_json: bool) -> None:
    """List a child's observations and diagnoses, newest first."""
    db = database_from(ctx)
    with refused_as_errors():
        registry.get_child(db, child_id)
    rows = observations.list_for_child(db, child_id, for_parents_only=for_parents)
    if as_json:
        echo_json([{**row, "history": observations.history(db, row["id"])} for row in rows])
        return
    for row in rows:
        area = f" [{row['area']}]" if row["area"] else ""
        parents = " (dla rodziców)" if row["for_parents"] else ""
        click.echo(f"#{row['id']} {row['day']} {row['kind']}{area}{parents} {row['author']}: {row['text']}")


@observations_group.command("add")
@click.argument("text")
@click.option("--child", "child_id", required=True, type=int, help="The child's id.")
@click.option("--date", "day", type=DATE, help="The day observed (default: today).")
@click.option("--kind", type=click.Choice(observations.KINDS), default="observation", show_default=True)
@click.option("--area", default="", help="The area of development (e.g. mowa, motoryka).")
@click.option("--for-parents", is_flag=True, help="Addressed to the parents: they see it on their page.")
@author_option
@click.pass_context
def observations_add(
    ctx: click.Context,
    text: str,
    child_id: int,
    day: datetime | None,
    kind: str,
    area: str,
    for_parents: bool,
    author: str,
) -> None:
    """Write TEXT as an observation (or a diagnosis) of a child."""
    db = database_from(ctx)
    with refused_as_errors():
        entry = observations.add(
            db, child_id=child_id, day=day.date() if day else _today(ctx), kind=kind, text=text,
            author=author, area=area, for_parents=for_parents, today=_today(ctx),
        )  # fmt: skip
    click.echo(f"Recorded observation {entry['id']} for {entry['day']}.")


@observations_group.command("readiness")
@click.option("--child", "child_id", type=int, help="The child's id (default: list the six-year-olds).")
@click.option("--year", type=int, help="The school year's first year (default: the current school year).")
@click.option("--text", help="Write this as the information (a new version of the draft).")
@click.option("--from-observations", is_flag=True, help="Write the school year's observations as the draft.")
@click.option("--finalize", is_flag=True, help="Make the information final.")
@click.option("--given", type=DATE, help="The day it was given to the parents.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Print it to this PDF file.")
@author_option
@json_option
@click.pass_context
def observations_readiness(
    ctx: click.Context,
    child_id: int | None,
    year: int | None,
    text: str | None,
    from_observations: bool,
    finalize: bool,
    given: datetime | None,
    pdf: Path | None,
    author: str,
    as_json: bool,
) -> None:
    """The school-readiness information of six-year-olds (due by the end of April)."""
    db = database_from(ctx)
    school_year = year or school_year_of(_today(ctx))
    if child_id is None:
        rows = _six_year_olds(db, school_year)
        if as_json:
            echo_json(rows)
            return
        click.echo(f"{school_year_label(school_year)}: due by {readiness_due(school_year)}")
        for row in rows:
            click.echo(f"#{row['child_id']} {row['name']} ({row['group']}): {row['state'] or '-'}")
        return
    with refused_as_errors():
        if from_observations:
            text = school_readiness.observations_digest(db, child_id, school_year)
        if text is not None:
            school_readiness.write(db, child_id=child_id, school_year=school_year, text=text, author=author)
        info = readiness_store.find(db, child_id, school_year)
        if info is None:
            registry.get_child(db, child_id)
            raise click.ClickException(f"No readiness information for {school_year_label(school_year)} yet.")
        if finalize:
            info = school_readiness.finalize(db, info["id"], actor=author)
        if given:
            info = school_readiness.mark_given(
                db, info["id"], given_on=given.date(), actor=author, today=_today(ctx)
            )
        if pdf:
            from hub.reports import render
            from hub.reports.pedagogy import readiness

            pdf.write_bytes(render(readiness(db, settings_from(ctx), info["id"]), "pdf"))
            school_readiness.mark_printed(db, info["id"], actor=author)
            info = readiness_store.get(db, info["id"])
    if as_json:
        echo_json(info)
        return
    click.echo(
        f"{school_year_label(school_year)}: {info['state']}, version {info['version']} ({info['author']})"
    )
    click.echo(info["text"])


def _six_year_olds(db: Database, school_year: int) -> list[dict[str, Any]]:
    rows = []
    for child in registry.list_children(db):
        born = child.get("birth_date")
        if not born or not is_six_year_old(datetime.fromisoformat(born).date(), school_year):
            continue
        info = readiness_store.find(db, child["id"], school_year)
        rows.append(
            {
                "child_id": child["id"],
                "name": f"{child['first_name']} {child['last_name']}",
                "group": child["group_name"],
                "state": info["state"] if info else None,
                "given_on": info["given_on"] if info else None,
            }
        )
    return rows
