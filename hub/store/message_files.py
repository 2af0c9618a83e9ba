"""Message attachments' contents: files outside the database, named by their SHA-256.

The folder is the site's `attachments/` beside the database (`Settings.attachments_dir`),
so a backup of the database's folder takes both. A file is stored as
`<first two hex digits>/<the whole digest>`: the same file sent twice is kept once, and a
name never comes from what a person typed, so no uploaded name can reach another path.
A file is written to a temporary name and renamed into place, so a reader never sees half
of one; it is removed only when no attachment row names it any more.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_DIGEST = re.compile(r"^[0-9a-f]{64}\Z")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_of(directory: Path, sha256: str) -> Path:
    """Where the file with this digest lives (the digest checked: no path comes from outside)."""
    if not _DIGEST.match(sha256):
        raise ValueError(f"not a SHA-256 digest: {sha256!r}")
    return directory / sha256[:2] / sha256


def put(directory: Path, data: bytes) -> str:
    """Keep `data` (once) and return its digest."""
    sha256 = digest(data)
    target = path_of(directory, sha256)
    if target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256


def read(directory: Path, sha256: str) -> bytes:
    return path_of(directory, sha256).read_bytes()


def discard(directory: Path, sha256: str) -> None:
    """Remove a file no attachment names any more (the caller checked)."""
    path_of(directory, sha256).unlink(missing_ok=True)
