"""`ewidencjoner city panel`: the gmina officers' panel served by uvicorn. Listed in the
`city` group's table (`hub/cli/city.py`) by where it lives, imported only when it runs: the
hub's command line never imports the web."""

from __future__ import annotations

import click

from hub.cli.city_panel import postgres_option, reachable


@click.command("panel")
@postgres_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--insecure-cookies", is_flag=True,
    help="Send the session cookie over plain HTTP too (only behind a proxy on the same machine).",
)  # fmt: skip
def panel_command(postgres: str, host: str, port: int, insecure_cookies: bool) -> None:
    """Serve the gmina officers' panel over the city's PostgreSQL."""
    import uvicorn

    from hub.cli.context import refused_as_errors
    from web.city.app import create_panel_app

    with refused_as_errors(), reachable():
        app = create_panel_app(postgres, cookie_secure=not insecure_cookies)
    uvicorn.run(app, host=host, port=port)
