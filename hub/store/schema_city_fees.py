"""Schema steps for the gmina's fee resolution on the site (issue 16)."""

from __future__ import annotations

from sqlite_utils import Database


def m030_city_fee_resolutions(db: Database) -> None:
    """The gmina's fee resolution as the site received it, one per date it applies from: a
    resolution set again for the same date replaces it (`revision` says which came later).
    Billing reads these under the kindergarten's own settings (`hub.store.fee_settings`)."""
    db.table("city_fee_resolutions").create(
        {
            "valid_from": str,  # the day the resolution applies from (ISO date)
            "basis": str,  # the uchwała, e.g. "Uchwała nr XII/85/2026 Rady Miasta"
            "document": str,  # its dated entries, every field written out (hub/store/fee_document.py)
            "resolution_id": int,  # its number in the city's fee_resolutions
            "revision": int,  # the city's revision of it (NATS key-value), only ever higher
            "set_at": str,  # when the city set it (as the city wrote it)
            "received_at": str,  # when this site stored it (stored instant)
        },
        pk="valid_from",
        not_null={"basis", "document", "resolution_id", "revision", "set_at", "received_at"},
    )
