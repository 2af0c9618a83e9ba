"""The web's side of translation: each request's language, and the templates' gettext.

The catalogues, the language context variable and `_()`/`ngettext()` live in `hub.i18n`,
shared with the command line; they are re-exported here for the web's modules.

Each request picks its language once (`lang` cookie, else Accept-Language, else Polish)
and activates it in a context variable (`LanguageMiddleware`): concurrent requests never
see each other's language, and `_()` means the same thing in a template and in route code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from jinja2 import Environment
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    _,
    current_language,
    gettext,
    language,
    ngettext,
    refusal_text,
)
from hub.rules.fees import format_pln

__all__ = [
    "COOKIE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "LanguageMiddleware",
    "_",
    "choose_language",
    "current_language",
    "gettext",
    "install",
    "language",
    "long_date",
    "money",
    "ngettext",
    "refusal_text",
]

COOKIE = "lang"


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The `lang` cookie if it names a language we have, else the browser's best, else Polish."""
    if cookie in LANGUAGES:
        return cookie
    for tag in _by_preference(accept_language or ""):
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def _by_preference(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first; `q=0` means "not this one"."""
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]


class LanguageMiddleware:
    """Activates the request's language for everything that handles it, error pages included.

    The page then depends on the cookie and Accept-Language, so responses say so in `Vary`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        chosen = choose_language(connection.cookies.get(COOKIE), connection.headers.get("accept-language"))

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).add_vary_header("Accept-Language, Cookie")
            await send(message)

        with language(chosen):
            await self.app(scope, receive, send_with_vary)


def long_date(day: date) -> str:
    """`2 listopada 2026` / `November 2, 2026`."""
    return format_date(day, format="long", locale=current_language())


def _as_date(day: date | str | None) -> date | None:
    return date.fromisoformat(day[:10]) if isinstance(day, str) and day else day or None


def short_date(day: date | str | None) -> str:
    """`5.12.2026` in Polish, `Dec 5, 2026` in English (an ISO `2026-12-05` is read too)."""
    found = _as_date(day)
    if found is None:
        return "—"
    return format_date(
        found, format="short" if current_language() == "pl" else "medium", locale=current_language()
    )


def month_name(day: date | str | None) -> str:
    """`grudzień 2026` / `December 2026`: the month a day (or `2026-12`) falls in."""
    if isinstance(day, str) and len(day) == 7:
        day = f"{day}-01"
    found = _as_date(day)
    return "—" if found is None else format_date(found, format="LLLL y", locale=current_language())


def moment(local: datetime) -> str:
    """A local date and time: `5.12.2026 07:42` / `Dec 5, 2026 07:42`."""
    return f"{short_date(local.date())} {local:%H:%M}"


def money(amount: Decimal) -> str:
    """`1 234,56 zł` in Polish (decimal comma), `1,234.56 zł` in English: the złoty either way."""
    return format_pln(amount, locale=current_language())


def install(env: Environment) -> None:
    """Give templates `_()`, `ngettext()`, `{% trans %}`, the language's formats and the
    `refusal` filter (a hub's refusal in the reader's language).

    New-style gettext: `_("Hello %(name)s", name=n)` formats after translating, and a literal
    percent sign in a template's message is written `%%`.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["long_date"] = long_date
    env.filters["money"] = money
    env.filters["refusal"] = refusal_text
    env.filters["short_date"] = short_date
    env.filters["month_name"] = month_name
