"""Starting an update over the air: what `ewidencjoner readers update` and the readers page
both do.

The release is read and checked against its manifest, every reader must be registered and
hold an update key, and then the request is stored with one audit entry per reader, in one
transaction: the first reader alone (wave 1), the rest once it runs the new version healthy
(hub/store/firmware_updates.py). The running hub's ingest does the sending
(hub/ingest/updates.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from hub.refusal import N_, Refusal
from hub.services.firmware_release import MANIFEST, Release, ReleaseError, load_release
from hub.store import audit, firmware_updates, readers


@dataclass(frozen=True)
class Started:
    release: Release
    reader_ids: tuple[str, ...]
    """The first one goes alone; the rest once it runs the release healthy."""


def release_in(folder: Path) -> Release:
    """The release the hub would send, checked file by file; refused when there is none or it
    does not match its manifest."""
    folder = folder.resolve()
    if not (folder / MANIFEST).is_file():
        raise Refusal(
            "release.missing",
            N_("There is no firmware release in %(folder)s: build one with “make firmware”."),
            folder=str(folder),
        )
    try:
        return load_release(folder)
    except (ReleaseError, OSError) as exc:
        raise Refusal(
            "release.unreadable",
            N_(
                "The firmware release in %(folder)s does not match its manifest: build it again (%(reason)s)."
            ),
            folder=str(folder),
            reason=str(exc),
        ) from exc


def start_update(
    db: Database,
    release_dir: Path,
    reader_id: str | None,
    *,
    author: str,
    first: str | None = None,
    expected_version: str | None = None,
) -> Started:
    """Update `reader_id`, or every registered reader when it is None (`first` going first,
    else the first by id). `expected_version`: the version the person was shown; refused if
    the release changed since. The readers are checked before the release, which is read
    last (it is the slow part: every file's SHA-256)."""
    ids = sorted(readers.registered_ids(db)) if reader_id is None else [reader_id]
    if first:
        if first not in ids:
            raise Refusal("reader.unknown", N_("Reader %(reader)s is not registered."), reader=first)
        ids.remove(first)
        ids.insert(0, first)
    if not ids:
        raise Refusal("reader.none", N_("No readers are registered."))
    for rid in ids:
        if not readers.is_registered(db, rid):
            raise Refusal("reader.unknown", N_("Reader %(reader)s is not registered."), reader=rid)
        if firmware_updates.key_of(db, rid) is None:
            raise Refusal(
                "reader.no_update_key",
                N_("Reader %(reader)s has no update key: run “ewidencjoner reader provision” for it again."),
                reader=rid,
            )
    release = release_in(release_dir)
    if expected_version is not None and release.version != expected_version:
        raise Refusal(
            "release.changed",
            N_("The release on the hub is now version %(version)s: check it and start again."),
            version=release.version,
        )
    with db.atomic():
        firmware_updates.request(db, ids, release.version, str(release.folder), author)
        for index, rid in enumerate(ids):
            after = {
                "version": release.version,
                "release_dir": str(release.folder),
                "wave": 1 if index == 0 else 2,
            }
            audit.record(
                db, actor=author, action="reader.update", entity="reader", entity_id=rid, after=after
            )
    return Started(release, tuple(ids))
