"""MQTT logins: each reader's password hash in the database, the hub's password in a file.

Every password is made here, never chosen by a person: 24 random bytes (`secrets`), so a
stolen hash cannot be guessed back however fast the hash is. The hash is Mosquitto's own
`$7$` format (PBKDF2-SHA512, as `mosquitto_passwd` writes it), so one table feeds both
brokers: the embedded one checks it directly, and `ewidencjoner broker-passwords` writes
Mosquitto's password file from it.

A reader's password exists in clear only in its `config.json` (written by
`ewidencjoner reader provision`) and on its flash. The hub's own password is kept in a file
readable by its owner only (by default beside the database), made at first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from sqlite_utils import Database

from hub.timefmt import to_db, utc_now
from hub.wire import HUB_USER, READER_ID_PATTERN

PBKDF2_ITERATIONS = 101
"""`mosquitto_passwd`'s default. Enough for random 192-bit passwords, which no number of
iterations would make weaker or stronger against guessing."""
SALT_BYTES = 12


class CredentialsError(ValueError):
    """A login cannot be issued (unknown or reserved user name)."""


def new_password() -> str:
    return secrets.token_urlsafe(24)


def mosquitto_hash(password: str, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """`$7$iterations$salt$hash` (base64), the line Mosquitto 2 reads from its password file."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, stored: str) -> bool:
    """True when `password` matches a `$7$` hash; False for anything malformed."""
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.pbkdf2_hmac(
            "sha512", password.encode(), base64.b64decode(salt, validate=True), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def issue(db: Database, reader_id: str, *, before_registration: bool = False) -> str:
    """Make a new password for a reader (replacing any old one) and return it in clear.

    The old password stops working at the embedded broker within seconds and at Mosquitto
    once its password file is rewritten (`broker-passwords`) and Mosquitto restarted.
    `before_registration`: for a reader set up without a cable, which logs in and waits on
    the readers page to be registered (its ACL is the same: only its own topics)."""
    if not READER_ID_PATTERN.match(reader_id) or reader_id == HUB_USER:
        raise CredentialsError(f"{reader_id!r} cannot be a reader's MQTT user name")
    registered = db.execute("SELECT 1 FROM readers WHERE id = ?", [reader_id]).fetchone() is not None
    if not registered and not before_registration:
        raise CredentialsError(f"reader {reader_id!r} is not registered")
    password = new_password()
    with db.conn:
        db.execute(
            "INSERT INTO broker_credentials (user, password_hash, issued_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user) DO UPDATE SET"
            " password_hash = excluded.password_hash, issued_at = excluded.issued_at",
            [reader_id, mosquitto_hash(password), to_db(utc_now())],
        )
    return password


def revoke(db: Database, reader_id: str) -> bool:
    """Remove a reader's login; False when it had none."""
    with db.conn:
        cursor = db.execute("DELETE FROM broker_credentials WHERE user = ?", [reader_id])
    return cursor.rowcount > 0


def reader_hashes(db: Database) -> dict[str, str]:
    """Reader id → `$7$` hash of every reader that has a login."""
    return dict(db.execute("SELECT user, password_hash FROM broker_credentials ORDER BY user").fetchall())


def mosquitto_password_file(db: Database, hub_secret: str) -> str:
    """Mosquitto's password file: the hub and every reader with a login."""
    lines = [f"{HUB_USER}:{mosquitto_hash(hub_secret)}"]
    lines += [f"{user}:{stored}" for user, stored in reader_hashes(db).items()]
    return "\n".join(lines) + "\n"
