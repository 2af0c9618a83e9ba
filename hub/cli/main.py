"""The `ewidencjoner` command's root group and where each of its commands lives.

The group imports a command's module only when that command runs (`lazy.LazyGroup`), so
`--help` and each command start with only what they use; `COMMANDS` holds each command's
module and the line `--help` lists for it. Commands that run the web server (`serve`,
`demo`) are added by `web.cli`, because the hub never imports the web package.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.lazy import LazyCommand, LazyGroup
from hub.config import ConfigError, load_settings

COMMANDS = {
    "absences": LazyCommand(
        "hub.cli.fees:absences_group",
        "Absences reported ahead (they cancel meals when reported before the cut-off).",
    ),
    "announcements": LazyCommand(
        "hub.cli.agenda:announcements_group",
        "Announcements (ogłoszenia) for everyone, a group, staff or parents.",
    ),
    "archive": LazyCommand(
        "hub.cli.archive:archive_group",
        "The yearly archive: write a closed school year as XML and PDFs, verify it, inspect it.",
    ),
    "attendance-stats": LazyCommand(
        "hub.cli.statistics:attendance_stats_command",
        "Attendance statistics of a month or a school year, per child and group (--json).",
    ),
    "backup": LazyCommand(
        "hub.cli.backups:backup_group",
        "Backups of the database and attachments, and the register of copies.",
    ),
    "broker-acl": LazyCommand(
        "hub.cli.broker:broker_acl",
        "Print Mosquitto ACLs: each reader (user name = reader id) may use only its own topics.",
    ),
    "broker-config": LazyCommand(
        "hub.cli.broker:broker_config",
        "Print a Mosquitto configuration that keeps every tap until the hub has stored it.",
    ),
    "broker-passwords": LazyCommand(
        "hub.cli.broker:broker_passwords",
        "Write Mosquitto's password file: the hub's login and every reader's, from the database.",
    ),
    "calendar": LazyCommand(
        "hub.cli.agenda:calendar_group",
        "The calendar (terminarz): events, closed days, holidays; feed links.",
    ),
    "cards": LazyCommand(
        "hub.cli.registry:cards_group",
        "Cards: assign, revoke, list, and cards seen but assigned to nobody.",
    ),
    "certs": LazyCommand("hub.cli.broker:certs_group", "The site's TLS certificates for the MQTT broker."),
    "children": LazyCommand("hub.cli.registry:children_group", "The register of children."),
    "city": LazyCommand(
        "hub.cli.city:city_group",
        "The gmina's side: all of a city's kindergartens in one view (NATS, PostgreSQL).",
    ),
    "correct": LazyCommand(
        "hub.cli.journal:correct_group",
        "Correct a child's day (always with a reason; taps are never changed).",
    ),
    "day": LazyCommand(
        "hub.cli.journal:day_command",
        "Each child's arrivals and departures on a day, with flags to resolve.",
    ),
    "desk-reader": LazyCommand(
        "hub.cli.desk:desk_reader_command",
        "Read cards at the desk into the cards page, until Ctrl-C.",
    ),
    "erase": LazyCommand(
        "hub.cli.erasure:erase_group",
        "Erase a child, a guardian or an account whose every record is past retention.",
    ),
    "export": LazyCommand("hub.cli.exports:export_group", "Export stored data."),
    "fees": LazyCommand(
        "hub.cli.fees:fees_group",
        "Fee and meal settings (each dated: a change applies from its day on).",
    ),
    "groups": LazyCommand("hub.cli.registry:groups_group", "Kindergarten groups (oddziały)."),
    "guardians": LazyCommand("hub.cli.registry:guardians_group", "Parents and legal guardians."),
    "inconsistencies": LazyCommand(
        "hub.cli.journal:inconsistencies_command",
        "The inconsistency log: missing departures, unknown-time taps, unknown cards…",
    ),
    "ledger": LazyCommand(
        "hub.cli.money:ledger_group",
        "Each child's ledger: balance, dues, payments, arrears; co-payers; money settings.",
    ),
    "messages": LazyCommand(
        "hub.cli.messages:messages_group",
        "Messages (wiadomości): inbox, threads, sending, closing a school year.",
    ),
    "months": LazyCommand(
        "hub.cli.fees:months_group",
        "Closing months: a closed month is locked; later changes become adjustments.",
    ),
    "observations": LazyCommand(
        "hub.cli.plans:observations_group",
        "The register of observations and the school-readiness information.",
    ),
    "notifications": LazyCommand(
        "hub.cli.notifications:notifications_group",
        "Notifications by e-mail and Web Push: the VAPID key, the outbox, a test mail.",
    ),
    "payments": LazyCommand(
        "hub.cli.money:payments_group",
        "Bank statements: import (MT940 or CSV), unmatched transfers, assigning them.",
    ),
    "plans": LazyCommand(
        "hub.cli.plans:plans_group",
        "The groups' monthly work plans (plany pracy) and the director's approval.",
    ),
    "presence": LazyCommand(
        "hub.cli.journal:presence_command",
        "Who is in the building now, per group (the evacuation list).",
    ),
    "purge": LazyCommand(
        "hub.cli.retention:purge_command",
        "Remove records past their retention (journal, sessions, attempts, logs); audited.",
    ),
    "quarantine": LazyCommand(
        "hub.cli.quarantine:quarantine_group", "Messages the hub rejected, kept with the reason."
    ),
    "reader": LazyCommand("hub.cli.readers:readers_group", "Register and list card readers."),
    "readers": LazyCommand("hub.cli.readers:readers_group", "Register and list card readers."),
    "report": LazyCommand(
        "hub.cli.reports:report_command",
        "Make report NAME (see the README's list) as HTML, PDF, CSV or XLSX.",
    ),
    "restore": LazyCommand(
        "hub.cli.backups:restore_command",
        "Restore BACKUP (a backup's directory) into a new data directory, after checking it.",
    ),
    "settings": LazyCommand("hub.cli.journal:settings_group", "Opening hours, debounce and closed days."),
    "staff-absences": LazyCommand(
        "hub.cli.staff_absences:staff_absences_group",
        "Staff absences: sick leave, leave, training (a teacher's term of reply runs from their return).",
    ),
    "topics": LazyCommand("hub.cli.topics:topics_group", "The day's topics of a group (zapisy dnia)."),
    "users": LazyCommand(
        "hub.cli.users:users_group", "Accounts of the web UI (log in with an e-mail address)."
    ),
    "year-end": LazyCommand(
        "hub.cli.year_end:year_end_group",
        "The end of the school year: close messages, archive, verify, back up, purge.",
    ),
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (TOML). Default: $EWIDENCJONER_CONFIG or ./ewidencjoner.toml.",
)
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), help="SQLite database file.")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, database: Path | None) -> None:
    """ewidencjoner: kindergarten attendance readers and their hub."""
    try:
        ctx.obj = load_settings(config_file).with_overrides(database=database)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
