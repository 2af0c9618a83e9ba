"""A firmware release for updates over the air: the device bundle plus its manifest.

The manifest is text: a head line ``ewidencjoner-fw <version>``, then one line per file,
``<sha256 hex> <size> <name>``. The reader checks each file it downloads against it, and
the manifest itself against an HMAC-SHA256 under the reader's own key (`ota_key` in its
`config.json`, made at provisioning): a release signed for one reader proves nothing to
another, and nobody without the key can make a reader run their code. `main.py`,
`loader.mpy` and `fwstate.mpy` stay out of a release: they decide safe mode and rollback,
so they change only by cable (firmware/README.md, "Updates over the air").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest"
CABLE_ONLY = frozenset({"main.py", "loader.mpy", "fwstate.mpy"})
CHUNK_BYTES = 384
"""Bytes per data message: about 600 bytes of JSON with base64. A reader's heap is fragmented
(its largest free block is ~1.8 KB and the MQTT client holds a packet twice while reading
it), so messages stay small and one is in flight at a time."""

VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$")
_FW_LINE = re.compile(r'^FW = "([^"]+)"$', re.MULTILINE)


class ReleaseError(ValueError):
    """A release folder that is not complete or does not match its manifest."""


def source_version(src: Path) -> str:
    """The version the firmware sources in `src` declare (`FW` in their settings.py)."""
    found = _FW_LINE.search((src / "settings.py").read_text(encoding="utf-8"))
    if not found:
        raise ReleaseError("firmware/settings.py declares no FW version")
    return found.group(1)


def new_key() -> str:
    """A reader's update key: 32 random bytes in hex."""
    return secrets.token_hex(32)


@dataclass(frozen=True)
class Release:
    folder: Path
    version: str
    files: tuple[tuple[str, int, str], ...]
    """(name, size, sha256 hex) per file, in manifest order."""

    @property
    def manifest(self) -> str:
        lines = [f"ewidencjoner-fw {self.version}"]
        lines += [f"{sha} {size} {name}" for name, size, sha in self.files]
        return "\n".join(lines) + "\n"

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.files)

    def signature(self, key_hex: str) -> str:
        """HMAC-SHA256 of the manifest under a reader's key, in hex."""
        return hmac.new(bytes.fromhex(key_hex), self.manifest.encode(), hashlib.sha256).hexdigest()

    def chunk(self, name: str, offset: int) -> bytes | None:
        """Up to CHUNK_BYTES of file `name` from `offset`; None for a name or offset not in the release."""
        if name == MANIFEST:
            text = self.manifest.encode()
            return text[offset : offset + CHUNK_BYTES] if 0 <= offset < len(text) else None
        sizes = {n: size for n, size, _ in self.files}
        if name not in sizes or not 0 <= offset < sizes[name]:
            return None
        with (self.folder / name).open("rb") as f:
            f.seek(offset)
            return f.read(CHUNK_BYTES)


def _entries(folder: Path) -> tuple[tuple[str, int, str], ...]:
    files = sorted(p for p in folder.glob("*.mpy") if p.is_file() and p.name not in CABLE_ONLY)
    return tuple((p.name, p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)


def write_release(bundle: Path, version: str) -> Release:
    """Write the manifest of a device bundle (from `build_firmware(..., sim=False)`)."""
    if not VERSION_PATTERN.match(version):
        raise ReleaseError(f"a version is 1-32 letters, digits and . + _ -, got {version!r}")
    release = Release(bundle, version, _entries(bundle))
    if not release.files:
        raise ReleaseError(f"no .mpy modules in {bundle}")
    (bundle / MANIFEST).write_text(release.manifest, encoding="utf-8")
    return release


def load_release(folder: Path) -> Release:
    """Read a release folder and check every file against its manifest."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{folder} has no manifest it can read: build it with `make firmware`") from exc
    lines = text.splitlines()
    head = lines[0].split(" ") if lines else []
    if len(head) != 2 or head[0] != "ewidencjoner-fw" or not VERSION_PATTERN.match(head[1]):
        raise ReleaseError(f"{folder / MANIFEST} does not start with 'ewidencjoner-fw <version>'")
    listed = []
    for line in lines[1:]:
        parts = line.split(" ")
        if len(parts) != 3 or not parts[1].isdigit():
            raise ReleaseError(f"{folder / MANIFEST} has a line that is not '<sha256> <size> <name>'")
        sha, size, name = parts
        listed.append((name, int(size), sha))
    release = Release(folder, head[1], tuple(listed))
    if release.manifest != text or _entries(folder) != release.files:
        raise ReleaseError(f"the files in {folder} do not match its manifest: build it again")
    return release
