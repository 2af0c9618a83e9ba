"""A click group that imports a command's module only when that command runs.

Importing every command's module costs a start the storage, the rules and the reports
(sqlite-utils alone is about 70 ms), which `ewidencjoner --help` and most commands never
use. A `LazyGroup` knows each of its commands by where it lives (``"hub.cli.fees:fees_group"``)
and by the one line `--help` lists for it, so listing the commands imports none of them;
`tests/test_cli_lazy.py` checks each line against the command's own help.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class LazyCommand:
    target: str
    """``"package.module:attribute"``: where the command (or group) is defined."""
    help: str
    """The command's short help as `--help` lists it (its docstring's first sentence)."""

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command), self.target
        return command


class LazyGroup(click.Group):
    def __init__(self, *args, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def add_lazy_command(self, name: str, command: LazyCommand) -> None:
        self.lazy_commands[name] = command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.commands[cmd_name] = self.lazy_commands[cmd_name].load()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As `click.Group.format_commands`, with a stand-in for each command not imported yet:
        a command holding only the table's line, shortened as click shortens help."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            if name in self.lazy_commands and name not in self.commands:
                command: click.Command | None = click.Command(name, help=self.lazy_commands[name].help)
            else:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
