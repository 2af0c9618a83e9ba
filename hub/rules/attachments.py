"""Which files a message may carry: PDF, JPEG and PNG, told by their first bytes.

The name a person gives a file and the type their browser claims are both theirs to forge,
so neither decides: the content's signature does (`%PDF-`, the JPEG SOI marker `FF D8 FF`,
PNG's eight-byte signature). The name must then agree with the content (an image renamed
`.pdf` is refused, so nobody opens a file that is not what it says), and is made safe to
show and to send back: no folders, no control or quoting characters, at most 120
characters. Limits (bytes per file, files per message) are the site's settings.

Worked example: `../../Plan zajęć.PDF` starting with `%PDF-1.7` is kept as
`Plan zajęć.PDF`, `application/pdf`; `photo.pdf` starting with `\\x89PNG` is refused
(`attachment.name_mismatch`); `x.pdf` holding `<html>` is refused (`attachment.type`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.refusal import N_, Refusal

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
MAX_NAME = 120
_UNSAFE = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int


@dataclass(frozen=True)
class CheckedFile:
    """A file accepted for a message: its safe name and the type its content shows."""

    name: str
    content_type: str
    size: int


def sniff(data: bytes) -> str | None:
    """The content type the first bytes show, or None when it is none we take."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def safe_name(name: str) -> str:
    """The last part of an uploaded name, without characters unsafe in a header or a path."""
    last = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    clean = _UNSAFE.sub("_", last).strip(" .")
    if len(clean) > MAX_NAME:
        stem, dot, extension = clean.rpartition(".")
        clean = stem[: MAX_NAME - len(extension) - 1] + dot + extension if dot else clean[:MAX_NAME]
    return clean


def check_file(name: str, data: bytes, limits: Limits) -> CheckedFile:
    """Accept one file or refuse it with the reason."""
    shown = safe_name(name)
    if not shown:
        raise Refusal("attachment.no_name", N_("An attachment needs a file name."))
    if len(data) == 0:
        raise Refusal("attachment.empty", N_("The file %(name)s is empty."), name=shown)
    if len(data) > limits.max_bytes:
        raise Refusal(
            "attachment.too_big",
            N_("The file %(name)s is larger than %(limit)s MB."),
            name=shown,
            limit=limits.max_bytes // (1024 * 1024),
        )
    content_type = sniff(data)
    if content_type is None:
        raise Refusal(
            "attachment.type",
            N_("The file %(name)s is not a PDF, JPEG or PNG: only these are sent."),
            name=shown,
        )
    if not shown.lower().endswith(EXTENSIONS[content_type]):
        raise Refusal(
            "attachment.name_mismatch",
            N_("The file %(name)s is a %(kind)s, which its name does not say: name it %(extension)s."),
            name=shown,
            kind=content_type.split("/")[1].upper(),
            extension=EXTENSIONS[content_type][0],
        )
    return CheckedFile(shown, content_type, len(data))


def check_count(count: int, limits: Limits) -> None:
    if count > limits.max_files:
        raise Refusal(
            "attachment.too_many", N_("A message carries at most %(limit)s files."), limit=limits.max_files
        )
