"""What every `ewidencjoner` command shares: the settings, the database, errors, JSON output,
the date type and the `--author` and `--json` options."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import click
from sqlite_utils import Database

from hub.config import Settings
from hub.i18n import language, language_from_environment, refusal_text
from hub.refusal import Refusal
from hub.store.db import open_database


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
    except Refusal as refusal:
        raise click.ClickException(refusal_message(refusal)) from refusal


def refusal_message(refusal: Refusal) -> str:
    """The refusal in the command line's language: Polish where LC_ALL, LC_MESSAGES or LANG
    names Polish, else English (`hub.i18n.language_from_environment`). The catalogues are
    read only now, so a command that refuses nothing never loads them."""
    with language(language_from_environment(os.environ)):
        return refusal_text(refusal)


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


def or_dash(value: object) -> str:
    """A value for a text line, a dash for none."""
    return "-" if value is None else str(value)
