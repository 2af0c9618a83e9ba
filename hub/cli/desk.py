"""`ewidencjoner desk-reader`: the MFRC522 on the hub's Raspberry Pi feeds the cards page."""

from __future__ import annotations

import click

from hub.cli.context import settings_from
from hub.ingest import desk_reader


@click.command("desk-reader")
@click.option("--bus", type=int, default=0, show_default=True, help="SPI bus (/dev/spidevBUS.DEVICE).")
@click.option("--device", type=int, default=0, show_default=True, help="SPI chip select.")
@click.option(
    "--reset-pin", type=int, default=22, show_default=True, help="Board pin number of the chip's RST."
)
@click.pass_context
def desk_reader_command(ctx: click.Context, bus: int, device: int, reset_pin: int) -> None:
    """Read cards at the desk into the cards page, until Ctrl-C.

    Each card touched to the reader appears on the cards page ("card … read at the desk")
    with its form filled in."""
    database = settings_from(ctx).database
    try:
        chip = desk_reader.open_chip(bus, device, reset_pin)
    except (ImportError, RuntimeError, OSError) as exc:
        raise click.ClickException(
            f"cannot open the MFRC522 on SPI {bus}.{device}: {exc} "
            "(on the Raspberry Pi: enable SPI, pip install 'ewidencjoner[desk]')"
        ) from exc
    click.echo(f"Desk reader on SPI {bus}.{device}; touch a card to it (Ctrl-C ends).")
    try:
        desk_reader.run(
            database,
            desk_reader.CardReader(chip),
            on_read=lambda read: click.echo(f"card {read.uid} read at the desk"),
        )
    except KeyboardInterrupt:
        pass
    finally:
        chip.Close_MFRC522()
