"""The stylesheet, scripts and icons under `/static/`, cached by browsers without going stale.

A page links each file by its versioned address, `{{ static('style.css') }}` →
`/static/style.css?v=<the first 10 hex digits of its SHA-256>`: that answer may be kept a
year (`immutable`), since a changed file gets a new address. Any other request of a static
file (no `v`, or an old one) is revalidated at each use (`no-cache`), with the `ETag` and
`Last-Modified` that Starlette's `StaticFiles` sends and its 304 for an unchanged file.
`/favicon.ico`, which browsers ask for on every site, is the icon in `static/`.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/"
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
A_DAY = "public, max-age=86400"
"""`/favicon.ico` has one address for ever: kept a day, then fetched again."""


@cache
def fingerprint(name: str) -> str:
    """The file's version: read once per process (a deployment restarts the hub)."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """The versioned address of a file in `static/`, for templates (`static('style.css')`)."""
    return f"{PREFIX}{name}?v={fingerprint(name)}"


class VersionedStaticFiles(StaticFiles):
    """`StaticFiles` with the cache policy above."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        name = os.path.relpath(full_path, STATIC.resolve())
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = asked == fingerprint(name)
        response.headers["Cache-Control"] = FOREVER if current else REVALIDATE
        return response


def install_static_files(app: FastAPI) -> None:
    """`/static/` and `/favicon.ico`, open to everyone (no session needed)."""

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(
            STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": A_DAY}
        )

    app.mount(PREFIX.rstrip("/"), VersionedStaticFiles(directory=STATIC), name="static")
