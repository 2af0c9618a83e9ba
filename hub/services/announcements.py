"""Publishing an announcement and telling the people it is addressed to.

The announcement and its notifications (kind `announcement`, to those who chose it) are
stored in one transaction: the outbox never names an announcement that was refused, and
a published one is never left untold. The author is not told of their own announcement.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.services.notifications import notify
from hub.store import announcements


def publish(
    db: Database,
    *,
    title: str,
    body: str,
    audience: str,
    group_id: int | None,
    shown_from: date,
    shown_to: date,
    author: str,
    today: date,
    author_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Publish (refused with the reason if a field is wrong) and queue the notifications."""
    with db.atomic():
        created = announcements.publish(
            db, title=title, body=body, audience=audience, group_id=group_id, shown_from=shown_from,
            shown_to=shown_to, author=author, now=now,
        )  # fmt: skip
        told = [
            account
            for account in announcements.audience_accounts(db, created["id"], today=today)
            if account != author_id
        ]
        notify(db, told, "announcement", "/announcements", summary=created["title"], now=now)
    return created
