"""Schema steps for readers set up without a cable (firmware/setup_ap.py)."""

from __future__ import annotations

from sqlite_utils import Database


def m017_logins_before_registration(db: Database) -> None:
    """A reader's MQTT login may exist before the reader is registered: the installer sets the
    reader up on its own access point with a login made by `reader new-login ID
    --before-registration`, and the reader waits on the readers page until `readers add`. The
    ACL is unchanged (user name = reader id, only its own topics); the login no longer
    references `readers`, so it is rebuilt without that foreign key, keeping every row."""
    db.execute(
        "CREATE TABLE broker_credentials_new ("
        " user TEXT PRIMARY KEY,"
        " password_hash TEXT NOT NULL,"
        " issued_at TEXT NOT NULL)"
    )
    db.execute(
        "INSERT INTO broker_credentials_new (user, password_hash, issued_at)"
        " SELECT user, password_hash, issued_at FROM broker_credentials"
    )
    db.execute("DROP TABLE broker_credentials")
    db.execute("ALTER TABLE broker_credentials_new RENAME TO broker_credentials")
