"""Restoring a backup into a fresh data directory (`ewidencjoner restore`).

Nothing is written until the backup has proven whole: every file's size and SHA-256 against
its manifest, SQLite's integrity check of the database, and its schema steps all known to
this ewidencjoner (a copy from a newer version would be misread, as `migrations.migrate`
refuses a newer database). The target must be new or empty, so a restore never mixes with
or overwrites a live hub's data. The files are copied into a hidden staging directory
beside the target, hashed again as they are copied, and the staging directory takes the
target's name only when all is there.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from hub.refusal import N_, Refusal
from hub.services.backups import ATTACHMENTS, copy_hashed, manifest_files, problems_of, read_manifest
from hub.store import backups as register
from hub.store.migrations import MIGRATIONS, Migration, step_name


@dataclass(frozen=True)
class Restored:
    database: Path
    attachments: int
    """How many attachment files were restored."""
    migrations: list[str]


def restore(backup: Path, data_dir: Path, migrations: list[Migration] = MIGRATIONS) -> Restored:
    """Restore the backup at `backup` into `data_dir` (new or empty); refuse anything doubtful."""
    if not backup.is_dir():
        raise Refusal("backup.not_found", N_("There is no backup at %(path)s."), path=str(backup))
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise Refusal(
            "restore.target_not_empty",
            N_("%(path)s is not empty: restore into a new, empty data directory."),
            path=str(data_dir),
        )
    found = problems_of(backup)
    if found:
        raise found[0]
    manifest = read_manifest(backup)
    steps = register.schema_steps_of(backup / manifest["database"])
    known = {step_name(migration) for migration in migrations}
    unknown = [step for step in steps if step not in known]
    if unknown:
        raise Refusal(
            "backup.schema_too_new",
            N_("The backup comes from a newer ewidencjoner (schema steps %(steps)s): upgrade it first."),
            steps=", ".join(unknown),
        )
    staging = data_dir.parent / f".{data_dir.name}.restoring"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700, parents=True)
    try:
        for file in manifest_files(manifest):
            target = staging / file.path
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if copy_hashed(backup / file.path, target) != file.sha256:
                raise Refusal(
                    "backup.file_corrupt",
                    N_("%(file)s in the backup does not match its SHA-256: the copy is damaged."),
                    file=file.path,
                )
        if data_dir.exists():
            data_dir.rmdir()
        staging.rename(data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    attachments = sum(1 for file in manifest_files(manifest) if file.path.startswith(ATTACHMENTS + "/"))
    return Restored(data_dir / manifest["database"], attachments, steps)
