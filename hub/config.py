"""Hub settings: defaults, then an `ewidencjoner.toml` file, then `EWIDENCJONER_*` variables.

Later sources win. The file is the one given with `--config`, else the one named by
`EWIDENCJONER_CONFIG`, else `./ewidencjoner.toml` when it exists. Every setting has the
same name in the file (lower case) and in the environment (upper case, prefixed).
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.wire import HUB_USER

ENV_PREFIX = "EWIDENCJONER_"
DEFAULT_CONFIG_FILE = Path("ewidencjoner.toml")
CITY_ENVIRONMENT = frozenset({"EWIDENCJONER_CITY_NATS", "EWIDENCJONER_CITY_POSTGRES"})
"""Read by the city's commands (`ewidencjoner city …`, hub/cli/city.py), not a site's
settings: a city machine's unit sets them, and the hub's settings let them be."""
SITE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")
BACKUP_AT_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z")


class ConfigError(ValueError):
    """A setting is missing, malformed or contradicts another one."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where an MQTT broker listens, how to log in to it, and whether over TLS."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse `mqtt://user:password@host:port` or `mqtts://...` (TLS; user, password and port
        optional: 1883, 8883 with TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ConfigError(
                f"broker_url must look like mqtt://user@host:port or mqtts://user@host:port, got {url!r}"
            )
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError as exc:
            raise ConfigError(f"broker_url has a bad port: {url!r}") from exc
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )


@dataclass(frozen=True)
class Settings:
    """Everything the hub needs to run; see the README's configuration table."""

    database: Path = Path("ewidencjoner.db")
    broker_url: str = ""
    """Empty means: start the embedded broker inside the hub."""
    embedded_broker_host: str = "127.0.0.1"
    embedded_broker_port: int = 1883
    embedded_broker_anonymous: bool = False
    """Let anyone connect to the embedded broker without a login (logged loudly): for a
    test bench only, never with children's data."""
    embedded_broker_tls_host: str = "0.0.0.0"
    embedded_broker_tls_port: int = 0
    """The embedded broker's TLS listener for readers (8883); 0 = none."""
    tls_cert_file: Path = Path("certs/server.pem")
    """The broker's certificate and key, from `ewidencjoner certs init`."""
    tls_key_file: Path = Path("certs/server.key")
    broker_ca_file: Path | None = None
    """The CA that signed an `mqtts://` broker's certificate (default: the system's CAs)."""
    broker_password: str = ""
    """The hub's MQTT password for `broker_url` (better: EWIDENCJONER_BROKER_PASSWORD or
    `broker_password_file`; never on the command line, where `ps` shows it)."""
    broker_password_file: Path | None = None
    """File with the hub's MQTT password; default: beside the database, made at first use."""
    site: str = "przedszkole"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    timezone: str = "Europe/Warsaw"
    client_id: str = ""
    """The hub's MQTT client id; stable so the broker keeps its session. Empty: `hub-<site>`."""
    quarantine_retention_days: int = 90
    """Quarantine entries resolved, or last seen, longer ago are purged (open conflicts stay)."""
    journal_retention_years: int = 5
    """The journal (taps, corrections, absences, topics, the audit log) is kept this many
    years after the year its school year was closed (JRWA B5: 5 at least); `ewidencjoner
    purge` removes older school years."""
    session_retention_days: int = 90
    """Ended sessions older than this are purged."""
    security_log_retention_days: int = 365
    """Login and kiosk PIN attempts and refused actions older than this are purged."""
    data_read_retention_days: int = 730
    """The log of who opened a child's personal data keeps this many days."""
    city_servers: str = ""
    """The city's NATS cluster (comma-separated `nats://host:4222` or `tls://…` URLs) this
    kindergarten sends its taps and changes to (`hub/city/site_link.py`); empty: no city."""
    cookie_secure: bool = True
    """Session cookies only over HTTPS (browsers count http://127.0.0.1 and localhost as
    secure); false only for plain HTTP on a trusted network, which exposes the session."""
    firmware_release_dir: Path = Path("build/firmware")
    """The firmware release the readers page offers (what `make firmware` builds); relative
    to the hub's working folder. `readers update --release` may name another."""
    backup_dir: Path | None = None
    """Where backups are written (an external disk, a mounted share): it must exist. None: no
    backups by schedule, and `backup run` needs `--to`."""
    backup_at: str = ""
    """The local time of day (HH:MM) the running hub makes a backup into `backup_dir`;
    empty: none by schedule (a systemd timer may run `ewidencjoner backup run` instead)."""
    backup_keep: int = 7
    """How many backups in `backup_dir` are kept; older ones are removed, and recorded."""
    archive_dir: Path | None = None
    """Where the end-of-year routine writes the yearly archive and its backup: it must exist.
    None: the folder `archiwum/` in `backup_dir` (never `backup_dir` itself, whose kept
    count would remove the yearly backup)."""
    trusted_proxies: str = ""
    """Addresses or networks (comma-separated, e.g. `127.0.0.1` for Caddy on the same machine)
    whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; empty: nobody's, every
    request's address is the peer's own."""
    smtp_host: str = ""
    """The SMTP server notifications are mailed through; empty: no e-mail is sent (queued
    mail waits until one is set)."""
    smtp_port: int = 587
    smtp_starttls: bool = True
    """Refuse to send unless the server offers STARTTLS (and its certificate verifies)."""
    smtp_user: str = ""
    smtp_password: str = ""
    """Better: EWIDENCJONER_SMTP_PASSWORD or `smtp_password_file`; never in a file in the repo."""
    smtp_password_file: Path | None = None
    smtp_ca_file: Path | None = None
    """The CA that signed the SMTP server's certificate (default: the system's CAs)."""
    mail_from: str = ""
    """The sender address of notification mail (e.g. `dziennik@przedszkole.example`)."""
    public_url: str = ""
    """The journal's address as parents reach it (`https://dziennik.przedszkole.example`):
    the links in notifications."""
    mail_child_data: bool = False
    """Put the child's name and the event in notification mail; false: the mail says only
    that something new is waiting, with a link."""
    vapid_key_file: Path | None = None
    """The Web Push (VAPID) key; default: beside the database, made at first use (0600)."""
    push_allow_local_endpoints: bool = False
    """Accept Web Push endpoints over plain HTTP or at local addresses: for tests and the
    demo only (a subscription could otherwise make the hub post to the internal network)."""

    message_attachment_max_mb: int = 10
    """The largest file a message may carry, in MB (PDF, JPEG or PNG)."""
    message_attachment_max_files: int = 5
    """How many files one message may carry."""

    def __post_init__(self) -> None:
        if not SITE_ID_PATTERN.match(self.site):
            raise ConfigError(f"site must be 1-32 letters, digits, '-' or '_', got {self.site!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"unknown time zone {self.timezone!r}") from exc
        if self.broker_url:
            BrokerAddress.parse(self.broker_url)
        if self.public_url and urlsplit(self.public_url).scheme not in ("http", "https"):
            raise ConfigError(f"public_url must start with https:// or http://, got {self.public_url!r}")
        if not 1 <= self.quarantine_retention_days <= 3650:
            raise ConfigError(
                f"quarantine_retention_days must be between 1 and 3650, got {self.quarantine_retention_days}"
            )
        if not 1 <= self.message_attachment_max_mb <= 100:
            raise ConfigError(
                f"message_attachment_max_mb must be between 1 and 100, got {self.message_attachment_max_mb}"
            )
        files = self.message_attachment_max_files
        if not 0 <= files <= 20:
            raise ConfigError(f"message_attachment_max_files must be between 0 and 20, got {files}")
        if not 5 <= self.journal_retention_years <= 50:
            years = self.journal_retention_years
            raise ConfigError(f"journal_retention_years must be between 5 (JRWA B5) and 50, got {years}")
        for name in ("session_retention_days", "security_log_retention_days", "data_read_retention_days"):
            if not 1 <= getattr(self, name) <= 3650:
                raise ConfigError(f"{name} must be between 1 and 3650, got {getattr(self, name)}")
        if self.backup_at and not BACKUP_AT_PATTERN.match(self.backup_at):
            raise ConfigError(f"backup_at must be a time of day as HH:MM, got {self.backup_at!r}")
        if not 1 <= self.backup_keep <= 1000:
            raise ConfigError(f"backup_keep must be between 1 and 1000, got {self.backup_keep}")
        for url in self.city_server_list:
            if not re.match(r"^(nats|tls)://[^\s/]+\Z", url):
                raise ConfigError(f"city_servers must be nats:// or tls:// URLs, got {url!r}")
        for name in ("web_port", "embedded_broker_port", "embedded_broker_tls_port", "smtp_port"):
            port = getattr(self, name)
            if not 0 < port < 65536 and not (name == "embedded_broker_tls_port" and port == 0):
                raise ConfigError(f"{name} must be between 1 and 65535, got {port}")

    @property
    def city_server_list(self) -> list[str]:
        return [url.strip() for url in self.city_servers.split(",") if url.strip()]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def broker(self) -> BrokerAddress:
        """The broker the hub connects to: the configured one or the embedded one."""
        if self.broker_url:
            return BrokerAddress.parse(self.broker_url)
        return BrokerAddress(self.embedded_broker_host, self.embedded_broker_port)

    @property
    def attachments_dir(self) -> Path:
        """Where message attachments are kept: `attachments/` beside the database (back both up)."""
        return self.database.with_name("attachments")

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.broker_url

    @property
    def hub_password_file(self) -> Path:
        return self.broker_password_file or self.database.with_name(self.database.name + ".hub-mqtt-password")

    def hub_broker_password(self) -> str:
        """The hub's MQTT password: `broker_password` if set, else the password file's (made,
        owner-only, at first use; `broker-passwords` puts the same one into Mosquitto's file)."""
        return self.broker_password or hub_password(self.hub_password_file)

    def broker_login(self) -> tuple[str, str] | None:
        """The user name and password the hub logs in with, None for an anonymous broker."""
        broker = self.broker
        if self.uses_embedded_broker:
            return None if self.embedded_broker_anonymous else (HUB_USER, self.hub_broker_password())
        if not broker.username:
            return None
        return broker.username, broker.password or self.hub_broker_password()

    @property
    def vapid_key_path(self) -> Path:
        return self.vapid_key_file or self.database.with_name(self.database.name + ".vapid.pem")

    def smtp_login_password(self) -> str:
        """The SMTP password: `smtp_password` if set, else the file's (never made for you)."""
        if self.smtp_password or not self.smtp_password_file:
            return self.smtp_password
        return _read_secret(self.smtp_password_file)

    @property
    def mqtt_client_id(self) -> str:
        return self.client_id or f"hub-{self.site}"

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given settings replaced (None values are ignored)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **_coerce(given))


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from defaults, the config file and the environment, in that order."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, object] = {}
    path = config_file or _path_from_env(environ)
    if path is not None:
        values.update(_read_file(path, must_exist=True))
    elif DEFAULT_CONFIG_FILE.exists():
        values.update(_read_file(DEFAULT_CONFIG_FILE, must_exist=False))
    known = {field.name for field in fields(Settings)}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG" and key not in CITY_ENVIRONMENT:
            name = key.removeprefix(ENV_PREFIX).lower()
            if name not in known:
                raise ConfigError(f"unknown setting in the environment: {key}")
            values[name] = value
    return Settings(**_coerce(values))


def _path_from_env(environ: dict[str, str]) -> Path | None:
    value = environ.get(ENV_PREFIX + "CONFIG")
    return Path(value) if value else None


def _read_file(path: Path, *, must_exist: bool) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        if must_exist:
            raise ConfigError(f"config file not found: {path}") from exc
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    known = {field.name for field in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown settings in {path}: {', '.join(unknown)}")
    return data


def _coerce(values: dict[str, object]) -> dict[str, Any]:
    """Turn strings from the environment or the file into each field's type (`Any`: each value
    has its own field's type, checked here at run time)."""
    types = {field.name: field.type for field in fields(Settings)}
    result: dict[str, Any] = {}
    for name, value in values.items():
        kind = types[name]
        if isinstance(value, list | dict):  # TOML arrays and tables: never a setting's value
            raise ConfigError(f"setting {name} must be one value, got {value!r}")
        try:
            if kind == "int":
                result[name] = _whole_number(name, value)
            elif kind == "bool":
                result[name] = _flag(name, value)
            elif kind == "Path":
                result[name] = Path(str(value))
            elif kind == "Path | None":
                result[name] = Path(str(value)) if value else None
            else:
                result[name] = str(value)
        except ConfigError:
            raise
        except ValueError as exc:
            raise ConfigError(f"setting {name} must be a whole number, got {value!r}") from exc
    return result


def _whole_number(name: str, value: object) -> int:
    """The environment gives text, TOML a number: `true` or `1.5` is no whole number."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"setting {name} must be a whole number, got {value!r}")
    return int(value)


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1", "on"}:
        return True
    if text in {"false", "no", "0", "off"}:
        return False
    raise ConfigError(f"setting {name} must be true or false, got {value!r}")


def hub_password(path: Path) -> str:
    """The hub's MQTT password from `path`, made (owner-only file) if the file is missing."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return _read_secret(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _read_secret(path: Path) -> str:
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ConfigError(f"the password file {path} is empty")
    return secret
