"""Commands for the MQTT side: reader logins, Mosquitto's files, the site's certificates.

`reader provision ID` makes the reader's login and writes it into its `config.json`;
`reader new-login` / `reader revoke-login` are for a login that leaked; `broker-config`,
`broker-acl` and `broker-passwords` write Mosquitto's three files from the same rules and
logins the embedded broker uses; `certs init` makes the site CA and the broker's certificate.

`hub.ingest.certs` (and with it `cryptography`, 50 ms) is imported only by the commands that
use it, so that every other command starts without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from hub.cli.context import database_from, refusal_message, settings_from
from hub.ingest.mosquitto_conf import TlsListener, mosquitto_acl, mosquitto_conf
from hub.provision import reader as provisioning
from hub.refusal import Refusal
from hub.store import broker_credentials, firmware_updates, readers
from hub.store.broker_credentials import CredentialsError
from hub.wire import HUB_USER

LEAK_HINT = "If this password leaked: `ewidencjoner reader revoke-login ID`, then provision the reader again."


@click.command("provision")
@click.argument("reader_id")
@click.option("--name", help="Register the reader under this name if it is not registered yet.")
@click.option("--wifi-ssid", required=True, help="The Wi-Fi network the reader joins.")
@click.option(
    "--wifi-pass",
    envvar="READER_WIFI_PASS",
    prompt=True,
    hide_input=True,
    default="",
    help="Its password: asked if not given, or from $READER_WIFI_PASS (not here: `ps` shows it).",
)
@click.option("--broker-host", required=True, help="The broker's address as the reader sees it (an IP).")
@click.option("--broker-port", type=int, help="Default: 8883 with --tls, else 1883.")
@click.option(
    "--tls/--no-tls",
    default=False,
    help="Connect over TLS and verify the broker against the site CA (`ewidencjoner certs init`).",
)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Default: build/readers/ID.")
@click.option("--device", help="Serial port of the reader (e.g. /dev/ttyUSB0): copy with mpremote and reset.")
@click.pass_context
def provision_command(
    ctx: click.Context,
    reader_id: str,
    name: str | None,
    output: Path | None,
    device: str | None,
    tls: bool,
    broker_port: int | None,
    **options,
) -> None:
    """Make a reader's MQTT login, write its config.json and firmware bundle, and copy them
    to it with mpremote. A new login replaces the reader's old one."""
    from hub.ingest.certs import SiteCerts

    db = database_from(ctx)
    settings = settings_from(ctx)
    ca_der = SiteCerts(settings.tls_cert_file.parent).ca_der
    if tls and not ca_der.exists():
        raise click.ClickException(f"no site CA at {ca_der}: run `ewidencjoner certs init` first")
    target = output or Path("build") / "readers" / reader_id
    try:
        if not readers.is_registered(db, reader_id):
            if not name:
                raise readers.ReaderError(
                    f"reader {reader_id!r} is not registered: give --name to register it"
                )
            readers.add_reader(db, reader_id, name)
        config = provisioning.ReaderConfig(
            reader_id=reader_id,
            site=settings.site,
            broker_port=broker_port or (8883 if tls else 1883),
            mqtt_pass=broker_credentials.issue(db, reader_id),
            ca_der=ca_der if tls else None,
            ota_key=firmware_updates.issue_key(db, reader_id),
            **options,
        )
        files = provisioning.write_bundle(config, target)
        if device:
            provisioning.copy_to_device(files, device)
    except Refusal as refusal:
        raise click.ClickException(refusal_message(refusal)) from refusal
    except (readers.ReaderError, CredentialsError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Reader {reader_id}: {len(files)} files in {target} (config.json holds its passwords).")
    if device:
        click.echo(f"Copied to {device} and reset.")
    click.echo(
        f"Its MQTT login (user {reader_id}) works at once on the embedded broker; for Mosquitto run "
        f"`ewidencjoner broker-passwords -o FILE` and restart Mosquitto."
    )


@click.command("new-login")
@click.argument("reader_id")
@click.option(
    "--before-registration",
    is_flag=True,
    help="For a reader set up on its own access point: it logs in, then waits on the readers "
    "page until `readers add`.",
)
@click.pass_context
def new_login(ctx: click.Context, reader_id: str, before_registration: bool) -> None:
    """Give a reader a new MQTT password (the old one stops working) and print it once, for a
    config.json written by hand or the reader's set-up page; `reader provision` does this and
    writes the file."""
    try:
        password = broker_credentials.issue(
            database_from(ctx), reader_id, before_registration=before_registration
        )
    except CredentialsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"mqtt_user: {reader_id}\nmqtt_pass: {password}")
    click.echo(LEAK_HINT, err=True)


@click.command("revoke-login")
@click.argument("reader_id")
@click.pass_context
def revoke_login(ctx: click.Context, reader_id: str) -> None:
    """Take a reader's MQTT login away: the embedded broker refuses it within seconds (even
    while connected); for Mosquitto, rewrite its password file and restart it."""
    if not broker_credentials.revoke(database_from(ctx), reader_id):
        raise click.ClickException(f"reader {reader_id!r} has no MQTT login")
    click.echo(
        f"Reader {reader_id} can no longer log in. Mosquitto: `ewidencjoner broker-passwords -o FILE` "
        f"and restart it. Then `ewidencjoner reader provision {reader_id} ...` gives it a new login."
    )


READER_LOGIN_COMMANDS = [provision_command, new_login, revoke_login]


@click.command("broker-config")
@click.option("--port", type=int, default=1883, show_default=True, help="Port Mosquitto listens on.")
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address; 0.0.0.0 for readers on the LAN without TLS.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where Mosquitto keeps its persistent store (owned by the mosquitto user).",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File from `ewidencjoner broker-passwords`; without it, anyone may connect.",
)
@click.option(
    "--acl-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="ACL file from `ewidencjoner broker-acl`.",
)
@click.option("--tls-port", type=int, help="Add a TLS listener on all addresses (8883) for the readers.")
@click.option(
    "--certs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where `certs init` put ca.pem, server.pem, server.key (default: beside tls_cert_file).",
)
@click.pass_context
def broker_config(
    ctx: click.Context,
    port: int,
    bind: str,
    data_dir: Path,
    password_file: Path | None,
    acl_file: Path | None,
    tls_port: int | None,
    certs_dir: Path | None,
) -> None:
    """Print a Mosquitto configuration that keeps every tap until the hub has stored it."""
    tls = None
    if tls_port:
        from hub.ingest.certs import SiteCerts

        certs = SiteCerts(certs_dir or settings_from(ctx).tls_cert_file.parent)
        tls = TlsListener(tls_port, certs.ca_cert, certs.server_cert, certs.server_key)
    click.echo(
        mosquitto_conf(port, data_dir, bind=bind, password_file=password_file, acl_file=acl_file, tls=tls),
        nl=False,
    )


@click.command("broker-acl")
@click.option("--hub-user", default=HUB_USER, show_default=True, help="The hub's MQTT user name.")
@click.pass_context
def broker_acl(ctx: click.Context, hub_user: str) -> None:
    """Print Mosquitto ACLs: each reader (user name = reader id) may use only its own topics."""
    click.echo(mosquitto_acl(settings_from(ctx).site, hub_user), nl=False)


@click.command("broker-passwords")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Mosquitto's password file to write (replaced whole, owner-only).",
)
@click.pass_context
def broker_passwords(ctx: click.Context, output: Path) -> None:
    """Write Mosquitto's password file: the hub's login and every reader's, from the database.

    Run it after every `reader provision`, `new-login` or `revoke-login`, then restart
    Mosquitto. The hub's password comes from `broker_password` or its password file."""
    settings = settings_from(ctx)
    text = broker_credentials.mosquitto_password_file(database_from(ctx), settings.hub_broker_password())
    staging = output.with_name(output.name + ".tmp")
    staging.unlink(missing_ok=True)
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    staging.replace(output)
    click.echo(f"Wrote {len(text.splitlines())} logins to {output}; restart Mosquitto to use them.")


@click.group("certs")
def certs_group() -> None:
    """The site's TLS certificates for the MQTT broker."""


@certs_group.command("init")
@click.option("--dns", "dns_names", multiple=True, help="A DNS name of the broker (repeatable).")
@click.option("--ip", "ip_addresses", multiple=True, help="An IP address of the broker (repeatable).")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write them (default: the folder of tls_cert_file, `certs`).",
)
@click.pass_context
def certs_init(ctx: click.Context, dns_names: tuple[str, ...], ip_addresses: tuple[str, ...], directory):
    """Make the site CA (once) and a new certificate for the broker, signed by it.

    Run again with other names to renew the broker's certificate: the CA is kept, so the
    readers need nothing new."""
    from hub.ingest.certs import CertsError, SiteCerts, init_certs

    settings = settings_from(ctx)
    certs = SiteCerts(directory or settings.tls_cert_file.parent)
    try:
        made_ca = init_certs(certs, settings.site, list(dns_names), list(ip_addresses))
    except CertsError as exc:
        raise click.ClickException(str(exc)) from exc
    if made_ca:
        click.echo(f"New site CA: {certs.ca_cert} (readers get {certs.ca_der}); keep {certs.ca_key} secret.")
    else:
        click.echo(f"Kept the site CA in {certs.directory}.")
    click.echo(f"Broker certificate: {certs.server_cert}, key {certs.server_key}.")
