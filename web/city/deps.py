"""What the panel's routes share: `Panel`, the app's `PanelState` (database, templates, clock,
the city's time zone, the cookies' flag, the kept figures), as one dependency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from web.city.db import PanelDatabase
from web.city.figures import Figures


@dataclass
class PanelState:
    db: PanelDatabase
    templates: Jinja2Templates
    clock: Callable[[], datetime]
    """Now, in UTC: a test sets it to a morning of its choice."""
    tz: ZoneInfo
    cookie_secure: bool
    figures: Figures
    """The aggregates, kept a short while and refreshed behind the pages (`figures.py`)."""

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()


async def panel_state(request: Request) -> PanelState:
    return request.app.state.panel


Panel = Annotated[PanelState, Depends(panel_state)]
