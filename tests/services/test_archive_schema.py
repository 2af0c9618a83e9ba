"""The published schema and the archive's writer keep every column of every table the yearly
archive holds, so a column a later migration adds cannot be left out of the archive
unnoticed: this fails until the schema and `archive_xml.COLUMNS` have it, or it is named
below as implied by where its element sits; and the writer writes exactly what the schema
declares for each table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.archive_read import SCHEMA
from hub.services.archive_xml import COLUMNS, camel
from hub.store.db import open_database

XS = "{http://www.w3.org/2001/XMLSchema}"

ARCHIVED: dict[str, tuple[str, str | None, set[str]]] = {
    "groups": ("group", None, set()),
    "guardians": ("guardian", None, set()),
    "children": ("child", None, set()),
    "child_guardians": ("child", "guardianOf", {"child_id"}),
    "cards": ("card", None, set()),
    "absences": ("absence", None, set()),
    "corrections": ("correction", None, set()),
    "day_topics": ("topic", None, set()),
    "work_plans": ("workPlan", None, set()),
    "work_plan_versions": ("version", None, {"plan_id"}),
    "work_plan_steps": ("workPlan", "step", {"plan_id"}),
    "observations": ("observation", None, set()),
    "observation_history": ("observation", "replaced", {"observation_id"}),
    "school_readiness": ("readiness", None, set()),
    "school_readiness_versions": ("version", None, {"readiness_id"}),
    "messages": ("message", None, {"school_year"}),
    "message_recipients": ("message", "recipient", {"message_id"}),
    "message_attachments": ("message", "attachment", {"message_id"}),
    "announcements": ("announcement", None, set()),
    "closed_months": ("closedMonth", None, set()),
    "billed_months": ("closedMonth", "statement", {"year", "month", "billed"}),
    "audit_log": ("auditEntry", None, set()),
}
"""Table → the schema's complex type, the element inside it (None: the type itself), and the
columns its place implies: the parent's id, the archive's school year, a statement's month
(its closed month's) and its text (`billed`, the element's content)."""


def declared(node: Any, kinds: tuple[str, ...] = ("attribute", "element")) -> set[str]:
    """The attributes and child elements (`kinds`) `node` declares, not those of elements
    nested deeper."""
    names: set[str] = set()
    for child in node:
        if child.tag in {f"{XS}{kind}" for kind in kinds}:
            names.add(child.get("name"))
        if child.tag != f"{XS}element" and isinstance(child.tag, str):
            names |= declared(child, kinds)
    return names


def place(schema: Any, type_name: str, element: str | None) -> Any:
    (found,) = schema.findall(f"{XS}complexType[@name='{type_name}']")
    if element is not None:
        (found,) = found.findall(f".//{XS}element[@name='{element}']/{XS}complexType")
    return found


@pytest.mark.parametrize("table", sorted(ARCHIVED))
def test_the_schema_has_every_column(table: str, tmp_path: Path) -> None:
    db = open_database(tmp_path / "hub.db")
    columns = {column.name for column in db.table(table).columns}
    db.close()
    type_name, element, implied = ARCHIVED[table]
    schema = etree.parse(str(SCHEMA)).getroot()
    missing = {c for c in columns - implied if camel(c) not in declared(place(schema, type_name, element))}
    assert missing == set(), f"{table}: the archive's schema has no place for {sorted(missing)}"


@pytest.mark.parametrize("table", sorted(ARCHIVED))
def test_the_writer_writes_what_the_schema_declares(table: str) -> None:
    type_name, element, _implied = ARCHIVED[table]
    schema = etree.parse(str(SCHEMA)).getroot()
    attributes, texts = COLUMNS[table]
    node = place(schema, type_name, element)
    extra = {"file"} if table == "message_attachments" else set()  # the attachment's copy, not a column
    assert {camel(column) for column in attributes} | extra == declared(node, ("attribute",))
    nested = {"guardianOf", "version", "step", "replaced", "recipient", "attachment", "statement"}
    assert {camel(column) for column in texts} == declared(node, ("element",)) - nested


def test_every_archived_table_is_written() -> None:
    assert set(COLUMNS) == set(ARCHIVED)
