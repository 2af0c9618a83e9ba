"""Translations: Polish by default, English available, from gettext catalogues read with Babel.

Message ids are English (gettext's convention, and what plural forms assume); each language
has `locale/<lang>/LC_MESSAGES/messages.po`, and both must be complete
(`tests/test_i18n.py` extracts every message id from the code and templates and checks).
The `.po` files are compiled in memory at import, so a fresh clone needs no build step.

Each request picks its language once (`lang` cookie, else Accept-Language, else Polish)
and activates it in a context variable (`LanguageMiddleware`): concurrent requests never
see each other's language, and `_()` means the same thing in a template and in route code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.rules.fees import format_pln

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "pl"
LANGUAGES = {"pl": "Polski", "en": "English"}
"""Each language by its own name, as the language switch shows it; the default first."""
COOKIE = "lang"


def _read_catalogue(language: str) -> Translations:
    """The language's `.po`, compiled in memory (fuzzy entries are left out, as msgfmt does)."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


_CATALOGUES = {language: _read_catalogue(language) for language in LANGUAGES}
_active: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    return _active.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Translate in `code` within the block (in the current task and what it starts)."""
    token = _active.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _active.reset(token)


def gettext(message: str) -> str:
    return _CATALOGUES[_active.get()].gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` by the language's plural rule (Polish has three)."""
    return _CATALOGUES[_active.get()].ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message id for extraction where it is defined; translate it where it is shown."""
    return message


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
    return format_date(day, format="long", locale=_active.get())


def _as_date(day: date | str | None) -> date | None:
    return date.fromisoformat(day[:10]) if isinstance(day, str) and day else day or None


def short_date(day: date | str | None) -> str:
    """`5.12.2026` in Polish, `Dec 5, 2026` in English (an ISO `2026-12-05` is read too)."""
    found = _as_date(day)
    if found is None:
        return "—"
    return format_date(found, format="short" if _active.get() == "pl" else "medium", locale=_active.get())


def month_name(day: date | str | None) -> str:
    """`grudzień 2026` / `December 2026`: the month a day (or `2026-12`) falls in."""
    if isinstance(day, str) and len(day) == 7:
        day = f"{day}-01"
    found = _as_date(day)
    return "—" if found is None else format_date(found, format="LLLL y", locale=_active.get())


def moment(local: datetime) -> str:
    """A local date and time: `5.12.2026 07:42` / `Dec 5, 2026 07:42`."""
    return f"{short_date(local.date())} {local:%H:%M}"


def money(amount: Decimal) -> str:
    """`1 234,56 zł` in Polish (decimal comma), `1,234.56 zł` in English: the złoty either way."""
    return format_pln(amount, locale=_active.get())


def install(env: Environment) -> None:
    """Give templates `_()`, `ngettext()`, `{% trans %}` and the language's formats.

    New-style gettext: `_("Hello %(name)s", name=n)` formats after translating, and a literal
    percent sign in a template's message is written `%%`.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["long_date"] = long_date
    env.filters["money"] = money
    env.filters["short_date"] = short_date
    env.filters["month_name"] = month_name
