"""What routes share, as FastAPI dependencies: the database, the settings, the templates,
the event bus, the signed-in account.

`create_app` puts each on `app.state`; a route names what it needs in its signature:

    @router.get("/readers")
    def reader_list(request: Request, db: Db, settings: SiteSettings, templates: Templates): …

The database is one `hub.db.SiteDatabase` whose every thread has its own connection, so a
plain `def` route (run in FastAPI's thread pool, off the event loop) uses its thread's.
These dependencies are `async def` only because they do no work: FastAPI calls them on the
loop without a thread hop. Rights stay in `web.auth` (`require`, `check`…); `CurrentUser` is
its `signed_in` as a parameter type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.accounts.rights import Account
from hub.config import Settings
from hub.ingest.events import EventBus
from web.auth import signed_in
from web.fresh_cache import FreshCache


async def database(request: Request) -> Database:
    return request.app.state.db


async def site_settings(request: Request) -> Settings:
    return request.app.state.settings


async def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


async def event_bus(request: Request) -> EventBus:
    return request.app.state.events


async def fresh_cache(request: Request) -> FreshCache:
    """Reads reused until the database changes (the presence board, a group's day)."""
    return request.app.state.fresh_cache


async def clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (`app.state.clock`, UTC): what the door's pages, the presence board
    and the parent's pages take as now; a test sets it to a morning of its choice."""
    return request.app.state.clock


Db = Annotated[Database, Depends(database)]
SiteSettings = Annotated[Settings, Depends(site_settings)]
Templates = Annotated[Jinja2Templates, Depends(templates)]
Events = Annotated[EventBus, Depends(event_bus)]
Cache = Annotated[FreshCache, Depends(fresh_cache)]
CurrentUser = Annotated[Account, Depends(signed_in)]
Clock = Annotated[Callable[[], datetime], Depends(clock)]


@dataclass(frozen=True)
class PageContext:
    """What rendering a page takes, as one parameter: a route that renders its page again
    on a refused form passes it on whole instead of five values."""

    request: Request
    db: Database
    settings: Settings
    templates: Jinja2Templates
    cache: FreshCache


async def page_context(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, cache: Cache
) -> PageContext:
    return PageContext(request, db, settings, templates, cache)


Page = Annotated[PageContext, Depends(page_context)]


def today(settings: Settings) -> date:
    """The kindergarten's local date now."""
    return datetime.now(settings.tz).date()
