"""The tables of the teachers' pedagogical records as the migrations built them: the groups'
monthly work plans with every version and step, the register of observations with the
director's changes, and the school-readiness information of six-year-olds.

Each function is one numbered step of `migrations.MIGRATIONS`; a released step never changes.
"""

from __future__ import annotations

from sqlite_utils import Database


def m022_plans_and_observations(db: Database) -> None:
    """A group's plan for a month (one per group and month; `state` is where it stands, the
    latest of its steps); its texts, each edit a new numbered version; its steps (written,
    submitted, approved, returned with the director's remark) with who and when. A child's
    observations and diagnoses, each with its author and whether it is addressed to the
    parents; a change by the director keeps the text it replaced in `observation_history`
    with who wrote it and who changed it. A six-year-old's readiness information per school
    year (its start year), with its versions, when it became final, was given to the
    parents and was last printed."""
    db.table("work_plans").create(
        {"id": int, "group_id": int, "month": str, "state": str, "created_at": str, "created_by": str},
        pk="id",
        not_null={"group_id", "month", "state", "created_at", "created_by"},
        foreign_keys=[("group_id", "groups", "id")],
    )
    db.table("work_plans").create_index(["group_id", "month"], unique=True)
    db.table("work_plan_versions").create(
        {"id": int, "plan_id": int, "number": int, "text": str, "author": str, "written_at": str},
        pk="id",
        not_null={"plan_id", "number", "text", "author", "written_at"},
        foreign_keys=[("plan_id", "work_plans", "id")],
    )
    db.table("work_plan_versions").create_index(["plan_id", "number"], unique=True)
    db.table("work_plan_steps").create(
        {
            "id": int,
            "plan_id": int,
            "action": str,
            "state_before": str,
            "state_after": str,
            "version": int,
            "remark": str,
            "actor": str,
            "at": str,
        },
        pk="id",
        not_null={"plan_id", "action", "state_after", "version", "actor", "at"},
        foreign_keys=[("plan_id", "work_plans", "id")],
    )
    db.table("work_plan_steps").create_index(["plan_id", "id"])
    db.table("observations").create(
        {
            "id": int,
            "child_id": int,
            "day": str,
            "kind": str,
            "area": str,
            "text": str,
            "for_parents": int,
            "author": str,
            "written_at": str,
            "changed_by": str,
            "changed_at": str,
        },
        pk="id",
        not_null={"child_id", "day", "kind", "area", "text", "for_parents", "author", "written_at"},
        defaults={"for_parents": 0},
        foreign_keys=[("child_id", "children", "id")],
    )
    db.table("observations").create_index(["child_id", "day"])
    db.table("observation_history").create(
        {
            "id": int,
            "observation_id": int,
            "day": str,
            "kind": str,
            "area": str,
            "text": str,
            "for_parents": int,
            "written_by": str,
            "written_at": str,
            "replaced_by": str,
            "replaced_at": str,
        },
        pk="id",
        not_null={"observation_id", "day", "kind", "area", "text", "for_parents", "written_by",
                  "written_at", "replaced_by", "replaced_at"},
        foreign_keys=[("observation_id", "observations", "id")],
    )  # fmt: skip
    db.table("observation_history").create_index(["observation_id", "id"])
    db.table("school_readiness").create(
        {
            "id": int,
            "child_id": int,
            "school_year": int,
            "state": str,
            "created_at": str,
            "created_by": str,
            "finalized_at": str,
            "finalized_by": str,
            "given_on": str,
            "given_recorded_by": str,
            "printed_at": str,
            "printed_by": str,
        },
        pk="id",
        not_null={"child_id", "school_year", "state", "created_at", "created_by"},
        foreign_keys=[("child_id", "children", "id")],
    )
    db.table("school_readiness").create_index(["child_id", "school_year"], unique=True)
    db.table("school_readiness_versions").create(
        {"id": int, "readiness_id": int, "number": int, "text": str, "author": str, "written_at": str},
        pk="id",
        not_null={"readiness_id", "number", "text", "author", "written_at"},
        foreign_keys=[("readiness_id", "school_readiness", "id")],
    )
    db.table("school_readiness_versions").create_index(["readiness_id", "number"], unique=True)
