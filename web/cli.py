"""The `ewidencjoner` command: the hub's data commands plus `serve` and `demo`.

The web stack (FastAPI, uvicorn, the web app), the demo's tools and the storage are imported
inside `serve` and `demo` only, so every other command starts without them
(`tests/test_cli_start.py` keeps it so; `bench/cli_start.py` times it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from hub.cli.main import cli
from hub.config import ConfigError

DEMO_DATABASE = Path("var/demo/ewidencjoner.db")


def _override(ctx: click.Context, **values: object):
    from hub.cli.context import settings_from

    try:
        return settings_from(ctx).with_overrides(**values)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


@cli.command("serve")
@click.option("--host", "web_host", help="Address the web UI listens on.")
@click.option("--port", "web_port", type=int, help="Port of the web UI.")
@click.option(
    "--broker-url",
    help="mqtt://user@host:port or mqtts://...; none starts the embedded broker. No password here: "
    "EWIDENCJONER_BROKER_PASSWORD or broker_password_file.",
)
@click.option("--site", help="Site id in MQTT topics.")
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
@click.pass_context
def serve(ctx: click.Context, verbose: bool, **options: object) -> None:
    """Run the hub: MQTT ingest, the web UI and (without --broker-url) the embedded broker."""
    from web.serve import configure_logging, run_hub

    configure_logging(verbose)
    broker_url = options.get("broker_url")
    if broker_url and urlsplit(str(broker_url)).password:
        raise click.UsageError(
            "--broker-url holds a password, which every user of this computer sees in `ps`: "
            "give it in EWIDENCJONER_BROKER_PASSWORD, or in a file named by broker_password_file"
        )
    settings = _override(ctx, **options)
    click.echo(f"ewidencjoner: web UI at http://{settings.web_host}:{settings.web_port}/")
    run_hub(settings)


@cli.command("demo")
@click.option("--port", "web_port", type=int, default=8000, show_default=True, help="Port of the web UI.")
@click.option(
    "--mqtt-port",
    "embedded_broker_port",
    type=int,
    default=1884,
    show_default=True,
    help="Port of the embedded MQTT broker.",
)
@click.option("--pace", type=float, default=2.0, show_default=True, help="Mean seconds between taps.")
@click.option(
    "--smtp-port", type=int, default=8025, show_default=True, help="Port of the demo's own mail server."
)
@click.pass_context
def demo(ctx: click.Context, web_port: int, embedded_broker_port: int, pace: float, smtp_port: int) -> None:
    """Run the hub on the embedded broker with sample children and virtual readers
    running the real firmware (MicroPython) tapping through a kindergarten day."""
    from hub.devtools.demo import (
        DEMO_READERS,
        DemoDay,
        seed_demo,
        seed_demo_accounts,
        seed_demo_messages,
        seed_demo_notifications,
        seed_demo_reader_logins,
        seed_demo_replies,
    )
    from hub.devtools.demo_mail import DemoMailServer
    from hub.store.db import open_database
    from web.serve import configure_logging, run_hub

    configure_logging(False)
    database = ctx.find_root().params.get("database") or DEMO_DATABASE
    mail = DemoMailServer(Path(database).parent, smtp_port)
    settings = _override(
        ctx, database=database, web_port=web_port, broker_url="", embedded_broker_port=embedded_broker_port,
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_ca_file=mail.certs.ca_cert,
        mail_from="dziennik@demo.invalid", public_url=f"http://127.0.0.1:{web_port}",
    )  # fmt: skip
    db = open_database(settings.database)
    today = datetime.now(settings.tz).date()
    seed_demo(db, today)
    logins = seed_demo_accounts(db, today)
    seed_demo_messages(db, settings)
    seed_demo_replies(db, settings)
    reader_logins = seed_demo_reader_logins(db)
    seed_demo_notifications(db)
    db.close()

    def start_readers() -> Callable[[], None]:
        day = DemoDay(settings, settings.database.parent / "readers", reader_logins, pace_s=pace)
        day.start()
        return day.stop

    try:
        mail.start()
    except OSError as exc:
        raise click.ClickException(f"the demo's mail server cannot listen on port {smtp_port} ({exc}): "
                                   "choose another with --smtp-port") from exc  # fmt: skip
    click.echo(
        f"\newidencjoner demo\n"
        f"  web UI:      http://{settings.web_host}:{settings.web_port}/\n"
        f"  MQTT broker: mqtt://{settings.embedded_broker_host}:{settings.embedded_broker_port} "
        f"(embedded; a login per reader, new passwords at every start)\n"
        f"  readers:     {', '.join(reader_id for reader_id, _ in DEMO_READERS)} "
        f"(the real firmware on MicroPython, simulated card reader)\n"
        f"  a real reader: ewidencjoner --database {settings.database} reader provision ID --name NAME \\\n"
        f"                   --wifi-ssid NETWORK --broker-host THIS-COMPUTER'S-IP "
        f"--broker-port {settings.embedded_broker_port}\n"
        f"                 (it makes the reader's login; the broker must listen on the LAN:\n"
        f'                 embedded_broker_host = "0.0.0.0", or TLS: README, "Production with Mosquitto")\n'
        f"  database:    {settings.database}\n"
        f"  mail:        parents' notifications at /demo/mailbox (the director sees it), in {mail.maildir}\n"
        f"               (the demo's own SMTP server on port {smtp_port}, with STARTTLS)\n"
        f"  logins (new passwords at every start):\n"
        + "".join(f"    {role:<10} {email:<26} {password}\n" for role, email, password in logins)
        + "  Stop with Ctrl+C.\n"
    )
    try:
        run_hub(settings, on_ready=start_readers, demo_mailbox=mail.maildir)
    finally:
        mail.stop()


def main() -> None:
    cli(prog_name="ewidencjoner")
