"""What every page shares: the templates (with translations), the menu, flashes.

Pages extend `templates/base.html` (see web/README.md). The base template gets, for every
request, `nav` (the menu items this request may see, the current one marked), `language`
and `other_languages` (the switch's links) from `page_context`; a route adds only its own
values, and may pass `flashes`, a list of `Flash`, to show messages at the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import i18n
from web.static_files import static_url

HERE = Path(__file__).parent


def everyone(_request: Request) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    """One link of the header's menu.

    `label` is an English message id marked with `N_()`, translated when shown; `visible`
    decides per request (for instance by the user's role) whether the item is shown.
    """

    href: str
    label: str
    visible: Callable[[Request], bool] = everyone
    badge: Callable[[Request], int] | None = None
    """A count shown beside the label when above zero (unread messages), asked only when shown."""

    def is_current(self, path: str) -> bool:
        return path == self.href or (self.href != "/" and path.startswith(self.href.rstrip("/") + "/"))


@dataclass(frozen=True)
class Flash:
    """A message at the top of a page: `kind` is "info", "ok" or "error"; `text` is translated."""

    text: str
    kind: Literal["info", "ok", "error"] = "info"


def page_templates(nav: Sequence[NavItem]) -> Jinja2Templates:
    """The site's templates: autoescaped, translated, with the menu `nav` on every page and
    `static('name')`, a static file's versioned address."""

    def page_context(request: Request) -> dict[str, Any]:
        path = request.url.path
        here = path + (f"?{request.url.query}" if request.url.query else "")
        current = i18n.current_language()
        return {
            "nav": [
                {
                    "href": item.href,
                    "label": item.label,
                    "current": item.is_current(path),
                    "badge": item.badge(request) if item.badge else 0,
                }
                for item in nav
                if item.visible(request)
            ],
            "language": current,
            "other_languages": [
                {"code": code, "name": name, "href": f"/language/{code}?next={quote(here, safe='/')}"}
                for code, name in i18n.LANGUAGES.items()
                if code != current
            ],
        }

    templates = Jinja2Templates(directory=HERE / "templates", context_processors=[page_context])
    i18n.install(templates.env)
    templates.env.globals["static"] = static_url
    return templates
