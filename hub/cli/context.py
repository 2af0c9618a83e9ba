"""What every `ewidencjoner` command shares: the settings, the database, errors, JSON output,
the date type and the `--author` and `--json` options."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import click
from sqlite_utils import Database

from hub.config import Settings
from hub.refusal import Refusal
from hub.store.db import open_database
from hub.store.registry import RegistryError


def settings_from(ctx: click.Context) -> Settings:
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def database_from(ctx: click.Context) -> Database:
    """The database, opened once per command and closed when the command ends."""
    root = ctx.find_root()
    db = root.meta.get("ewidencjoner.db")
    if db is None:
        db = open_database(settings_from(ctx).database)
        root.meta["ewidencjoner.db"] = db
        root.call_on_close(db.close)
    return db


@contextmanager
def refused_as_errors() -> Iterator[None]:
    """A refused change ends the command with its reason and exit code 1."""
    try:
        yield
    except (RegistryError, Refusal) as exc:
        raise click.ClickException(str(exc)) from exc


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


DATE = click.DateTime(["%Y-%m-%d"])


def author_option(function):
    return click.option(
        "--author",
        default=lambda: f"cli:{getpass.getuser()}",
        help="Who makes the change (default: cli:<user>).",
    )(function)


def json_option(function):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(function)


def _today(ctx: click.Context) -> date:
    return datetime.now(settings_from(ctx).tz).date()
