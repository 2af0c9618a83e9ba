"""Reads of a child's personal data by staff and inspectors, recorded as they happen.

RODO wants access to personal data accountable: the director (and a guardian who asks) can
see who opened a child's record and when (`/audit`, `hub/store/personal_data_reads.py`).
A parent opening their own child's data is not recorded: it is their own.
"""

from __future__ import annotations

from fastapi import Request
from sqlite_utils import Database

from hub.store import personal_data_reads
from web.auth import signed_in
from web.i18n import N_

RECORDED_ROLES = frozenset({"admin", "director", "teacher", "secretary", "inspector"})
READ_VIEWS = {
    "child.page": N_("the child's page"),
    "registry.child": N_("the child's record in the register"),
    "api.child": N_("the child's record through the API"),
}
"""Where a read can happen, as the audit page names it."""


def note_read(request: Request, db: Database, child_id: int, view: str) -> None:
    """Record that the signed-in account opened child `child_id`'s data in `view`."""
    if view not in READ_VIEWS:
        raise ValueError(f"unknown view {view!r}")
    user = signed_in(request)
    if user.role in RECORDED_ROLES:
        personal_data_reads.record(db, actor=user.login, child_id=child_id, view=view)
