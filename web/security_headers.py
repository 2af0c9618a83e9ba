"""Security headers on every response: pages, API, static files, errors and report downloads.

- `Content-Security-Policy`: scripts, styles, images and connections only from this site, no
  inline script (the pages' scripts are files in `static/`; `live.html`'s words are a JSON
  data block, which is never run), no plugins, forms sent only here, and no framing; only a
  report's print view may have inline styles (`REPORT_POLICY`);
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`;
- `X-Content-Type-Options: nosniff`, so a CSV or an upload is never run as a script;
- `Referrer-Policy: same-origin`: addresses with a child's id do not leave the site;
- `Cache-Control: no-store` on everything but `/static/` and `/favicon.ico`: every page, API answer and report
  (PDF, CSV, XLSX) holds someone's data, and a shared computer's cache must not keep it;
- `Strict-Transport-Security` when the request came over HTTPS (directly or, with
  `trusted_proxies`, through a proxy that says so), so the browser never falls back to HTTP.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _policy(style_src: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = _policy("'self'")
REPORT_POLICY = _policy("'self' 'unsafe-inline'")
"""A report's print view (`/reports/<name>`), the page a browser prints, has its own `<style>`
with the page's size and orientation per report (`hub/reports/templates/report.html`), so it
may have inline styles; never inline script."""
REPORTS_PREFIX = "/reports/"
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"
"""A year: the journal's address keeps HTTPS once it has it."""
CACHEABLE = ("/static/", "/favicon.ico")
"""Files the same for everyone, with their own cache policy (`web/static_files.py`)."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                reports = scope["path"].startswith(REPORTS_PREFIX)
                headers["Content-Security-Policy"] = REPORT_POLICY if reports else CONTENT_SECURITY_POLICY
                for name, value in HEADERS.items():
                    headers[name] = value
                if not scope["path"].startswith(CACHEABLE):
                    headers["Cache-Control"] = "no-store"
                if scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)
