"""Schema steps for the city link (issue 16): how far the site has sent its events."""

from __future__ import annotations

from sqlite_utils import Database


def m026_city_link(db: Database) -> None:
    """The site's events are read from its own tables in order (taps by rowid, every other
    change by the audit log's id); a cursor per feed says what the city has acknowledged,
    so a site offline for days resumes where it stopped."""
    db.table("city_link_cursors").create(
        {
            "feed": str,  # `taps` or `changes`
            "last_id": int,  # the last rowid (taps) or audit id (changes) the city acknowledged
            "sent_at": str,  # when that acknowledgement came (stored instant)
        },
        pk="feed",
        not_null={"last_id", "sent_at"},
    )
