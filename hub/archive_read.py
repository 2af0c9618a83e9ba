"""Reading a yearly archive back with nothing but the archive: no database, no settings.

An archive (written by `hub.services.archive.write_archive`) is a directory:

    manifest.json                 the school year, the site, and every other file with its size and SHA-256
    archive.xml                   the year's records, valid against the schema below
    ewidencjoner-archive-1.xsd    a copy of the schema, so the archive explains itself
    pdf/…                         the printouts (PDF/A-2b): the year's statistics, each group's
                                  monthly grid, the work plans, the readiness information
    attachments/<SHA-256>         the year's messages' attachments, each named by its digest

`problems` proves an archive whole: every file the manifest names is there with its size
and SHA-256, no file is there that it does not name, and archive.xml is valid against the
schema published with the hub (`SCHEMA`, checked by lxml's XML Schema validator).
`ArchivedYear` reads a year's register and days from archive.xml for `archive inspect`.

This module imports nothing of the hub but the basics (checked by `lint-imports`), so an
archive can be read on any machine with the package installed, decades after its hub.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from hub.collation import sort_key
from hub.refusal import N_, Refusal

NAMESPACE = "urn:ewidencjoner:archive:1"
FORMAT = 1
SCHEMA_NAME = "ewidencjoner-archive-1.xsd"
SCHEMA = Path(__file__).parent / "archive_schema" / SCHEMA_NAME
"""The published schema of format 1 (package data)."""
MANIFEST = "manifest.json"
XML_NAME = "archive.xml"
CHUNK = 1 << 20
SHOWN_ERRORS = 5
"""Schema errors named in full; the rest are counted."""


@dataclass(frozen=True)
class ArchiveFile:
    path: str
    """Relative to the archive's directory, with `/`."""
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, checked for its shape; a refusal when it is missing or malformed."""
    unreadable = Refusal(
        "archive.manifest_unreadable",
        N_("%(path)s is no yearly archive: its manifest.json is missing or unreadable."),
        path=str(archive),
    )
    try:
        manifest = json.loads((archive / MANIFEST).read_text(encoding="utf-8"))
        files = manifest_files(manifest)
        school_year = manifest["school_year"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise unreadable from exc
    if manifest.get("format") != FORMAT:
        raise Refusal(
            "archive.format_unknown",
            N_("%(path)s is an archive of format %(format)s, which this ewidencjoner cannot read."),
            path=str(archive),
            format=manifest.get("format"),
        )
    if not isinstance(school_year, int) or XML_NAME not in {file.path for file in files}:
        raise unreadable
    return manifest


def manifest_files(manifest: dict[str, Any]) -> list[ArchiveFile]:
    """The manifest's files; a path that could leave the archive's directory is refused."""
    files = [ArchiveFile(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
    for file in files:
        parts = PurePosixPath(file.path).parts
        if not parts or PurePosixPath(file.path).is_absolute() or ".." in parts or "\\" in file.path:
            raise ValueError(f"a file outside the archive: {file.path!r}")
    return files


def problems(archive: Path) -> list[Refusal]:
    """What is wrong with the archive at `archive`: [] when every file is as the manifest
    says, nothing else is there and archive.xml is valid against the published schema."""
    try:
        manifest = read_manifest(archive)
    except Refusal as refusal:
        return [refusal]
    files = manifest_files(manifest)
    found = [problem for file in files if (problem := _file_problem(archive, file))]
    listed = {file.path for file in files} | {MANIFEST}
    found += [
        Refusal(
            "archive.file_extra",
            N_("%(file)s is in the archive but not in its manifest: added or left there by hand."),
            file=name,
        )
        for name in sorted(
            path.relative_to(archive).as_posix() for path in archive.rglob("*") if not path.is_dir()
        )
        if name not in listed
    ]
    if not found:
        found += schema_problems(archive / XML_NAME)
    return found


def _file_problem(archive: Path, file: ArchiveFile) -> Refusal | None:
    path = archive / file.path
    if not path.is_file():
        return Refusal("archive.file_missing", N_("The archive is missing %(file)s."), file=file.path)
    if path.stat().st_size != file.size or sha256_of(path) != file.sha256:
        return Refusal(
            "archive.file_changed",
            N_("%(file)s in the archive does not match its SHA-256 in the manifest: it was changed."),
            file=file.path,
        )
    return None


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _parser() -> etree.XMLParser:
    """No entities resolved, nothing fetched from the network; a whole year's document allowed."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)


def parse(path: Path) -> Any:
    """archive.xml's tree; a refusal when it is no well-formed XML."""
    try:
        return etree.parse(str(path), _parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise Refusal(
            "archive.xml_invalid", N_("%(file)s is not valid: %(problem)s"), file=path.name, problem=str(exc)
        ) from exc


def schema_problems(path: Path) -> list[Refusal]:
    """archive.xml checked against the published schema: [] when valid."""
    try:
        tree = parse(path)
    except Refusal as refusal:
        return [refusal]
    validator = schema()
    if validator.validate(tree):
        return []
    errors = list(validator.error_log)
    found = [
        Refusal(
            "archive.xml_invalid",
            N_("%(file)s is not valid: %(problem)s"),
            file=path.name,
            problem=f"line {error.line}: {error.message}",
        )
        for error in errors[:SHOWN_ERRORS]
    ]
    if len(errors) > SHOWN_ERRORS:
        found.append(
            Refusal(
                "archive.xml_invalid",
                N_("%(file)s is not valid: %(problem)s"),
                file=path.name,
                problem=f"{len(errors) - SHOWN_ERRORS} more errors",
            )
        )
    return found


# -- reading a year back ---------------------------------------------------------------


def snake(name: str) -> str:
    """`childId` → `child_id`: the journal's column names back."""
    return re.sub(r"[A-Z]", lambda match: "_" + match.group(0).lower(), name)


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


INTEGERS = frozenset({"id", "child_id", "group_id", "guardian_id", "minutes", "school_year"})
FLAGS = frozenset({"fee_exempt", "substitution", "for_parents"})


def _record(element: Any) -> dict[str, Any]:
    """An element's attributes as the journal's columns, whole numbers and yes/no as such."""
    record: dict[str, Any] = {}
    for name, text in element.attrib.items():
        column = snake(name)
        if column in INTEGERS:
            record[column] = int(text)
        elif column in FLAGS:
            record[column] = text in {"true", "1"}
        else:
            record[column] = text
    return record


class ArchivedYear:
    """A school year as its archive holds it: the register and each child's days."""

    def __init__(self, archive: Path) -> None:
        manifest = read_manifest(archive)
        root = parse(archive / XML_NAME).getroot()
        self.manifest = manifest
        self.header = _record(root)
        self.groups = [_record(e) for e in root.iterfind(f"{_q('groups')}/{_q('group')}")]
        self.guardians = [_record(e) for e in root.iterfind(f"{_q('guardians')}/{_q('guardian')}")]
        self.children = []
        for element in root.iterfind(f"{_q('children')}/{_q('child')}"):
            child = _record(element)
            child["guardians"] = [_record(e) for e in element.iterfind(_q("guardianOf"))]
            self.children.append(child)
        self.cards = [_record(e) for e in root.iterfind(f"{_q('cards')}/{_q('card')}")]
        self.days: dict[int, list[dict[str, Any]]] = {}
        for element in root.iterfind(f"{_q('attendance')}/{_q('childDays')}"):
            self.days[int(element.get("childId"))] = [_day(day) for day in element.iterfind(_q("day"))]
        self.counts = {etree.QName(section).localname: len(section) for section in root}

    def child(self, child_id: int) -> dict[str, Any]:
        for child in self.children:
            if child["id"] == child_id:
                return child
        raise Refusal("archive.child_unknown", N_("The archive holds no child with id %(id)s."), id=child_id)

    def group(self, name_or_id: str) -> dict[str, Any]:
        for group in self.groups:
            if group["name"] == name_or_id or str(group["id"]) == name_or_id:
                return group
        raise Refusal("archive.group_unknown", N_("The archive holds no group “%(name)s”."), name=name_or_id)

    def child_days(self, child_id: int, day: str | None = None) -> list[dict[str, Any]]:
        """The child's archived days (or the one `day`, YYYY-MM-DD), in day order."""
        self.child(child_id)
        return [found for found in self.days.get(child_id, []) if day is None or found["date"] == day]

    def register(self, name_or_id: str, day: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """The group's register: for each day (or the one `day`) each of its children's day, the
        children in Polish alphabetical order."""
        group = self.group(name_or_id)
        found: dict[str, list[dict[str, Any]]] = {}
        members = [child for child in self.children if child["group_id"] == group["id"]]
        for child in sorted(members, key=lambda child: sort_key(child["last_name"], child["first_name"])):
            for child_day in self.child_days(child["id"], day):
                entry = {"child_id": child["id"], "name": f"{child['last_name']} {child['first_name']}"}
                found.setdefault(child_day["date"], []).append({**entry, **child_day})
        return dict(sorted(found.items()))


def _day(element: Any) -> dict[str, Any]:
    day = _record(element)
    day["visits"] = [
        {
            kind: _record(event) if (event := visit.find(_q(kind))) is not None else None
            for kind in ("arrival", "departure")
        }
        for visit in element.iterfind(_q("visit"))
    ]
    return day
