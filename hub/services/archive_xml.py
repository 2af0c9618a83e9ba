"""A school year's records as the archive's XML (`hub/archive_schema/ewidencjoner-archive-1.xsd`).

Each stored row becomes one element whose attributes are its columns in camelCase
(`child_id` → `childId`): a NULL is an attribute left out, a yes/no column `true`/`false`.
Long texts that people wrote (a topic, a plan, an observation, a message, the audit log's
before and after) are child elements, so their line breaks survive any XML tool. The days
are not stored but computed (`days.compute_range`, as the day pages compute them), so the
archive holds each enrolled day of each child with its status and its arrivals and
departures, with the instant, the site's clock and where the time came from.

XML 1.0 cannot hold most control characters; a stored text with one is refused with the
record it is in, rather than written changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from hub.archive_read import NAMESPACE
from hub.refusal import N_, Refusal
from hub.rules.attendance import DayResult, Event
from hub.timefmt import local_clock, to_db

Row = dict[str, Any]
FLAGS = frozenset({"fee_exempt", "substitution", "for_parents"})
"""Columns holding yes or no (0/1): written as xs:boolean."""
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class YearRecords:
    """What `write_archive` read for one school year; `days` by child, in day order."""

    school_year: int
    first: date
    last: date
    groups: list[Row] = field(default_factory=list)
    guardians: list[Row] = field(default_factory=list)
    children: list[Row] = field(default_factory=list)
    guardian_links: list[Row] = field(default_factory=list)
    cards: list[Row] = field(default_factory=list)
    days: dict[int, list[DayResult]] = field(default_factory=dict)
    absences: list[Row] = field(default_factory=list)
    corrections: list[Row] = field(default_factory=list)
    topics: list[Row] = field(default_factory=list)
    work_plans: list[Row] = field(default_factory=list)
    work_plan_versions: list[Row] = field(default_factory=list)
    work_plan_steps: list[Row] = field(default_factory=list)
    observations: list[Row] = field(default_factory=list)
    observation_history: list[Row] = field(default_factory=list)
    readiness: list[Row] = field(default_factory=list)
    readiness_versions: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    recipients: list[Row] = field(default_factory=list)
    attachments: list[Row] = field(default_factory=list)
    announcements: list[Row] = field(default_factory=list)
    closed_months: list[Row] = field(default_factory=list)
    statements: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)
    attachment_files: set[str] = field(default_factory=set)
    """The attachments' digests whose files are in the archive (`attachments/<SHA-256>`)."""


def camel(column: str) -> str:
    head, *rest = column.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _value(column: str, value: Any, where: str) -> str:
    if column in FLAGS:
        return "true" if value else "false"
    text = str(value)
    if NOT_XML.search(text):
        raise Refusal(
            "archive.text_not_xml",
            N_("%(record)s holds a control character that XML cannot keep; correct it and archive again."),
            record=where,
        )
    return text


def _add(parent: etree._Element, tag: str, row: Row, table: str) -> Any:
    """`row` of `table` as element `tag` under `parent`, its columns as `COLUMNS` says."""
    attributes, texts = COLUMNS[table]
    where = f"{tag} {row.get('id', '')}".strip()
    element = etree.SubElement(
        parent,
        _q(tag),
        {camel(c): _value(c, row[c], where) for c in attributes if row.get(c) is not None},
    )
    for column in texts:
        if row.get(column) is not None:
            etree.SubElement(element, _q(camel(column))).text = _value(column, row[column], where)
    return element


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _list(root: etree._Element, tag: str) -> Any:
    return etree.SubElement(root, _q(tag))


def _by(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    found: dict[Any, list[Row]] = {}
    for row in rows:
        found.setdefault(row[key], []).append(row)
    return found


def year_xml(
    records: YearRecords, *, site: str, tz: ZoneInfo, created_at: str, created_by: str, hub_version: str
) -> bytes:
    """The archive's XML document (UTF-8, with its declaration) for `records`."""
    root = etree.Element(
        _q("archive"),
        {
            "format": "1",
            "schoolYear": str(records.school_year),
            "first": records.first.isoformat(),
            "last": records.last.isoformat(),
            "site": site,
            "timeZone": tz.key,
            "createdAt": created_at,
            "createdBy": created_by,
            "hubVersion": hub_version,
        },
        nsmap={None: NAMESPACE},
    )
    _registry(root, records)
    _attendance(root, records, tz)
    section = _list(root, "absences")
    for row in records.absences:
        _add(section, "absence", row, "absences")
    section = _list(root, "corrections")
    for row in records.corrections:
        _add(section, "correction", row, "corrections")
    section = _list(root, "topics")
    for row in records.topics:
        _add(section, "topic", row, "day_topics")
    _pedagogy(root, records)
    _messages(root, records)
    section = _list(root, "closedMonths")
    statements: dict[tuple[int, int], list[Row]] = {}
    for statement in records.statements:
        statements.setdefault((statement["year"], statement["month"]), []).append(statement)
    for row in records.closed_months:
        month = _add(section, "closedMonth", row, "closed_months")
        for statement in statements.get((row["year"], row["month"]), []):
            _add(month, "statement", statement, "billed_months").text = _value(
                "billed", statement["billed"], "statement"
            )
    section = _list(root, "auditLog")
    for row in records.audit:
        _add(section, "entry", row, "audit_log")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "groups": (("id", "name", "teachers", "created_at"), ()),
    "guardians": (("id", "name", "phone", "email", "created_at"), ()),
    "children": ((
        "id", "first_name", "last_name", "group_id", "group_name", "birth_date", "active_from", "active_to",
        "fee_exempt", "notes", "created_at",
    ), ()),
    "child_guardians": (("guardian_id", "relation"), ()),
    "cards": ((
        "id", "uid", "number", "child_id", "holder", "valid_from", "assigned_at", "assigned_by", "revoked_at",
        "revoked_by", "revoke_reason",
    ), ()),
    "absences": (("id", "child_id", "day", "reported_at", "reported_by", "reason", "withdrawn_at"), ()),
    "corrections": ((
        "id", "child_id", "day", "kind", "at", "target_reader", "target_seq", "target_correction", "reason",
        "author", "created_at", "revoked_at", "revoked_by", "revoke_reason",
    ), ()),
    "day_topics": ((
        "id", "group_id", "day", "author", "substitution", "substitute_for", "created_at", "superseded_by",
    ), ("topic",)),
    "work_plans": (("id", "group_id", "month", "state", "created_at", "created_by"), ()),
    "work_plan_versions": (("id", "number", "author", "written_at"), ("text",)),
    "work_plan_steps": (
        ("id", "action", "state_before", "state_after", "version", "actor", "at"), ("remark",),
    ),
    "observations": ((
        "id", "child_id", "day", "kind", "area", "for_parents", "author", "written_at", "changed_by",
        "changed_at",
    ), ("text",)),
    "observation_history": ((
        "id", "day", "kind", "area", "for_parents", "written_by", "written_at", "replaced_by", "replaced_at",
    ), ("text",)),
    "school_readiness": ((
        "id", "child_id", "school_year", "state", "created_at", "created_by", "finalized_at", "finalized_by",
        "given_on", "given_recorded_by", "printed_at", "printed_by",
    ), ()),
    "school_readiness_versions": (("id", "number", "author", "written_at"), ("text",)),
    "messages": ((
        "id", "thread_id", "in_reply_to", "kind", "sent_at", "sender_id", "sender_login", "sender_name",
    ), ("subject", "body")),
    "message_recipients": (
        ("account_id", "login", "name", "addressed_kind", "addressed_name", "read_at"), (),
    ),
    "message_attachments": (("id", "name", "content_type", "size", "sha256"), ()),
    "announcements": ((
        "id", "audience", "group_id", "shown_from", "shown_to", "author", "created_at", "withdrawn_at",
        "withdrawn_by", "withdraw_reason",
    ), ("title", "body")),
    "closed_months": (("year", "month", "closed_at", "closed_by"), ()),
    "billed_months": (("child_id", "version", "recorded_at"), ()),
    "audit_log": (("id", "at", "actor", "action", "entity", "entity_id"), ("before", "after")),
}  # fmt: skip
"""Each archived table's columns written as attributes and as child elements (texts). A
column left out is implied by where its element sits (a version's plan is the plan it is
in), or is the archive's own (a message's school year); a statement's `billed` is its
element's text. tests/services/test_archive_schema.py holds this against the schema and
the tables."""


def _registry(root: etree._Element, records: YearRecords) -> None:
    section = _list(root, "groups")
    for row in records.groups:
        _add(section, "group", row, "groups")
    section = _list(root, "guardians")
    for row in records.guardians:
        _add(section, "guardian", row, "guardians")
    section = _list(root, "children")
    links = _by(records.guardian_links, "child_id")
    for row in records.children:
        child = _add(section, "child", row, "children")
        for link in links.get(row["id"], []):
            _add(child, "guardianOf", link, "child_guardians")
    section = _list(root, "cards")
    for row in records.cards:
        _add(section, "card", row, "cards")


def _attendance(root: etree._Element, records: YearRecords, tz: ZoneInfo) -> None:
    section = _list(root, "attendance")
    for child_id, results in records.days.items():
        child = etree.SubElement(section, _q("childDays"), {"childId": str(child_id)})
        for result in results:
            day = etree.SubElement(
                child, _q("day"), {"date": result.day.isoformat(), "status": result.status}
            )
            if result.day_off:
                day.set("dayOff", result.day_off)
            if result.mark:
                day.set("mark", result.mark)
            if result.minutes is not None:
                day.set("minutes", str(result.minutes))
            for visit in result.visits:
                element = etree.SubElement(day, _q("visit"))
                for event in (visit.arrival, visit.departure):
                    if event is not None:
                        _event(element, event, tz)


def _event(parent: etree._Element, event: Event, tz: ZoneInfo) -> None:
    element = etree.SubElement(
        parent,
        _q(event.kind),
        {"at": to_db(event.at), "clock": local_clock(event.at, tz), "source": event.source},
    )
    extra = {
        "tap": str(event.tap) if event.tap else None,
        "cardNumber": event.card_number,
        "cardHolder": event.card_holder,
        "correction": event.added_by or event.moved_by,
    }
    for name, value in extra.items():
        if value is not None:
            element.set(name, _value(name, value, f"day {parent.getparent().get('date')}"))


def _pedagogy(root: etree._Element, records: YearRecords) -> None:
    section = _list(root, "workPlans")
    versions, steps = _by(records.work_plan_versions, "plan_id"), _by(records.work_plan_steps, "plan_id")
    for row in records.work_plans:
        plan = _add(section, "workPlan", row, "work_plans")
        for version in versions.get(row["id"], []):
            _add(plan, "version", version, "work_plan_versions")
        for step in steps.get(row["id"], []):
            _add(plan, "step", step, "work_plan_steps")
    section = _list(root, "observations")
    history = _by(records.observation_history, "observation_id")
    for row in records.observations:
        observation = _add(section, "observation", row, "observations")
        for earlier in history.get(row["id"], []):
            _add(observation, "replaced", earlier, "observation_history")
    section = _list(root, "readiness")
    texts = _by(records.readiness_versions, "readiness_id")
    for row in records.readiness:
        information = _add(section, "information", row, "school_readiness")
        for version in texts.get(row["id"], []):
            _add(information, "version", version, "school_readiness_versions")


def _messages(root: etree._Element, records: YearRecords) -> None:
    section = _list(root, "messages")
    recipients, attachments = _by(records.recipients, "message_id"), _by(records.attachments, "message_id")
    for row in records.messages:
        message = _add(section, "message", row, "messages")
        for recipient in recipients.get(row["id"], []):
            _add(message, "recipient", recipient, "message_recipients")
        for attachment in attachments.get(row["id"], []):
            element = _add(message, "attachment", attachment, "message_attachments")
            if attachment["sha256"] in records.attachment_files:
                element.set("file", f"attachments/{attachment['sha256']}")
    section = _list(root, "announcements")
    for row in records.announcements:
        _add(section, "announcement", row, "announcements")
