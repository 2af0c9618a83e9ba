"""Translations: Polish by default, English available, from gettext catalogues read with Babel.

Message ids are English (gettext's convention, and what plural forms assume); each language
has `hub/locale/<lang>/LC_MESSAGES/messages.po`, and both must be complete
(`tests/test_i18n.py` extracts every message id from hub/ and web/ and checks). A catalogue is
compiled in memory the first time its language is asked for, so a fresh clone needs no build
step and a command that translates nothing never loads Babel's catalogues.

The web and the command line share this core: the web activates each request's language
(`web.i18n.LanguageMiddleware`), the command line the one its environment names
(`language_from_environment`). The language lives in a context variable, so concurrent
requests never see each other's language.

A basic module: it imports nothing of ours but `hub.refusal`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from hub.refusal import N_, Label, Refusal

if TYPE_CHECKING:
    from babel.support import Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "current_language",
    "gettext",
    "language",
    "language_from_environment",
    "ngettext",
    "refusal_text",
]

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "pl"
LANGUAGES = {"pl": "Polski", "en": "English"}
"""Each language by its own name, as the language switch shows it; the default first."""

_active: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def _catalogue(language: str) -> Translations:
    """The language's `.po`, compiled in memory (fuzzy entries are left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


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
    return _catalogue(_active.get()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` by the language's plural rule (Polish has three)."""
    return _catalogue(_active.get()).ngettext(singular, plural, count)


def refusal_text(refusal: Refusal) -> str:
    """The refusal's sentence in the active language, its labels translated too."""
    params = translated_params(refusal.params)
    sentence = gettext(refusal.template)
    return sentence % params if params else sentence


def translated_params(params: Mapping[str, object]) -> dict[str, object]:
    return {name: gettext(value) if isinstance(value, Label) else value for name, value in params.items()}


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The command line's language: the first set of LC_ALL, LC_MESSAGES and LANG (POSIX's
    order) decides: Polish if it names Polish (`pl_PL.UTF-8`), else English (also when none
    is set: a machine without a locale is most likely a server's or a developer's)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "pl" if value.split("_")[0].split(".")[0].lower() == "pl" else "en"
    return "en"
